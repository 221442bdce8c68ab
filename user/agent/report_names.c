// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_path.h"
#include "container_id.h"
#include "proc_scan.h"
#include "report_names.h"

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

int report_names__fill(struct mw_snapshot *snapshot, size_t first, size_t nearest)
{
	size_t count = snapshot->process_count;
	struct mw_process_report **by_count;
	bool *shown;
	int err = 0;

	by_count = calloc(count ? count : 1, sizeof(*by_count));
	shown = calloc(count ? count : 1, sizeof(*shown));
	if (!by_count || !shown) {
		free(by_count);
		free(shown);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		by_count[i] = &snapshot->processes[i];
		shown[i] = snapshot__is_notable(by_count[i]) || i < first;
	}
	qsort(by_count, count, sizeof(*by_count), snapshot__compare_by_map_count);
	for (size_t i = 0; i < count && i < nearest; i++)
		shown[by_count[i] - snapshot->processes] = true;
	for (size_t i = 0; i < count && !err; i++)
		if (shown[i])
			err = name(&snapshot->processes[i]);
	free(by_count);
	free(shown);
	return err;
}
