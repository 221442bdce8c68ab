// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc_scan.h"
#include "proc_scan_internal.h"
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

int proc_scan__walk_now(void *source, pid_t pid, proc_maps_fn fn, void *fn_ctx,
			struct mw_proc_maps_stats *stats)
{
	struct proc_scan_walk *walk = source;

	return proc_maps__for_each_cached(pid, walk->maps_flags, walk->cache, fn, fn_ctx, stats);
}

int proc_scan__hand_process(struct mw_proc_process *process, int comm_err,
			    proc_scan_source_fn source_fn, void *source,
			    const struct mw_proc_scan_handlers *handlers, void *ctx,
			    struct mw_proc_scan_stats *stats)
{
	struct scan_one one = { handlers, ctx };
	int err;

	if (comm_err == -ESRCH) {
		stats->vanished++;
		return 0;
	}
	if (comm_err) {
		stats->unreadable++;
		return 0;
	}
	err = handlers->begin(process, ctx);
	if (err <= 0)
		return err;
	err = source_fn(source, process->pid, hand_vma, &one, &process->stats);
	stats->files_stated += process->stats.files_stated;
	if (err || process->stats.map_count == 0) {
		handlers->abandon(process, ctx);
		if (err == -ENOMEM)
			return err;
		if (err == -ESRCH)
			stats->vanished++;
		else if (err)
			stats->unreadable++;
		return 0;
	}
	stats->processes++;
	return handlers->end(process, ctx);
}

static int scan_one(pid_t pid, struct proc_scan_walk *walk,
		    const struct mw_proc_scan_handlers *handlers, void *ctx,
		    struct mw_proc_scan_stats *stats)
{
	struct mw_proc_process process = { .pid = pid };
	int comm_err = handlers->comm_later ? 0 : proc_scan__read_comm(pid, process.comm);

	return proc_scan__hand_process(&process, comm_err, proc_scan__walk_now, walk, handlers, ctx,
				       stats);
}

/* Every pid in /proc, in its order, into a malloc'ed array. */
static int list_pids(pid_t **pids, size_t *count)
{
	size_t capacity = 0;
	struct dirent *entry;
	DIR *proc;
	int err = 0;

	*pids = NULL;
	*count = 0;
	proc = opendir("/proc");
	if (!proc)
		return -errno;
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
		if (*count == capacity) {
			pid_t *grown;

			capacity = capacity ? capacity * 2 : 1024;
			grown = realloc(*pids, capacity * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			*pids = grown;
		}
		(*pids)[(*count)++] = pid;
	}
	closedir(proc);
	if (err) {
		free(*pids);
		*pids = NULL;
		*count = 0;
	}
	return err;
}

int proc_scan__each(unsigned int maps_flags, const struct mw_proc_scan_handlers *handlers,
		    void *ctx, struct mw_proc_scan_stats *stats)
{
	struct mw_proc_scan_stats local = { 0 };
	struct proc_scan_walk walk = { .maps_flags = maps_flags };
	size_t count;
	pid_t *pids;
	int err;

	/* one stat per inode for the whole scan: a file inherited by many processes costs one */
	walk.cache = stat_cache__create();
	if (!walk.cache)
		return -ENOMEM;
	if (handlers->known_file)
		stat_cache__set_source(walk.cache, handlers->known_file, ctx);
	/* listed first: the read-ahead hands processes over in this order */
	err = list_pids(&pids, &count);
	if (!err && handlers->read_ahead && !handlers->known_file)
		err = proc_scan_ahead__each(pids, count, &walk, handlers, ctx, &local);
	else if (!err)
		err = PROC_SCAN_AHEAD_NOT_STARTED;
	if (err == PROC_SCAN_AHEAD_NOT_STARTED) {
		err = 0;
		for (size_t i = 0; i < count && !err; i++)
			err = scan_one(pids[i], &walk, handlers, ctx, &local);
	}
	free(pids);
	stat_cache__destroy(walk.cache);
	if (stats)
		*stats = local;
	return err;
}
