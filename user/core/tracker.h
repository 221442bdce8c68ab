/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The correlation engine: every process's file mappings, the inodes they map,
 * and the rules deploy/reference.md defines ("Terms": orphaned mapping, resize
 * remap, stale mapping; "Metrics": map count growth). Pure: it reads no
 * clock, no /proc and no BPF map. Time comes from event timestamps and from
 * the now_ns arguments, all CLOCK_MONOTONIC nanoseconds.
 *
 * Not thread-safe: one thread owns a tracker.
 */
#ifndef MAPWATCH_CORE_TRACKER_H
#define MAPWATCH_CORE_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "event.h"
#include "snapshot.h"
#include "vma.h"

struct mw_tracker;

struct mw_tracker_options {
	uint64_t page_size; /* 0: 4096 */
	uint64_t growth_window_ns; /* map count growth window; 0: 2 minutes */
	/*
	 * How long an inode no mapping holds any more is kept, with the kernel's
	 * filing of it, before inode_forget: a file mapped again meanwhile (an
	 * index resized, a library loaded again) costs neither side anything new.
	 * 0: forgotten at once. Forgetting then waits for tracker__sweep_unused_inodes().
	 */
	uint64_t forget_delay_ns;
	/*
	 * Orphaned mappings a snapshot lists as ranges, per process, lowest
	 * addresses first; the rest are only counted. 0: every one.
	 */
	size_t snapshot_ranges;
	/*
	 * For one snapshot of one /proc walk (scan): a new process's file
	 * mapping that no report lists (a linked file, within its size, not a
	 * JVM library) is counted but not kept, nor its file when the tracker
	 * has no other use for it, so a walk builds state only for what it will
	 * report (the walk's own cache stats a shared file once). Records must
	 * not be applied to such a tracker, nor its processes seeded twice.
	 */
	bool keep_reported_mappings_only;
	/* Hooks to the outside, all optional; ctx is hook_context. */
	void *hook_context;
	/*
	 * An inode became tracked, or its name changed: the kernel must follow it
	 * under name_hash. file carries {dev, ino} and, where known (inode not 0),
	 * the kernel's address and generation. expect_present: the kernel filed it
	 * itself (an mmap record), so finding it missing means a forget raced with
	 * that filing and a deletion may have gone unseen. Returns 1 when the
	 * kernel did not have it, 0 when it did, -errno.
	 */
	int (*inode_watch)(void *ctx, const struct mw_file_id *file, uint64_t name_hash,
			   bool expect_present);
	/* The inode's last mapping went (forget_delay_ns ago): the kernel may forget it. */
	void (*inode_forget)(void *ctx, const struct mw_file_id *file);
	/* The tracker's view of pid may be wrong (after exec): seed it again from /proc. */
	void (*process_rescan)(void *ctx, uint32_t pid);
};

/*
 * An inode a CHECK event asked about, and one live mapping of it, through
 * which the caller can stat /proc/PID/map_files/START-END and answer with
 * tracker__set_file_status().
 */
struct mw_file_check {
	uint32_t dev;
	uint64_t ino;
	uint32_t pid;
	uint64_t start;
	uint64_t end;
};

/* Returns 0 and *out, or -ENOMEM. options may be NULL for the defaults. */
int tracker__create(const struct mw_tracker_options *options, struct mw_tracker **out);
/* Frees everything; safe on NULL. Calls no hook. */
void tracker__destroy(struct mw_tracker *tracker);

/*
 * Applies one decoded event. Returns 0 (also when the event was ignored because
 * a /proc scan already covered it), or -ENOMEM.
 */
int tracker__apply(struct mw_tracker *tracker, const union mw_event *event);

/*
 * Replaces what the tracker knows about pid with what /proc showed: only
 * MW_VMA_FILE entries are kept. Events for pid stamped before scan_started_ns
 * are ignored from now on. Returns the number of mappings that differed from
 * the tracker's previous view (0 for a process it did not know or that was
 * waiting for a rescan after exec), or -ENOMEM / -EINVAL.
 */
int tracker__seed_process(struct mw_tracker *tracker, uint32_t pid, const char *comm,
			  uint64_t map_count, const struct mw_vma *vmas, size_t count,
			  uint64_t scan_started_ns);

