// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <limits.h>
#include <stdlib.h>
#include "cgroup_path.h"
#include "process_cgroups.h"

void process_cgroups__read_unknown(struct mw_tracker *tracker)
{
	size_t count = tracker__pids(tracker, NULL, 0);
	uint32_t *pids = calloc(count ? count : 1, sizeof(*pids));

	if (!pids)
		return; /* the next interval asks again */
	count = tracker__pids(tracker, pids, count);
	for (size_t i = 0; i < count; i++) {
		char cgroup[PATH_MAX];
		int err;

		if (!tracker__cgroup_wanted(tracker, pids[i]))
			continue;
		err = cgroup_path__of_process((pid_t)pids[i], cgroup, sizeof(cgroup));
		(void)tracker__learn_cgroup(tracker, pids[i], err, cgroup);
	}
	free(pids);
}
