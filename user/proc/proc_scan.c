// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

struct scan_one {
	const struct mw_proc_scan_handlers *handlers;
	void *ctx;
};

static int hand_vma(const struct mw_vma *vma, void *ctx)
{
	struct scan_one *one = ctx;

	return one->handlers->vma(vma, one->ctx);
}

static int scan_one(pid_t pid, unsigned int maps_flags, struct mw_stat_cache *cache,
		    const struct mw_proc_scan_handlers *handlers, void *ctx,
		    struct mw_proc_scan_stats *stats)
{
	struct mw_proc_process process = { .pid = pid };
	struct scan_one one = { handlers, ctx };
	int err;

	err = handlers->comm_later ? 0 : proc_scan__read_comm(pid, process.comm);
	if (err == -ESRCH) {
		stats->vanished++;
		return 0;
	}
	if (err) {
		stats->unreadable++;
		return 0;
	}
	err = handlers->begin(&process, ctx);
	if (err <= 0)
		return err;
	err = proc_maps__for_each_cached(pid, maps_flags, cache, hand_vma, &one, &process.stats);
	stats->files_stated += process.stats.files_stated;
	if (err || process.stats.map_count == 0) {
		handlers->abandon(&process, ctx);
		if (err == -ENOMEM)
			return err;
		if (err == -ESRCH)
			stats->vanished++;
		else if (err)
			stats->unreadable++;
		return 0;
	}
	stats->processes++;
	return handlers->end(&process, ctx);
}

int proc_scan__each(unsigned int maps_flags, const struct mw_proc_scan_handlers *handlers,
		    void *ctx, struct mw_proc_scan_stats *stats)
{
	struct mw_proc_scan_stats local = { 0 };
	struct mw_stat_cache *cache;
	struct dirent *entry;
	DIR *proc;
	int err = 0;

	/* one stat per inode for the whole scan: a file inherited by many processes costs one */
	cache = stat_cache__create();
	if (!cache)
		return -ENOMEM;
	if (handlers->known_file)
		stat_cache__set_source(cache, handlers->known_file, ctx);
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
		err = scan_one(pid, maps_flags, cache, handlers, ctx, &local);
		if (err)
			break;
	}
	closedir(proc);
	stat_cache__destroy(cache);
	if (stats)
		*stats = local;
	return err;
}
