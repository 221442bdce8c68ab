/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The command line's filters and sizes, as the kernel tracer takes them. */
#ifndef MAPWATCH_AGENT_KERNEL_OPTIONS_H
#define MAPWATCH_AGENT_KERNEL_OPTIONS_H

#include <limits.h>
#include <stddef.h>
#include "kernel_tracer.h"
#include "options.h"

struct mw_kernel_setup {
	struct mw_kernel_options kernel;
	/* --cgroup resolved to directories under the cgroup v2 mount */
	char cgroup_directories[MW_FILTER_CGROUPS_MAX][PATH_MAX];
	const char *cgroup_pointers[MW_FILTER_CGROUPS_MAX];
};

/*
 * Fills setup from options; setup must outlive the tracer's opening. Returns
 * 0, or -errno with a line for the user in error (a --cgroup without a v2
 * hierarchy to resolve it in).
 */
int kernel_options__from(const struct mw_options *options, struct mw_kernel_setup *setup,
			 char *error, size_t error_size);

#endif
