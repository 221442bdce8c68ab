// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc_scan.h"
#include "stat_cache.h"

int proc_scan__read_comm(pid_t pid, char comm[MW_COMM_LEN])
{
	char name[32];
	ssize_t length;
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/comm", (int)pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	length = read(fd, comm, MW_COMM_LEN);
	if (length < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	/* the kernel writes at most 15 bytes and a newline */
	if (length > 0 && comm[length - 1] == '\n')
		length--;
	if (length >= MW_COMM_LEN)
		length = MW_COMM_LEN - 1;
	comm[length] = '\0';
	return 0;
}

/* Directory entries that are pids: thread group leaders (threads live under task/). */
static pid_t parse_pid(const char *name)
{
	char *end;
	long value;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	errno = 0;
	value = strtol(name, &end, 10);
	if (errno || *end || value <= 0 || value > INT32_MAX)
		return 0;
	return (pid_t)value;
}

/* One array for the whole scan: each process's VMAs overwrite the last one's. */
struct collect {
	struct mw_vma *items;
	size_t count;
	size_t capacity;
};

/* A VMA is mostly its PATH_MAX path buffer: copy only the part the path uses. */
static int collect_vma(const struct mw_vma *vma, void *ctx)
{
	struct collect *collect = ctx;
	struct mw_vma *item;

	if (collect->count == collect->capacity) {
		size_t capacity = collect->capacity ? collect->capacity * 2 : 64;
		struct mw_vma *items = realloc(collect->items, capacity * sizeof(*items));

		if (!items)
			return -ENOMEM;
		collect->items = items;
		collect->capacity = capacity;
	}
	item = &collect->items[collect->count++];
	memcpy(item, vma, offsetof(struct mw_vma, path) + strlen(vma->path) + 1);
	return 0;
}

static int scan_one(pid_t pid, unsigned int maps_flags, struct mw_stat_cache *cache,
		    struct collect *collect, proc_scan_fn fn, void *ctx,
		    struct mw_proc_scan_stats *stats)
{
	struct mw_proc_process process = { .pid = pid };
	int err;

	collect->count = 0;
	err = proc_scan__read_comm(pid, process.comm);
	if (!err)
		err = proc_maps__for_each_cached(pid, maps_flags, cache, collect_vma, collect,
						 &process.stats);
	if (err == -ESRCH) {
		stats->vanished++;
		return 0;
	}
	if (err == -ENOMEM)
		return err;
	if (err) {
		stats->unreadable++;
		return 0;
	}
	if (process.stats.map_count == 0)
		return 0;
	process.vmas = collect->items;
	process.vma_count = collect->count;
	stats->processes++;
	return fn(&process, ctx);
}

int proc_scan__each(unsigned int maps_flags, proc_scan_fn fn, void *ctx,
		    struct mw_proc_scan_stats *stats)
{
	struct mw_proc_scan_stats local = { 0 };
	struct collect collect = { 0 };
	struct mw_stat_cache *cache;
	struct dirent *entry;
	DIR *proc;
	int err = 0;

	/* one stat per inode for the whole scan: a file inherited by many processes costs one */
	cache = stat_cache__create();
	if (!cache)
		return -ENOMEM;
	proc = opendir("/proc");
	if (!proc) {
		err = -errno;
		stat_cache__destroy(cache);
		return err;
	}
	for (;;) {
		pid_t pid;

		errno = 0;
		entry = readdir(proc);
		if (!entry) {
			err = errno ? -errno : 0;
			break;
		}
		pid = parse_pid(entry->d_name);
		if (!pid)
			continue;
		err = scan_one(pid, maps_flags, cache, &collect, fn, ctx, &local);
		if (err)
			break;
	}
	closedir(proc);
	free(collect.items);
	stat_cache__destroy(cache);
	if (stats)
		*stats = local;
	return err;
}
