// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "proc_seed.h"

struct seed_context {
	struct mw_tracker *tracker;
	const struct mw_options *options;
	uint64_t scan_started_ns;
};

static int seed_one(const struct mw_proc_process *process, void *context)
{
	struct seed_context *seed = context;
	int err;

	if (!options__process_matches(seed->options, (uint32_t)process->pid, process->comm))
		return 0;
	err = tracker__seed_process(seed->tracker, (uint32_t)process->pid, process->comm,
				    process->stats.map_count, process->vmas, process->vma_count,
				    seed->scan_started_ns);
	return err < 0 ? err : 0;
}

int proc_seed__all(struct mw_tracker *tracker, const struct mw_options *options,
		   uint64_t scan_started_ns, struct mw_proc_scan_stats *stats)
{
	struct seed_context seed = {
		.tracker = tracker,
		.options = options,
		.scan_started_ns = scan_started_ns,
	};

	return proc_scan__each(MW_PROC_MAPS_FILES_ONLY, seed_one, &seed, stats);
}
