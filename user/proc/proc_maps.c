// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One process's VMAs: reader choice, kind by stat, and the exited-process check. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "proc_maps.h"
#include "proc_maps_internal.h"
#include "stat_cache.h"

/*
 * 1: PROCMAP_QUERY works, -1: the kernel said ENOTTY/EINVAL once, 0: not tried
 * yet. Atomic: a scan's workers walk at once (proc_scan_ahead.c).
 */
static _Atomic int query_state;

struct walk {
	uint32_t pid;
	int pid_dir;
	bool root_unusable; /* /proc/PID/root would not open: no stat by path */
	int dir_fd; /* the directory of the last path stat'ed, or -1 */
	size_t dir_length; /* of its path as the process sees it, the closing slash counted; 0 none */
	char dir_path[sizeof("root") + PATH_MAX]; /* "root" and that path: under /proc/PID */
	struct mw_stat_cache *stat_cache;
	unsigned int flags;
	proc_maps_fn fn;
	void *ctx;
	struct mw_proc_maps_stats stats;
	bool handed_out; /* the caller's fn has seen a VMA: no reader switch any more */
	int alive; /* after a text walk: 1 its address space outlived it (proc_maps_internal.h) */
};

static int stat_map_file(int pid_dir, uint64_t start, uint64_t end, struct stat *st)
{
	char name[64];

	snprintf(name, sizeof(name), "map_files/%llx-%llx", (unsigned long long)start,
		 (unsigned long long)end);
	return fstatat(pid_dir, name, st, 0) ? -errno : 0;
}

static bool same_inode(const struct stat *st, const struct mw_vma *vma)
{
	return st->st_ino == vma->ino && (major(st->st_dev) << 20 | minor(st->st_dev)) == vma->dev;
}

/*
 * The directory @path (absolute, as the process sees it) is in, opened
 * through /proc/PID/root and kept for the next path: a process's files sit
 * together, and the walk down the path is the dearer half of a stat. One
 * open through the magic link, not the root opened and then the directory
 * under it: two syscalls fewer per process. Returns the fd, with *@name set
 * to the last component, or -errno.
 */
static int directory_of(struct walk *walk, const char *path, const char **name)
{
	static const char root[] = "root";
	const char *slash = strrchr(path, '/');
	size_t length = (size_t)(slash - path) + 1;
	int fd;

	*name = slash + 1;
	if (length == walk->dir_length &&
	    !memcmp(path, walk->dir_path + sizeof(root) - 1, length - 1))
		return walk->dir_fd;
	if (walk->dir_fd >= 0)
		close(walk->dir_fd);
	walk->dir_fd = -1;
	walk->dir_length = 0;
	if (sizeof(root) + length - 1 > sizeof(walk->dir_path))
		return -ENAMETOOLONG;
	/* "/usr/lib/x.so" opens "root/usr/lib", "/x" opens "root" */
	memcpy(walk->dir_path, root, sizeof(root) - 1);
	memcpy(walk->dir_path + sizeof(root) - 1, path, length - 1);
	walk->dir_path[sizeof(root) - 1 + length - 1] = '\0';
	fd = openat(walk->pid_dir, walk->dir_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		/* no right to the process's root: map_files answers, or nothing does */
		if (errno == EACCES || errno == EPERM)
			walk->root_unusable = true;
		return -errno;
	}
	walk->dir_fd = fd;
	walk->dir_length = length;
	return fd;
}

/*
 * stat() of @path as the process sees it (through its root, so containers
 * work), about a third of the cost of going through map_files, and without
 * CAP_SYS_ADMIN. Trusted only when it finds the very inode the VMA maps: a
 * file renamed or replaced since, or a path /proc escaped, gives -ESTALE.
 */
static int stat_by_path(struct walk *walk, const struct mw_vma *vma, const char *path,
			struct stat *st)
{
	const char *name;
	int dir;

