// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_path.h"
#include "container_id.h"
#include "parallel_for.h"
#include "proc_scan.h"
#include "report_names.h"

/* fewer processes to name than this are named on the caller's thread alone */
#define NAMES_PER_THREAD_MIN 64

static int name(struct mw_process_report *report)
{
	char cgroup[PATH_MAX];

	if (proc_scan__read_comm((pid_t)report->pid, report->comm))
		report->comm[0] = '\0';
	if (report->cgroup || cgroup_path__of_process((pid_t)report->pid, cgroup, sizeof(cgroup)))
		return 0;
	report->cgroup = strdup(cgroup);
	if (!report->cgroup)
		return -ENOMEM;
	container_id__parse(report->cgroup, &report->container);
	return 0;
}

struct naming {
	struct mw_snapshot *snapshot;
	const size_t *shown;
};

static int name_one(size_t index, void *context)
{
	const struct naming *naming = context;

	return name(&naming->snapshot->processes[naming->shown[index]]);
}

int report_names__fill(struct mw_snapshot *snapshot, size_t first, size_t nearest)
{
	size_t count = snapshot->process_count, shown_count = 0;
	struct mw_process_report **by_count;
	size_t *shown;
	bool *is_shown;
	int err;

	by_count = calloc(count ? count : 1, sizeof(*by_count));
	is_shown = calloc(count ? count : 1, sizeof(*is_shown));
	shown = calloc(count ? count : 1, sizeof(*shown));
	if (!by_count || !is_shown || !shown) {
		free(by_count);
		free(is_shown);
		free(shown);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		by_count[i] = &snapshot->processes[i];
		is_shown[i] = snapshot__is_notable(by_count[i]) || i < first;
	}
	qsort(by_count, count, sizeof(*by_count), snapshot__compare_by_map_count);
	for (size_t i = 0; i < count && i < nearest; i++)
		is_shown[by_count[i] - snapshot->processes] = true;
	for (size_t i = 0; i < count; i++)
		if (is_shown[i])
			shown[shown_count++] = i;
	/* two opens, reads and closes per process, each its own: spread over the CPUs */
	err = parallel_for__each(shown_count, NAMES_PER_THREAD_MIN, name_one,
				 &(struct naming){ snapshot, shown });
	free(by_count);
	free(is_shown);
	free(shown);
	return err;
}
