// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <limits.h>
#include "cgroup_path.h"
#include "proc_seed.h"

struct seed_context {
	struct mw_tracker *tracker;
	const struct mw_process_filter *filter;
	uint64_t scan_started_ns;
};

static int seed_one(const struct mw_proc_process *process, void *context)
{
	struct seed_context *seed = context;
	char cgroup[PATH_MAX];
	bool cgroup_known;
	int err;

	/* read for every process: what it is attributed to, and what --cgroup decides on */
	cgroup_known = !cgroup_path__of_process(process->pid, cgroup, sizeof(cgroup));
	if (!process_filter__matches(seed->filter, (uint32_t)process->pid, process->comm,
				     cgroup_known ? cgroup : NULL))
		return 0;
	err = tracker__seed_process(seed->tracker, (uint32_t)process->pid, process->comm,
				    process->stats.map_count, process->vmas, process->vma_count,
				    seed->scan_started_ns);
	if (!err && cgroup_known)
		err = tracker__set_cgroup(seed->tracker, (uint32_t)process->pid, cgroup);
	return err < 0 ? err : 0;
}

int proc_seed__all(struct mw_tracker *tracker, const struct mw_process_filter *filter,
		   uint64_t scan_started_ns, struct mw_proc_scan_stats *stats)
{
	struct seed_context seed = {
		.tracker = tracker,
		.filter = filter,
		.scan_started_ns = scan_started_ns,
	};

	return proc_scan__each(MW_PROC_MAPS_FILES_ONLY, seed_one, &seed, stats);
}
