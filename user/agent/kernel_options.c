// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cgroup_path.h"
#include "kernel_options.h"

int kernel_options__from(const struct mw_options *options, struct mw_kernel_setup *setup,
			 char *error, size_t error_size)
{
	memset(setup, 0, sizeof(*setup));
	setup->kernel = (struct mw_kernel_options){
		.pids = options->pids,
		.pid_count = options->pid_count,
		.comms = options->comms,
		.comm_count = options->comm_count,
		.cgroup_directories = setup->cgroup_pointers,
		.cgroup_count = options->cgroup_count,
		.ring_buffer_bytes = options->ring_buffer_bytes,
		.inode_entries = options->max_inodes,
		.libbpf_debug = options->verbosity >= 2,
	};
	for (size_t i = 0; i < options->cgroup_count; i++) {
		int err = cgroup_path__directory(options->cgroups[i], setup->cgroup_directories[i],
						 sizeof(setup->cgroup_directories[i]));

		if (err) {
			snprintf(error, error_size, "--cgroup %s: %s", options->cgroups[i],
				 err == -ENOENT ? "no cgroup v2 hierarchy is mounted"
						: strerror(-err));
			return err;
		}
		setup->cgroup_pointers[i] = setup->cgroup_directories[i];
	}
	return 0;
}
