/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the exporters write: one self-contained copy of the tracker's view at one
 * moment. The tracker (or scan) fills it; the JSON and Prometheus writers only
 * read it, so drawing never touches live state.
 */
#ifndef MAPWATCH_CORE_SNAPSHOT_H
#define MAPWATCH_CORE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container_id.h"
#include "leak_cause.h"
#include "mapwatch_events.h"

/* Where an orphaned file's page cache figure came from. */
enum mw_cache_source {
	MW_CACHE_SOURCE_NONE = 0, /* not measured */
	MW_CACHE_SOURCE_KERNEL, /* read by the kernel through one of its mappings (page_cache_reader.h) */
	MW_CACHE_SOURCE_CACHESTAT, /* cachestat(2) on the file opened through /proc/PID/map_files */
	MW_CACHE_SOURCE_COUNT,
};

/* One orphaned mapping (VMA): where it is, as /proc/PID/maps spells it. */
struct mw_orphan_range {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
};

/*
 * One deleted file as one process maps it: its orphaned mappings grouped, so a
 * process that maps a file a hundred times lists the file once. The ranges
 * listed may be fewer than the mappings (the snapshot's cap on listed ranges).
 */
struct mw_orphan {
	uint64_t ino;
	uint32_t dev; /* kernel encoding: major << 20 | minor, as /proc/PID/maps spells it */
	/* as stat() reports it: with ino, tells files apart where dev and ino repeat (btrfs) */
	uint32_t st_dev;
	bool deleted_age_known; /* false when deleted before mapwatch started */
	double deleted_seconds_ago;
	char *path; /* owned; without " (deleted)" */
	uint64_t mappings; /* its orphaned mappings in this process */
	uint64_t bytes; /* the address space they cover */
	struct mw_orphan_range *ranges; /* owned, ascending; the first range_count of them */
	size_t range_count;
	size_t range_capacity; /* ranges allocated */
	bool cached_bytes_known; /* false: not measured (see orphan_cache.h) */
	uint64_t cached_bytes; /* its pages in the page cache, the memory it pins */
};

/* The deleted files a cause's evidence names, at most. */
#define MW_CAUSE_EXAMPLES 5

struct mw_process_report {
	uint32_t pid;
	char comm[MW_COMM_LEN];
	uint64_t map_count;
	uint64_t orphaned_mappings;
	uint64_t orphaned_bytes;
	uint64_t resize_remaps; /* counter since the process was first seen */
	uint64_t stale_mappings;
	bool oldest_orphan_age_known;
	double oldest_orphan_age_seconds;
	bool orphan_age_unknown; /* an orphan's file was deleted before mapwatch started */
	bool map_count_growing; /* seconds_to_map_limit is meaningful only when true */
	double seconds_to_map_limit;
	/*
	 * owned: one per deleted file, in the order of their lowest mapping; past
	 * the cap on listed ranges, files with no listed mapping are left out
	 */
	struct mw_orphan *orphans;
	size_t orphan_count;
	uint64_t orphan_ranges_omitted; /* orphaned mappings past the cap, not in any ranges */
	/*
	 * The deleted files behind its orphaned mappings, each once however often
	 * it maps one: what they hold on disk, where orphaned_bytes is address space.
	 */
	uint64_t orphaned_files;
	uint64_t orphaned_files_size_bytes; /* st_size; a file never stat'ed counts 0 */
	uint64_t orphaned_files_disk_bytes; /* st_blocks * 512: the space deleting them frees */
	uint64_t orphaned_files_cached_bytes; /* their page cache, each file once */
	char *cgroup; /* owned: its cgroup v2 path as /proc/PID/cgroup says it; NULL unknown */
	struct mw_container container; /* the container and pod that cgroup names, if any */
	/* what most likely leaked its orphans (leak_cause.h), and the evidence for it */
	enum mw_leak_cause cause;
	bool jvm; /* it maps libjvm.so */
	uint64_t cause_files; /* its deleted files that bear the cause's signature */
	char *cause_examples[MW_CAUSE_EXAMPLES]; /* owned: paths of the first of them */
	size_t cause_example_count;
};

