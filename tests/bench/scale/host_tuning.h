/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the scale benchmark changes on the host for its run, each put back by
 * host_tuning__restore: kernel limits raised (vm.max_map_count, kernel.pid_max,
 * kernel.threads-max) and a tmpfs mounted for the files it maps.
 */
#ifndef MAPWATCH_BENCH_HOST_TUNING_H
#define MAPWATCH_BENCH_HOST_TUNING_H

#include <limits.h>
#include <stdbool.h>

#define HOST_TUNING_SYSCTLS 4

struct host_sysctl {
	const char *path; /* under /proc/sys */
	long original;
};

struct host_tuning {
	struct host_sysctl raised[HOST_TUNING_SYSCTLS];
	int raised_count;
	char mount_point[PATH_MAX]; /* empty when nothing is mounted */
};

/* The value of a /proc/sys file, or -errno. */
long host_tuning__read(const char *path);

/*
 * Raises the sysctl at @path to at least @minimum, remembering the value to
 * put back. Returns 0 when it already was, 1 when raised, or -errno.
 */
int host_tuning__raise(struct host_tuning *tuning, const char *path, long minimum);

/* Mounts a fresh tmpfs on a new directory @path (made here, removed on restore). */
int host_tuning__mount_tmpfs(struct host_tuning *tuning, const char *path);

/*
 * Unmounts the tmpfs and writes every raised sysctl back. Idempotent; nothing
 * may still hold files in the mount (it is detached if something does).
 */
void host_tuning__restore(struct host_tuning *tuning);

/* Object size in bytes of the slab cache @cache, from /proc/slabinfo (root only); -errno. */
long host_tuning__slab_object_size(const char *cache);

/* Scheduling entities (threads) on the host now, from /proc/loadavg; -errno. */
long host_tuning__threads(void);

#endif
