// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cgroup_path.h"
#include "process_filter.h"

int process_filter__init(struct mw_process_filter *filter, const struct mw_options *options,
			 char *error, size_t error_size)
{
	filter->options = options;
	filter->cgroup_count = 0;
	for (size_t i = 0; i < options->cgroup_count; i++) {
		int err = cgroup_path__relative(options->cgroups[i], filter->cgroups[i],
						sizeof(filter->cgroups[i]));

		if (err) {
			snprintf(error, error_size, "--cgroup %s: %s", options->cgroups[i],
				 err == -ENOENT ? "no cgroup v2 hierarchy is mounted"
						: strerror(-err));
			return err;
		}
		filter->cgroup_count++;
	}
	return 0;
}

bool process_filter__needs_names(const struct mw_process_filter *filter)
{
	return filter->options->comm_count > 0 || filter->cgroup_count > 0;
}

bool process_filter__may_match(const struct mw_process_filter *filter, uint32_t pid,
			       const char *comm)
{
	return options__process_matches(filter->options, pid, comm);
}

bool process_filter__matches(const struct mw_process_filter *filter, uint32_t pid, const char *comm,
			     const char *cgroup)
{
	bool cgroup_ok = filter->cgroup_count == 0;

	if (!options__process_matches(filter->options, pid, comm))
		return false;
	for (size_t i = 0; i < filter->cgroup_count && !cgroup_ok && cgroup; i++)
		cgroup_ok = cgroup_path__within(cgroup, filter->cgroups[i]);
	return cgroup_ok;
}
