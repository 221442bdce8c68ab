/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The correlation engine: every process's file mappings, the inodes they map,
 * and the rules of PRODUCT.md (orphaned mapping, resize remap, stale mapping,
 * map count growth). Pure: it reads no clock, no /proc and no BPF map. Time
 * comes from event timestamps and from the now_ns arguments, all
 * CLOCK_MONOTONIC nanoseconds.
 *
 * Not thread-safe: one thread owns a tracker.
 */
#ifndef MAPWATCH_CORE_TRACKER_H
#define MAPWATCH_CORE_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "snapshot.h"
#include "vma.h"

struct mw_tracker;

struct mw_tracker_options {
	uint64_t page_size; /* 0: 4096 */
	uint64_t growth_window_ns; /* map count growth window; 0: 5 minutes */
	/* Hooks to the outside, all optional; ctx is hook_context. */
	void *hook_context;
	/*
	 * An inode became tracked (seeded, or newly mapped): the kernel must watch
	 * this basename. Idempotent: the kernel usually watches it already.
	 */
	void (*inode_watch)(void *ctx, uint32_t dev, uint64_t ino, uint64_t name_hash);
	/* The last mapping of the inode anywhere went: the kernel may forget it. */
	void (*inode_forget)(void *ctx, uint32_t dev, uint64_t ino);
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

/* From the kernel's map_counts table. Returns 0, or -ENOENT for an unknown pid. */
int tracker__set_map_count(struct mw_tracker *tracker, uint32_t pid, uint64_t map_count,
			   uint64_t timestamp_ns);

/*
 * Queues a check of every live inode not known deleted: after lost events, an
 * unlink may have gone unseen. Answer them as for tracker__take_pending_checks.
 */
void tracker__check_every_file(struct mw_tracker *tracker);

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

/* Writes up to max known pids into out; returns how many processes are known. */
size_t tracker__pids(const struct mw_tracker *tracker, uint32_t *out, size_t max);
/* File mappings held across every process. */
size_t tracker__tracked_mappings(const struct mw_tracker *tracker);
/* Inodes referenced by at least one tracked mapping. */
size_t tracker__tracked_inodes(const struct mw_tracker *tracker);

/* The basename hash the kernel uses for name buckets (FNV-1a 64). */
uint64_t tracker__name_hash(const char *basename);

#endif
