/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup v2 paths: as /proc/PID/cgroup spells them ("/kubepods.slice/..."),
 * and as directories under wherever the v2 hierarchy is mounted
 * (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).
 */
#ifndef MAPWATCH_PROC_CGROUP_PATH_H
#define MAPWATCH_PROC_CGROUP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo. -ENOENT when nowhere. */
int cgroup_path__mount(char *out, size_t size);

/*
 * The directory of a cgroup given either way: a path under the mount is
 * taken as it is, anything else is relative to the mount. -ENAMETOOLONG,
 * or -ENOENT when cgroup v2 is not mounted.
 */
int cgroup_path__directory(const char *given, char *out, size_t size);

/* The process's cgroup v2 path ("0::" line of /proc/PID/cgroup). -ESRCH when it is gone. */
int cgroup_path__of_process(pid_t pid, char *out, size_t size);

/*
 * A cgroup given either way, as /proc/PID/cgroup spells it: the mount point
 * taken off, trailing slashes too ("/" for the root). -ENOENT when cgroup v2
 * is not mounted, -ENAMETOOLONG.
 */
int cgroup_path__relative(const char *given, char *out, size_t size);

/* Whether @path (as /proc spells it) is @subtree or below it. */
bool cgroup_path__within(const char *path, const char *subtree);

#endif
