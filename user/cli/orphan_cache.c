// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uthash.h>
#include "orphan_cache.h"

#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif

/* cachestat(2)'s arguments, as include/uapi/linux/mman.h has them since 6.5 */
struct cache_range {
	uint64_t offset;
	uint64_t length; /* 0: to the end of the file */
};

struct cache_status {
	uint64_t nr_cache;
	uint64_t nr_dirty;
	uint64_t nr_writeback;
	uint64_t nr_evicted;
	uint64_t nr_recently_evicted;
};

struct file_key {
	uint64_t ino;
	uint32_t dev;
	uint32_t padding;
};

struct measured {
	struct file_key key;
	UT_hash_handle hh;
	bool known;
	uint64_t bytes;
};

/* The file's resident pages, through the mapping at [start, end) of @pid. */
static int cached_bytes(uint32_t pid, const struct mw_orphan_range *range, uint64_t page,
			uint64_t *bytes)
{
	struct cache_range whole = { 0 };
	struct cache_status status;
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/map_files/%" PRIx64 "-%" PRIx64, pid,
		 range->start, range->end);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_cachestat, fd, &whole, &status, 0))
		err = -errno;
	else
		*bytes = status.nr_cache * page;
	close(fd);
	return err;
}

static struct measured *measure(struct measured **table, uint32_t pid,
				const struct mw_orphan *orphan, uint64_t page)
{
	struct file_key key = { .ino = orphan->ino, .dev = orphan->dev };
	struct measured *entry;

	HASH_FIND(hh, *table, &key, sizeof(key), entry);
	if (entry && entry->known)
		return entry;
	if (!entry) {
		entry = calloc(1, sizeof(*entry));
		if (!entry)
			return NULL;
		entry->key = key;
		HASH_ADD(hh, *table, key, sizeof(key), entry);
	}
	/* a process that exited meanwhile: another one that maps it may tell */
	if (orphan->range_count && !cached_bytes(pid, &orphan->ranges[0], page, &entry->bytes))
		entry->known = true;
	return entry;
}

void orphan_cache__measure(struct mw_snapshot *snapshot)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct measured *table = NULL, *entry, *next;

	for (size_t i = 0; i < snapshot->process_count; i++) {
		struct mw_process_report *process = &snapshot->processes[i];

		process->orphaned_files_cached_bytes = 0;
		for (size_t j = 0; j < process->orphan_count; j++) {
			struct mw_orphan *orphan = &process->orphans[j];

			entry = measure(&table, process->pid, orphan, page);
			orphan->cached_bytes_known = entry && entry->known;
			orphan->cached_bytes = orphan->cached_bytes_known ? entry->bytes : 0;
			process->orphaned_files_cached_bytes += orphan->cached_bytes;
		}
	}
	snapshot->orphaned_files_cached_bytes = 0;
	for (size_t i = 0; i < snapshot->file_count; i++) {
		struct mw_orphaned_file *file = &snapshot->files[i];
		struct file_key key = { .ino = file->ino, .dev = file->dev };

		HASH_FIND(hh, table, &key, sizeof(key), entry);
		file->cached_bytes_known = entry && entry->known;
		file->cached_bytes = file->cached_bytes_known ? entry->bytes : 0;
		snapshot->orphaned_files_cached_bytes += file->cached_bytes;
	}
	HASH_ITER(hh, table, entry, next) {
		HASH_DEL(table, entry);
		free(entry);
	}
}
