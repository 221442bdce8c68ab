/* SPDX-License-Identifier: GPL-2.0 */
/* The agent's snapshot entry of a process against /proc/PID/maps, read at the same moment. */
#ifndef MAPWATCH_TRUTH_CHECK_H
#define MAPWATCH_TRUTH_CHECK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "proc_truth.h"

struct truth {
	pid_t pid;
	struct mw_vma *orphans; /* address order */
	size_t count;
	struct mw_truth_summary summary;
};

/*
 * The orphaned mappings of a snapshot's process entry, one object each as
 * /proc/PID/maps has them, in address order: {start, end, offset, dev, ino,
 * path, deleted_seconds_ago}, from the orphans (one per file) and their
 * ranges. A new reference; an empty array for NULL.
 */
json_t *truth__orphan_mappings(json_t *entry);

/* Reads the orphaned mappings of @pid from /proc; fails the test when it cannot. */
void truth__read(pid_t pid, struct truth *truth);
/* Mappings of @pid that reach more than one page past their file's end; -1 without /proc. */
long truth__stale_mappings(pid_t pid);
void truth__free(struct truth *truth);
/* How many of the true orphans map inode @ino. */
size_t truth__count_inode(const struct truth *truth, uint64_t ino);

/*
 * Asserts that the snapshot's entry of truth->pid says what /proc says: the
 * same orphans (start, end, offset, dev, ino, path), orphaned_mappings and
 * orphaned_bytes; no entry at all is right only when there is no orphan.
 * Returns the entry (borrowed) or NULL.
 */
json_t *truth__expect_snapshot_matches(json_t *snapshot, const struct truth *truth);

/* Reads the truth of @pid and checks @snapshot against it; the truth stays in @truth. */
json_t *truth__check(json_t *snapshot, pid_t pid, struct truth *truth);

/* The snapshot orphans of @entry mapping inode @ino: their count, and all ages known or not. */
size_t truth__snapshot_count_inode(json_t *entry, uint64_t ino);
/*
 * Asserts every orphan of @entry mapping @ino has deleted_seconds_ago null
 * (@known false) or a number in [0, @max_seconds] (@known true).
 */
void truth__expect_ages(json_t *entry, uint64_t ino, bool known, double max_seconds);

#endif /* MAPWATCH_TRUTH_CHECK_H */
