// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <uthash.h>
#include "orphan_cache.h"
#include "page_cache_reader.h"
#include "parallel_for.h"
#include "snapshot_sums.h"

/* fewer files than this are measured on the caller's thread alone */
#define CACHESTATS_PER_THREAD_MIN 64

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

/* {st_dev, ino}: btrfs subvolumes repeat the maps line's {dev, ino} */
struct file_key {
	uint64_t ino;
	uint32_t st_dev;
	uint32_t padding;
};

struct measured {
	struct file_key key;
	UT_hash_handle hh;
	bool known;
	uint64_t bytes;
	enum mw_cache_source source;
	uint64_t measured_ns;
	uint64_t seen_serial; /* the fill that last found it in the snapshot */
};

struct mw_orphan_cache {
	struct measured *table;
	struct mw_page_cache_reader *reader; /* NULL: cachestat only */
	uint64_t min_age_ns;
	uint64_t serial;
	uint64_t page;
};

int orphan_cache__create(uint64_t min_age_ns, struct mw_page_cache_reader *reader,
			 struct mw_orphan_cache **out)
{
	struct mw_orphan_cache *cache = calloc(1, sizeof(*cache));

	if (!cache)
		return -ENOMEM;
	cache->min_age_ns = min_age_ns;
	cache->reader = reader;
	cache->page = (uint64_t)sysconf(_SC_PAGESIZE);
	*out = cache;
	return 0;
}

static void forget_all(struct mw_orphan_cache *cache)
{
	struct measured *entry, *next;

	HASH_ITER(hh, cache->table, entry, next) {
		HASH_DEL(cache->table, entry);
		free(entry);
	}
}

void orphan_cache__destroy(struct mw_orphan_cache *cache)
{
	if (!cache)
		return;
	forget_all(cache);
	free(cache);
}

/*
 * The file's resident pages with cachestat(2), opened through its mapping
 * [probe_start, probe_end) of probe_pid: -ESTALE when that mapping holds
 * another file now.
 */
static int cachestat_bytes(const struct mw_orphaned_file *file, uint64_t page, uint64_t *bytes)
{
	struct cache_range whole = { 0 };
	struct cache_status status;
	struct stat opened;
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/map_files/%" PRIx64 "-%" PRIx64,
		 file->probe_pid, file->probe_start, file->probe_end);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &opened))
		err = -errno;
	else if (opened.st_ino != file->ino ||
		 (uint32_t)(major(opened.st_dev) << 20 | minor(opened.st_dev)) != file->st_dev)
		err = -ESTALE;
	else if (syscall(SYS_cachestat, fd, &whole, &status, 0))
		err = -errno;
	else
		*bytes = status.nr_cache * page;
	close(fd);
	return err;
}

static void note(struct measured *entry, uint64_t bytes, enum mw_cache_source source,
		 uint64_t now_ns)
{
	entry->known = true;
	entry->bytes = bytes;
	entry->source = source;
	entry->measured_ns = now_ns;
}

static struct measured *entry_of(struct mw_orphan_cache *cache, uint32_t st_dev, uint64_t ino,
				 bool add)
{
	struct file_key key = { .ino = ino, .st_dev = st_dev };
	struct measured *entry;

	HASH_FIND(hh, cache->table, &key, sizeof(key), entry);
	if (entry || !add)
		return entry;
	entry = calloc(1, sizeof(*entry));
	if (!entry)
		return NULL;
	entry->key = key;
	HASH_ADD(hh, cache->table, key, sizeof(key), entry);
	return entry;
}

/* A file left to cachestat(2), and what it said: filled on whichever thread measured it. */
struct cachestat_job {
	size_t file; /* in snapshot->files */
	uint64_t bytes;
	bool measured;
};

struct cachestat_jobs {
	const struct mw_snapshot *snapshot;
	uint64_t page;
	struct cachestat_job *jobs;
};

static int cachestat_one(size_t index, void *context)
{
	struct cachestat_jobs *all = context;
	struct cachestat_job *job = &all->jobs[index];

	job->measured = !cachestat_bytes(&all->snapshot->files[job->file], all->page, &job->bytes);
	return 0;
}

/*
 * Measures the files due (never measured, or longer ago than min_age_ns):
 * all in one kernel read, then cachestat(2) for those it could not reach,
 * four syscalls each, spread over the CPUs. A file neither could measure
 * keeps what was known of it.
 */
