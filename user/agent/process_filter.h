/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --pid, --comm and --cgroup as the /proc side applies them (seeding, rescans,
 * scan), so it keeps the same processes the kernel's filters let through.
 */
#ifndef MAPWATCH_AGENT_PROCESS_FILTER_H
#define MAPWATCH_AGENT_PROCESS_FILTER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "options.h"

struct mw_process_filter {
	const struct mw_options *options; /* outlives the filter */
	/* --cgroup as /proc/PID/cgroup spells them */
	char cgroups[MW_FILTER_CGROUPS_MAX][PATH_MAX];
	size_t cgroup_count;
};

/*
 * Resolves the --cgroup paths of @options. Returns 0, or -errno with a line
 * for the user in @error (a --cgroup without a cgroup v2 hierarchy).
 */
int process_filter__init(struct mw_process_filter *filter, const struct mw_options *options,
			 char *error, size_t error_size);

/* Whether a process's comm or cgroup decides if it passes (--comm, --cgroup). */
bool process_filter__needs_names(const struct mw_process_filter *filter);

/*
 * Whether it may pass: --pid and --comm alone, before its cgroup is read.
 * False means process_filter__matches() is false too, whatever the cgroup.
 */
bool process_filter__may_match(const struct mw_process_filter *filter, uint32_t pid,
			       const char *comm);

/*
 * Whether the process passes every filter given. @cgroup is its cgroup v2
 * path, NULL when it could not be read (then it passes no --cgroup).
 */
bool process_filter__matches(const struct mw_process_filter *filter, uint32_t pid, const char *comm,
			     const char *cgroup);

#endif
