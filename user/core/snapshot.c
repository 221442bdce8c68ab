// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

/*
 * From the milliseconds a fixed resize keeps an old mapping to the day a leaked
 * Kafka index mapping waits for a mixed GC; longer lands in +Inf.
 */
const double mw_duration_bucket_bounds[MW_DURATION_BUCKETS] = {
	0.01, 0.1, 1, 10, 60, 300, 900, 3600, 14400, 86400,
};

bool snapshot__is_notable(const struct mw_process_report *process)
{
	return process->orphaned_mappings || process->resize_remaps || process->stale_mappings;
}

int snapshot__compare_by_map_count(const void *left, const void *right)
{
	const struct mw_process_report *const *a = left, *const *b = right;

	if ((*a)->map_count != (*b)->map_count)
		return (*a)->map_count < (*b)->map_count ? 1 : -1;
	return (*a)->pid < (*b)->pid ? -1 : (*a)->pid > (*b)->pid;
}

void snapshot__clear(struct mw_snapshot *snapshot)
{
	if (!snapshot)
		return;
	for (size_t i = 0; i < snapshot->process_count; i++) {
		struct mw_process_report *process = &snapshot->processes[i];

		for (size_t j = 0; j < process->orphan_count; j++) {
			free(process->orphans[j].path);
			free(process->orphans[j].ranges);
		}
		free(process->orphans);
		free(process->cgroup);
		for (size_t j = 0; j < process->cause_example_count; j++)
			free(process->cause_examples[j]);
	}
	free(snapshot->processes);
	for (size_t i = 0; i < snapshot->file_count; i++) {
		free(snapshot->files[i].path);
		free(snapshot->files[i].pids);
	}
	free(snapshot->files);
	free(snapshot->containers);
	memset(snapshot, 0, sizeof(*snapshot));
}
