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
	uint64_t measured_ns;
	uint64_t seen_serial; /* the fill that last found it in the snapshot */
	uint64_t tried_serial; /* the fill that last tried to measure it */
};

struct mw_orphan_cache {
	struct measured *table;
	uint64_t min_age_ns;
	uint64_t serial;
	uint64_t page;
};

int orphan_cache__create(uint64_t min_age_ns, struct mw_orphan_cache **out)
{
	struct mw_orphan_cache *cache = calloc(1, sizeof(*cache));

	if (!cache)
		return -ENOMEM;
	cache->min_age_ns = min_age_ns;
	cache->page = (uint64_t)sysconf(_SC_PAGESIZE);
	*out = cache;
	return 0;
}

void orphan_cache__destroy(struct mw_orphan_cache *cache)
{
	struct measured *entry, *next;

	if (!cache)
		return;
	HASH_ITER(hh, cache->table, entry, next) {
		HASH_DEL(cache->table, entry);
		free(entry);
	}
	free(cache);
}

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

static struct measured *measure(struct mw_orphan_cache *cache, uint32_t pid,
				const struct mw_orphan *orphan, uint64_t now_ns)
{
	struct file_key key = { .ino = orphan->ino, .dev = orphan->dev };
	struct measured *entry;
	uint64_t bytes = 0;

	HASH_FIND(hh, cache->table, &key, sizeof(key), entry);
	if (!entry) {
		entry = calloc(1, sizeof(*entry));
		if (!entry)
			return NULL;
		entry->key = key;
		HASH_ADD(hh, cache->table, key, sizeof(key), entry);
	}
	entry->seen_serial = cache->serial;
	if (entry->tried_serial == cache->serial ||
	    (entry->known && now_ns - entry->measured_ns < cache->min_age_ns))
		return entry;
	/* a process that exited meanwhile: another one that maps it may tell */
	if (!orphan->range_count)
		return entry;
	entry->tried_serial = cache->serial;
	if (!cached_bytes(pid, &orphan->ranges[0], cache->page, &bytes)) {
		entry->known = true;
		entry->bytes = bytes;
		entry->measured_ns = now_ns;
	}
	return entry;
}

void orphan_cache__fill(struct mw_orphan_cache *cache, struct mw_snapshot *snapshot,
			uint64_t now_ns)
{
	struct measured *entry, *next;

	cache->serial++;
	for (size_t i = 0; i < snapshot->process_count; i++) {
		struct mw_process_report *process = &snapshot->processes[i];

		process->orphaned_files_cached_bytes = 0;
		for (size_t j = 0; j < process->orphan_count; j++) {
			struct mw_orphan *orphan = &process->orphans[j];

			entry = measure(cache, process->pid, orphan, now_ns);
			orphan->cached_bytes_known = entry && entry->known;
			orphan->cached_bytes = orphan->cached_bytes_known ? entry->bytes : 0;
			process->orphaned_files_cached_bytes += orphan->cached_bytes;
		}
	}
	snapshot->orphaned_files_cached_bytes = 0;
	for (size_t i = 0; i < snapshot->file_count; i++) {
		struct mw_orphaned_file *file = &snapshot->files[i];
		struct file_key key = { .ino = file->ino, .dev = file->dev };

		HASH_FIND(hh, cache->table, &key, sizeof(key), entry);
		file->cached_bytes_known = entry && entry->known;
		file->cached_bytes = file->cached_bytes_known ? entry->bytes : 0;
		snapshot->orphaned_files_cached_bytes += file->cached_bytes;
	}
	/* a file no longer listed is measured afresh if it comes back */
	HASH_ITER(hh, cache->table, entry, next) {
		if (entry->seen_serial == cache->serial)
			continue;
		HASH_DEL(cache->table, entry);
		free(entry);
	}
}

void orphan_cache__measure(struct mw_snapshot *snapshot)
{
	struct mw_orphan_cache cache = { .page = (uint64_t)sysconf(_SC_PAGESIZE) };
	struct measured *entry, *next;

	orphan_cache__fill(&cache, snapshot, 0);
	HASH_ITER(hh, cache.table, entry, next) {
		HASH_DEL(cache.table, entry);
		free(entry);
	}
}