/*
 * The same, streamed: begin, then each VMA as /proc hands it over (address
 * order), then end with the process's map count, which returns what
 * tracker__seed_process returns. A walk that fails half way is abandoned:
 * a process it added goes again; a known one keeps what was applied, and the
 * caller drops it or reads it again.
 */
struct mw_tracker_seed {
	struct mw_tracker *tracker;
	uint32_t pid;
	uint64_t scan_started_ns;
	/* when the walk had read the process whole: set by the caller before end, 0 if unknown */
	uint64_t scan_ended_ns;
	uint64_t cursor; /* /proc has spoken for the addresses below */
	size_t differences;
	bool view_held; /* the tracker had a view of pid to compare with */
	bool added; /* pid was added by this seed */
};

int tracker__seed_begin(struct mw_tracker *tracker, struct mw_tracker_seed *seed, uint32_t pid,
			const char *comm, uint64_t scan_started_ns);
/* Returns 0, -ENOMEM, or -ENOENT when the process was dropped meanwhile. */
int tracker__seed_vma(struct mw_tracker_seed *seed, const struct mw_vma *vma);
int tracker__seed_end(struct mw_tracker_seed *seed, uint64_t map_count);
void tracker__seed_abandon(struct mw_tracker_seed *seed);

/* What a seed's stat said of a regular file, as the tracker keeps it. */
struct mw_seeded_file {
	uint64_t size;
	uint64_t nlink;
	uint64_t disk_bytes;
};

/*
 * Whether a seed read since @since_ns gave the stat of the regular file the
 * maps line's {dev, ino} names (where that is also its st_dev), and what it
 * said: a scan asks before taking a stat of its own.
 */
bool tracker__seeded_file(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint64_t since_ns,
			  struct mw_seeded_file *out);

/*
 * The process is gone (seen missing from /proc after lost events): drops it
 * like an EXIT at timestamp_ns. Returns 0 or -ENOENT.
 */
int tracker__remove_process(struct mw_tracker *tracker, uint32_t pid, uint64_t timestamp_ns);

/*
 * The caller's answer to a pending check: nlink 0 marks the inode deleted at
 * timestamp_ns, a different size bumps its size generation, path (may be NULL)
 * becomes its current path. Returns 0, or -ENOENT when the inode is no longer
 * tracked, or -ENOMEM.
 */
int tracker__set_file_status(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint32_t nlink,
			     uint64_t size, const char *path, uint64_t timestamp_ns);

/* The kernel's map count of pid now. Returns 0, or -ENOENT for an unknown pid. */
int tracker__set_map_count(struct mw_tracker *tracker, uint32_t pid, uint64_t map_count,
			   uint64_t timestamp_ns);
/* The process's name now (prctl(PR_SET_NAME) changes it). 0, or -ENOENT. */
int tracker__set_comm(struct mw_tracker *tracker, uint32_t pid, const char *comm);

/*
 * The process's cgroup v2 path as /proc/PID/cgroup spells it, NULL for
 * unknown; the container and pod it names come with it into the snapshot. A
 * forked child starts in its parent's. 0, or -ENOENT, -ENOMEM.
 */
int tracker__set_cgroup(struct mw_tracker *tracker, uint32_t pid, const char *cgroup);
/* Its cgroup as last set, NULL when unknown or not a known process. */
const char *tracker__cgroup(struct mw_tracker *tracker, uint32_t pid);
/*
 * Whether pid's cgroup is still to be read: not known, and not found missing
 * before (a host without the cgroup v2 hierarchy lists no "0::" line, and
 * asking again every interval would read every process's file for nothing).
 */
bool tracker__cgroup_wanted(struct mw_tracker *tracker, uint32_t pid);
/* pid's /proc/PID/cgroup has no cgroup v2 line: stop asking. */
void tracker__set_cgroup_missing(struct mw_tracker *tracker, uint32_t pid);
/*
 * What a read of pid's /proc/PID/cgroup gave, as cgroup_path__of_process()
 * returns it: 0 and its @cgroup (set), -ENOENT for a file without a v2 line
 * (missing, not asked again), anything else nothing to learn. 0, or -ENOENT
 * (not a known process), -ENOMEM.
 */