/* One deleted file still mapped, across every process that maps it. */
struct mw_orphaned_file {
	uint32_t dev; /* kernel encoding, as /proc/PID/maps spells it */
	uint32_t st_dev; /* as stat() reports it (mw_orphan) */
	uint64_t ino;
	char *path; /* owned; without " (deleted)" */
	bool size_known; /* false: seeded without a stat (no CAP_SYS_ADMIN) */
	uint64_t size;
	bool disk_bytes_known;
	uint64_t disk_bytes; /* st_blocks * 512 */
	bool deleted_age_known;
	double deleted_seconds_ago;
	uint64_t mappings; /* its orphaned mappings, over all processes */
	uint64_t mapped_bytes; /* the address space they cover */
	uint32_t *pids; /* owned, ascending: the processes that map it */
	size_t pid_count;
	bool cached_bytes_known; /* false: not measured */
	uint64_t cached_bytes; /* its pages in the page cache */
	enum mw_cache_source cached_bytes_source;
	/*
	 * One of its mappings, to measure it through: [probe_start, probe_end)
	 * of probe_pid (0: none known), with the kernel's address of its inode
	 * and i_generation where a record gave them (kernel_inode 0: unknown).
	 */
	uint32_t probe_pid;
	uint32_t generation;
	uint64_t kernel_inode;
	uint64_t probe_start;
	uint64_t probe_end;
};

/*
 * One container's deleted files, each once however many of its processes
 * map one: what its cgroup is charged for and cannot reclaim.
 */
struct mw_container_report {
	struct mw_container container; /* id never empty */
	uint64_t processes; /* its processes that map a deleted file */
	uint64_t orphaned_files;
	uint64_t orphaned_files_disk_bytes;
	uint64_t orphaned_files_cached_bytes;
};

#define MW_DURATION_BUCKETS 10
/* Upper bounds in seconds of mapwatch_unlink_to_unmap_seconds; +Inf is implied. */
extern const double mw_duration_bucket_bounds[MW_DURATION_BUCKETS];

struct mw_duration_histogram {
	uint64_t buckets[MW_DURATION_BUCKETS]; /* cumulative is computed by the writer */
	uint64_t count;
	double sum;
};

struct mw_snapshot {
	double timestamp; /* seconds since the epoch */
	const char *source; /* "agent" or "scan", static */
	uint64_t max_map_count;
	/*
	 * Every process the tracker knows, sorted by orphaned bytes, then map count
	 * ratio, descending. The JSON writer keeps only those with an orphan, a resize
	 * remap or a stale mapping; the metrics writer keeps the first --top.
	 */
	struct mw_process_report *processes; /* owned */
	size_t process_count;
	/* host totals, never capped */
	uint64_t orphaned_mappings;
	uint64_t orphaned_bytes;
	uint64_t tracked_mappings;
	/* every orphaned file on the host, each once: most disk space first */
	struct mw_orphaned_file *files; /* owned */
	size_t file_count;
	uint64_t orphaned_files_size_bytes;
	uint64_t orphaned_files_disk_bytes;
	uint64_t orphaned_files_cached_bytes; /* page cache of every orphaned file, each once */
	/* files whose page cache each source measured (NONE: not measured) */
	uint64_t files_cached_by[MW_CACHE_SOURCE_COUNT];
	/* the containers whose processes map a deleted file: most page cache first */
	struct mw_container_report *containers; /* owned */
	size_t container_count;
	/* the agent's own counters; scan leaves them zero and has_agent_counters false */
	bool has_agent_counters;
	uint64_t events_by_type[MW_EVENT_TYPE_COUNT];
	uint64_t events_lost;
	uint64_t events_malformed;
	uint64_t reconcile_corrections;
	/*
	 * entries the kernel's tables had no room for: files past --max-inodes,
	 * hard-linked files, processes waiting to be re-read
	 */
	uint64_t kernel_table_full;
	struct mw_duration_histogram unlink_to_unmap;
};

/* A process with an orphaned, resize-remapped or stale mapping: what the reports list. */
bool snapshot__is_notable(const struct mw_process_report *process);

/*
 * qsort order for pointers to reports: most mappings first, then the lower
 * pid, the order of the text report's list of those nearest vm.max_map_count.
 */
int snapshot__compare_by_map_count(const void *left, const void *right);

/* Frees what the snapshot owns and zeroes it; safe on a zeroed snapshot. */
void snapshot__clear(struct mw_snapshot *snapshot);

#endif