static void measure_files(struct mw_orphan_cache *cache, struct mw_snapshot *snapshot,
			  uint64_t now_ns)
{
	size_t files = snapshot->file_count, count = 0, left = 0;
	struct mw_cache_probe *probes = NULL;
	struct cachestat_job *jobs;
	size_t *due;

	due = calloc(files ? files : 1, sizeof(*due));
	jobs = calloc(files ? files : 1, sizeof(*jobs));
	if (!due || !jobs) {
		free(due);
		free(jobs);
		return;
	}
	for (size_t i = 0; i < files; i++) {
		const struct mw_orphaned_file *file = &snapshot->files[i];
		struct measured *entry = entry_of(cache, file->st_dev, file->ino, true);

		if (!entry)
			continue;
		entry->seen_serial = cache->serial;
		if (file->probe_pid &&
		    (!entry->known || now_ns - entry->measured_ns >= cache->min_age_ns))
			due[count++] = i;
	}
	if (cache->reader && count)
		probes = calloc(count, sizeof(*probes));
	for (size_t k = 0; probes && k < count; k++) {
		const struct mw_orphaned_file *file = &snapshot->files[due[k]];

		probes[k] = (struct mw_cache_probe){
			.inode = file->kernel_inode,
			.ino = file->ino,
			.address = file->probe_start,
			.pid = file->probe_pid,
			.dev = file->dev,
			.generation = file->generation,
		};
	}
	/* a run that failed leaves its probes unread: cachestat(2) measures them */
	if (probes)
		(void)page_cache_reader__read(cache->reader, probes, count);
	for (size_t k = 0; k < count; k++) {
		const struct mw_orphaned_file *file = &snapshot->files[due[k]];

		if (probes && probes[k].status == MW_CACHE_READ)
			note(entry_of(cache, file->st_dev, file->ino, false),
			     probes[k].pages * cache->page, MW_CACHE_SOURCE_KERNEL, now_ns);
		else
			jobs[left++].file = due[k];
	}
	(void)parallel_for__each(left, CACHESTATS_PER_THREAD_MIN, cachestat_one,
				 &(struct cachestat_jobs){ snapshot, cache->page, jobs });
	for (size_t j = 0; j < left; j++) {
		const struct mw_orphaned_file *file = &snapshot->files[jobs[j].file];

		if (jobs[j].measured)
			note(entry_of(cache, file->st_dev, file->ino, false), jobs[j].bytes,
			     MW_CACHE_SOURCE_CACHESTAT, now_ns);
	}
	free(probes);
	free(jobs);
	free(due);
}

void orphan_cache__fill(struct mw_orphan_cache *cache, struct mw_snapshot *snapshot,
			uint64_t now_ns)
{
	struct measured *entry, *next;

	cache->serial++;
	measure_files(cache, snapshot, now_ns);
	snapshot->orphaned_files_cached_bytes = 0;
	memset(snapshot->files_cached_by, 0, sizeof(snapshot->files_cached_by));
	for (size_t i = 0; i < snapshot->file_count; i++) {
		struct mw_orphaned_file *file = &snapshot->files[i];

		entry = entry_of(cache, file->st_dev, file->ino, false);
		file->cached_bytes_known = entry && entry->known;
		file->cached_bytes = file->cached_bytes_known ? entry->bytes : 0;
		file->cached_bytes_source =
			file->cached_bytes_known ? entry->source : MW_CACHE_SOURCE_NONE;
		snapshot->files_cached_by[file->cached_bytes_source]++;
		snapshot->orphaned_files_cached_bytes += file->cached_bytes;
	}
	for (size_t i = 0; i < snapshot->process_count; i++) {
		struct mw_process_report *process = &snapshot->processes[i];

		for (size_t j = 0; j < process->orphan_count; j++) {
			struct mw_orphan *orphan = &process->orphans[j];

			entry = entry_of(cache, orphan->st_dev, orphan->ino, false);
			orphan->cached_bytes_known = entry && entry->known;
			orphan->cached_bytes = orphan->cached_bytes_known ? entry->bytes : 0;
		}
	}
	/* out of memory leaves the containers out, and nothing else */
	(void)snapshot_sums__fill(snapshot);
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

	orphan_cache__fill(&cache, snapshot, 0);
	forget_all(&cache);
}