int tracker__learn_cgroup(struct mw_tracker *tracker, uint32_t pid, int read_err,
			  const char *cgroup);

/*
 * What a stat of a file said about the disk space it holds (st_blocks * 512)
 * at @size. Kept until the size is seen to change. 0, or -ENOENT.
 */
int tracker__set_disk_bytes(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint64_t size,
			    uint64_t disk_bytes);
/*
 * The orphaned files whose disk space is not known, each with one live
 * mapping to stat it through (as for tracker__take_pending_checks), answered
 * with tracker__set_disk_bytes(). A file is handed out once per size it is
 * seen at, so a failing stat is not retried every interval. *out is
 * malloc'ed (NULL when none); returns how many, or -ENOMEM.
 */
ssize_t tracker__take_unmeasured_files(struct mw_tracker *tracker, struct mw_file_check **out);

/*
 * Forgets the inodes no mapping has held for forget_delay_ns, as of now_ns
 * (inode_forget for each). Returns how many.
 */
size_t tracker__sweep_unused_inodes(struct mw_tracker *tracker, uint64_t now_ns);

/*
 * Asks inode_watch (expect_present) about up to max mapped inodes, taking
 * the next ones after the last call's: any the kernel lost is filed again
 * and checked. Bounded work per call; every inode is visited in turn.
 * Returns how many were missing.
 */
size_t tracker__verify_kernel_inodes(struct mw_tracker *tracker, size_t max);

/*
 * Queues a check of every live inode not known deleted: after lost events, an
 * unlink may have gone unseen. Answer them as for tracker__take_pending_checks.
 */
void tracker__check_every_file(struct mw_tracker *tracker);
/*
 * Queues a check of one inode, unless no mapping of it is tracked (-ENOENT)
 * or it is known deleted already (0, nothing to find). For files the kernel
 * cannot follow (its table was full), whose deletions only a check finds.
 */
int tracker__check_file(struct mw_tracker *tracker, uint32_t dev, uint64_t ino);

/*
 * Moves up to max pending checks into out and returns how many; the rest stay
 * pending for the next call.
 */
size_t tracker__take_pending_checks(struct mw_tracker *tracker, struct mw_file_check *out,
				    size_t max);

/*
 * Fills out (which must be zeroed or cleared) with every known process and
 * the host totals, tracked_mappings and the unlink-to-unmap histogram. The
 * caller fills source and the agent counters. Timestamp: now_ns seconds plus
 * realtime_offset_seconds. Returns 0 or -ENOMEM (out is then left cleared).
 */
int tracker__snapshot(struct mw_tracker *tracker, uint64_t now_ns, double realtime_offset_seconds,
		      uint64_t max_map_count, struct mw_snapshot *out);

/* Whether the tracker follows pid. */
bool tracker__has_process(struct mw_tracker *tracker, uint32_t pid);
/*
 * Whether every file a seed shows stays in the tracker with its stat (false
 * with keep_reported_mappings_only): a walk can then leave them to it.
 */
bool tracker__keeps_every_file(const struct mw_tracker *tracker);
/* The file mappings the tracker holds for pid (0 for a process it does not know). */
size_t tracker__process_mapping_count(struct mw_tracker *tracker, uint32_t pid);
/* Writes up to max known pids into out; returns how many processes are known. */
size_t tracker__pids(const struct mw_tracker *tracker, uint32_t *out, size_t max);
/* File mappings held across every process. */
size_t tracker__tracked_mappings(const struct mw_tracker *tracker);
/*
 * Files some process maps that were seen to lose their last name, since the
 * tracker began: when it moves, orphans appeared (the agent exports early).
 */
uint64_t tracker__files_orphaned(const struct mw_tracker *tracker);
/* Inodes the tracker holds: mapped, or unmapped for less than forget_delay_ns. */
size_t tracker__tracked_inodes(const struct mw_tracker *tracker);
/* The tracker knows the file {dev, ino} and has it deleted (its mappings orphaned). */
bool tracker__file_deleted(struct mw_tracker *tracker, uint32_t dev, uint64_t ino);

/* The basename hash the kernel uses for name buckets (FNV-1a 64). */
uint64_t tracker__name_hash(const char *basename);

#endif
