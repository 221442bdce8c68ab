/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPWATCH_PROC_SYSCTL_H
#define MAPWATCH_PROC_SYSCTL_H

#include <stdint.h>

/* vm.max_map_count from /proc/sys/vm/max_map_count. Returns 0 or -errno (-EBADMSG if garbled). */
int sysctl__max_map_count(uint64_t *value);

/* The same parse from any file, for tests and other sysctls. */
int sysctl__read_u64(const char *path, uint64_t *value);

#endif