	if (walk->root_unusable || path[0] != '/' || !path[1])
		return -ENOENT;
	dir = directory_of(walk, path, &name);
	if (dir < 0)
		return dir;
	if (fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return same_inode(st, vma) ? 0 : -ESTALE;
}

static const struct mw_file_status *stat_file(struct walk *walk, const struct mw_vma *vma)
{
	const struct mw_file_status *status =
		stat_cache__find(walk->stat_cache, vma->dev, vma->ino, walk->pid, vma->path);
	struct stat st;

	if (status)
		return status;
	/* a name marked deleted leads nowhere, or to another file */
	walk->stats.files_stated++;
	if ((vma->deleted || stat_by_path(walk, vma, vma->path, &st)) &&
	    stat_map_file(walk->pid_dir, vma->start, vma->end, &st))
		return NULL;
	return stat_cache__add(walk->stat_cache, vma->dev, vma->ino, walk->pid, vma->path, &st);
}

/*
 * The kernel appends " (deleted)" once to the name of an unlinked file, so a
 * live file whose own name ends that way reads exactly like a deleted one. No
 * links left settles it; otherwise, if the name as printed leads to this very
 * inode, that is the file's name and the file lives. Returns the file's status,
 * found by that lookup when the caller had none.
 */
static const struct mw_file_status *settle_deleted_marker(struct walk *walk, struct mw_vma *vma,
							  const struct mw_file_status *status)
{
	char name[PATH_MAX + sizeof(MAPS_DELETED_SUFFIX)];
	struct stat st;
	int length;

	if (status && status->nlink == 0)
		return status;
	length = snprintf(name, sizeof(name), "%s%s", vma->path, MAPS_DELETED_SUFFIX);
	if (length >= PATH_MAX || stat_by_path(walk, vma, name, &st))
		return status;
	memcpy(vma->path, name, length + 1);
	vma->deleted = false;
	return status ? status
		      : stat_cache__add(walk->stat_cache, vma->dev, vma->ino, walk->pid, vma->path,
					&st);
}

static void stat_file_vma(struct walk *walk, struct mw_vma *vma)
{
	const struct mw_file_status *st = stat_file(walk, vma);

	if (vma->deleted)
		st = settle_deleted_marker(walk, vma, st);
	if (!st) {
		/* the path alone decided the kind */
		walk->stats.stat_failures++;
		return;
	}
	if (!S_ISREG(st->mode)) {
		vma->kind = MW_VMA_SPECIAL_FILE;
		return;
	}
	vma->kind = MW_VMA_FILE;
	vma->file_stat_known = true;
	vma->file_dev = st->dev;
	vma->nlink = st->nlink;
	vma->file_size = st->size;
	vma->file_disk_bytes = (uint64_t)st->blocks * 512;
	/* no name left, whatever was printed (or not, past PATH_MAX): the kernel's own verdict */
	if (st->nlink == 0)
		vma->deleted = true;
}

/* Regular files, and anything else with a path that is not shared memory (devices). */
static bool worth_a_stat(const struct mw_vma *vma)
{
	if (vma->kind == MW_VMA_FILE)
		return true;
	return vma->kind == MW_VMA_SPECIAL_FILE && vma->path[0] == '/' &&
	       !proc_maps_name__is_shared_memory(vma);
}

static int walk_sink(struct mw_vma *vma, void *ctx)
{
	struct walk *walk = ctx;

	walk->stats.map_count++;
	if (vma->kind == MW_VMA_ANONYMOUS && (walk->flags & MW_PROC_MAPS_FILES_ONLY))
		return 0;
	if (!(walk->flags & MW_PROC_MAPS_NO_STAT) && worth_a_stat(vma))
		stat_file_vma(walk, vma);
	walk->handed_out = true;
	return walk->fn(vma, walk->ctx);
}

/*
 * A process that exits mid-walk leaves a short list (the text ends early, the
 * ioctl says ESRCH): check after the walk that the process is still there.
 * The directory fd keeps naming the same process even if its pid is reused.
 */
static bool process_gone(int pid_dir)
{
	char buffer[512], *state;
	ssize_t length;
	int fd;

	fd = openat(pid_dir, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESRCH || errno == ENOENT;
	length = read(fd, buffer, sizeof(buffer) - 1);
	close(fd);
	if (length <= 0)
		return true;
	buffer[length] = '\0';
	/* "pid (comm) S ...": comm may hold ')' itself, the last one closes it */
	state = strrchr(buffer, ')');
	if (!state || state[1] != ' ')
		return true;
	return state[2] == 'Z' || state[2] == 'X' || state[2] == 'x';
}

static int stop_at_first(struct mw_vma *vma, void *ctx)
{
	(void)vma;
	(void)ctx;
	return 1;
}

bool proc_maps__query_supported(void)
{
	if (query_state == 0) {
		int pid_dir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int err;

		if (pid_dir < 0)
			return false;
		err = proc_maps_query__walk(pid_dir, stop_at_first, NULL);
		close(pid_dir);
		query_state = (err == -ENOTTY || err == -EINVAL) ? -1 : 1;
	}
	return query_state > 0;
}

/*
 * When the thread group leader has exited (pthread_exit from main) while other
 * threads run on, its maps file is empty and its state is Z, yet the process
 * and its address space live: read them through a live thread instead.
 * Returns an O_DIRECTORY fd of /proc/PID/task/TID, or -ESRCH.
 */
static int open_live_thread(int pid_dir, pid_t pid)
{
	struct dirent *entry;
	int task_fd, found = -ESRCH;
	DIR *tasks;

	task_fd = openat(pid_dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (task_fd < 0)
		return -ESRCH;
	tasks = fdopendir(task_fd);
	if (!tasks) {
		close(task_fd);
		return -ESRCH;
	}
	while (found < 0 && (entry = readdir(tasks))) {
		int thread_dir;

		if (entry->d_name[0] < '1' || entry->d_name[0] > '9' || atoi(entry->d_name) == pid)
			continue;
		thread_dir =
			openat(dirfd(tasks), entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (thread_dir < 0)
			continue;
		if (process_gone(thread_dir))
			close(thread_dir);
		else
			found = thread_dir;
	}
	closedir(tasks);
	return found;
}

static int walk_maps(struct walk *walk)
{
	int err;

	if ((walk->flags & MW_PROC_MAPS_QUERY) && query_state >= 0) {
		walk->stats.used_query = true;
		err = proc_maps_query__walk(walk->pid_dir, walk_sink, walk);
		if ((err != -ENOTTY && err != -EINVAL) || walk->handed_out) {
			query_state = 1;
			return err;
		}
		query_state = -1;
		memset(&walk->stats, 0, sizeof(walk->stats));
	}
	/* not asked stays 0: process_gone decides */
	walk->alive = 0;
	err = proc_maps_text__walk(walk->pid_dir, walk_sink, walk,
				   query_state >= 0 ? &walk->alive : NULL);
	if (walk->alive == -ENOTTY || walk->alive == -EINVAL)
		query_state = -1;
	return err;
}

/* A short list from an exiting process (see process_gone) is no list: -ESRCH. */
static bool exited_during_walk(int err, const struct walk *walk)
{
	/* an error from fn is the caller's own and passes through untouched */
	if (err != 0 && err != -ESRCH && err != -ENOENT && err != -EIO)
		return false;
	/*
	 * The text's end came with its address space still there: the list is
	 * whole, known for one ioctl instead of a stat file opened and read.
	 */
	if (!err && walk->alive == 1)
		return false;
	return process_gone(walk->pid_dir);
}

int proc_maps__for_each_cached(pid_t pid, unsigned int flags, struct mw_stat_cache *cache,
			       proc_maps_fn fn, void *ctx, struct mw_proc_maps_stats *stats)
{
	struct walk walk = {
		.pid = (uint32_t)pid,
		.dir_fd = -1,
		.flags = flags,
		.fn = fn,
		.ctx = ctx,
		.stat_cache = cache,
	};
	char name[32];
	int err;

	if (pid <= 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "/proc/%d", (int)pid);
	walk.pid_dir = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (walk.pid_dir < 0)
		return errno == ENOENT ? -ESRCH : -errno;

	err = walk_maps(&walk);
	if (exited_during_walk(err, &walk)) {
		int thread_dir = walk.handed_out ? -ESRCH : open_live_thread(walk.pid_dir, pid);

		err = -ESRCH;
		if (thread_dir >= 0) {
			close(walk.pid_dir);
			walk.pid_dir = thread_dir;
			memset(&walk.stats, 0, sizeof(walk.stats));
			err = walk_maps(&walk);
			if (exited_during_walk(err, &walk))
				err = -ESRCH;
		}
	}
	if (walk.dir_fd >= 0)
		close(walk.dir_fd);
	close(walk.pid_dir);
	if (!err && stats)
		*stats = walk.stats;
	return err;
}

int proc_maps__for_each(pid_t pid, unsigned int flags, proc_maps_fn fn, void *ctx,
			struct mw_proc_maps_stats *stats)
{
	struct mw_stat_cache *cache = stat_cache__create();
	int err;

	if (!cache)
		return -ENOMEM;
	err = proc_maps__for_each_cached(pid, flags, cache, fn, ctx, stats);
	stat_cache__destroy(cache);
	return err;
}

int vma_list__append(const struct mw_vma *vma, void *list)
{
	struct mw_vma_list *vmas = list;

	if (vmas->count == vmas->capacity) {
		size_t capacity = vmas->capacity ? vmas->capacity * 2 : 64;
		struct mw_vma *items = realloc(vmas->items, capacity * sizeof(*items));

		if (!items)
			return -ENOMEM;
		vmas->items = items;
		vmas->capacity = capacity;
	}
	memcpy(&vmas->items[vmas->count++], vma,
	       offsetof(struct mw_vma, path) + strlen(vma->path) + 1);
	return 0;
}

int proc_maps__read(pid_t pid, unsigned int flags, struct mw_vma **vmas, size_t *count,
		    struct mw_proc_maps_stats *stats)
{
	struct mw_vma_list list = { 0 };
	int err;

	*vmas = NULL;
	*count = 0;
	err = proc_maps__for_each(pid, flags, vma_list__append, &list, stats);
	if (err) {
		free(list.items);
		return err;
	}
	*vmas = list.items;
	*count = list.count;
	return 0;
}

int proc_maps__stat_mapping(pid_t pid, uint64_t start, uint64_t end, struct stat *st)
{
	char name[32];
	int pid_dir, err;

	snprintf(name, sizeof(name), "/proc/%d", (int)pid);
	pid_dir = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_dir < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = stat_map_file(pid_dir, start, end, st);
	close(pid_dir);
	return err;
}

/* The name the maps text gives the VMA at start: no length limit but the reader's. */
static int mapping_path_from_text(pid_t pid, uint64_t start, char *path, size_t size)
{
	struct mw_vma *vma = malloc(sizeof(*vma));
	char name[32];
	int pid_dir, err;

	if (!vma)
		return -ENOMEM;
	snprintf(name, sizeof(name), "/proc/%d", (int)pid);
	pid_dir = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = pid_dir < 0 ? -errno : proc_maps_text__find(pid_dir, start, vma);
	if (!err && (size_t)snprintf(path, size, "%s", vma->path) >= size)
		err = -ENAMETOOLONG;
	if (pid_dir >= 0)
		close(pid_dir);
	free(vma);
	return err;
}

int proc_maps__mapping_path(pid_t pid, uint64_t start, uint64_t end, bool unlinked, char *path,
			    size_t size)
{
	size_t suffix = sizeof(MAPS_DELETED_SUFFIX) - 1;
	char link[96];
	ssize_t length;

	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)start, (unsigned long long)end);
	length = readlink(link, path, size - 1);
	/* a name that does not fit a page with " (deleted)" after it: the text has it whole */
	if ((length < 0 && errno == ENAMETOOLONG) || (size_t)length == size - 1)
		return mapping_path_from_text(pid, start, path, size);
	if (length < 0)
		return -errno;
	path[length] = '\0';
	if (unlinked && (size_t)length > suffix &&
	    !strcmp(path + length - suffix, MAPS_DELETED_SUFFIX))
		path[length - suffix] = '\0';
	return 0;
}

bool proc_maps__is_orphaned(const struct mw_vma *vma)
{
	if (vma->kind != MW_VMA_FILE)
		return false;
	return vma->file_stat_known ? vma->nlink == 0 : vma->deleted;
}
