// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Which cgroup, and so which container, each process runs in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tracker_internal.h"

int process__assign_cgroup(struct mw_process *process, const char *cgroup)
{
	char *copy = NULL;

	if (process->cgroup && cgroup && !strcmp(process->cgroup, cgroup))
		return 0;
	if (cgroup && !(copy = strdup(cgroup)))
		return -ENOMEM;
	free(process->cgroup);
	process->cgroup = copy;
	container_id__parse(cgroup ? cgroup : "", &process->container);
	return 0;
}

int tracker__set_cgroup(struct mw_tracker *tracker, uint32_t pid, const char *cgroup)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	if (!process)
		return -ENOENT;
	return process__assign_cgroup(process, cgroup);
}

const char *tracker__cgroup(struct mw_tracker *tracker, uint32_t pid)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	return process ? process->cgroup : NULL;
}

bool tracker__cgroup_wanted(struct mw_tracker *tracker, uint32_t pid)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	return process && !process->cgroup && !process->cgroup_missing;
}

void tracker__set_cgroup_missing(struct mw_tracker *tracker, uint32_t pid)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	if (process)
		process->cgroup_missing = true;
}

int tracker__learn_cgroup(struct mw_tracker *tracker, uint32_t pid, int read_err,
			  const char *cgroup)
{
	if (!read_err)
		return tracker__set_cgroup(tracker, pid, cgroup);
	if (read_err == -ENOENT)
		tracker__set_cgroup_missing(tracker, pid);
	return 0;
}
