/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Snapshots for the top view's tests, built the way the collector would fill them. */
#ifndef MAPWATCH_TEST_TOP_FIXTURE_H
#define MAPWATCH_TEST_TOP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "snapshot.h"
#include "top_screen.h"

/* An empty snapshot at @timestamp (wall seconds) with vm.max_map_count 65530. */
void top_fixture__snapshot(struct mw_snapshot *snapshot, double timestamp);

/* Appends a process; returns it for orphans and counters to be added. */
struct mw_process_report *top_fixture__process(struct mw_snapshot *snapshot, uint32_t pid,
					       const char *comm, uint64_t map_count);

/*
 * Appends an orphan of @bytes at @start to @process; @deleted_seconds_ago < 0
 * for a file deleted before mapwatch started. Keeps the process's and the
 * snapshot's totals right.
 */
void top_fixture__orphan(struct mw_snapshot *snapshot, struct mw_process_report *process,
			 uint64_t start, uint64_t bytes, const char *path,
			 double deleted_seconds_ago);

/*
 * Appends an orphaned file of @size bytes holding @disk_bytes, mapped once by
 * each of @pid_count pids from @first_pid up; @deleted_seconds_ago < 0: deleted
 * before mapwatch started. Keeps the snapshot's totals right.
 */
void top_fixture__file(struct mw_snapshot *snapshot, const char *path, uint64_t size,
		       uint64_t disk_bytes, double deleted_seconds_ago, uint32_t first_pid,
		       size_t pid_count);

/* Builds a frame; fails the test when it cannot. */
void top_fixture__build(const struct mw_top_history *model, struct mw_top_choices *state,
			size_t width, size_t height, bool interactive, struct mw_top_screen *frame);

/* The index of the first line containing @text, or -1. */
int top_fixture__find(const struct mw_top_screen *frame, const char *text);

/* All lines joined with newlines, for failure messages; static storage. */
const char *top_fixture__dump(const struct mw_top_screen *frame);

#endif
