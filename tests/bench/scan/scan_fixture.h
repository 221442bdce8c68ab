/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A host full of file mappings for the startup-scan benchmark: a leader
 * process and its sleeping children, every one holding the same number of
 * file mappings, one of them of a deleted file (an orphan per process).
 */
#ifndef MAPWATCH_BENCH_SCAN_FIXTURE_H
#define MAPWATCH_BENCH_SCAN_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define SCAN_FIXTURE_LEADER_COMM "mwbench-leader"
#define SCAN_FIXTURE_SLEEPER_COMM "mwbench-sleeper"

enum scan_fixture_layout {
	/* The leader maps the files, its children inherit them: one inode, many mappings. */
	SCAN_FIXTURE_SHARED,
	/* Every child maps files of its own: one inode per mapping, as on a busy host. */
	SCAN_FIXTURE_DISTINCT,
};

struct scan_fixture {
	enum scan_fixture_layout layout;
	long processes; /* sleeping children */
	long mappings; /* file mappings per process */
	char directory[PATH_MAX]; /* every file lives below it */
	pid_t leader; /* also the process group of every fixture process */
	long orphan_holders; /* processes holding exactly one orphaned mapping */
};

/*
 * Creates the files under a new directory in @parent and starts the processes;
 * returns once every one holds its mappings. The caller must be a child
 * subreaper (PR_SET_CHILD_SUBREAPER) so that scan_fixture__stop reaps them all.
 * Returns 0 or -errno; on failure nothing is left behind.
 */
int scan_fixture__start(struct scan_fixture *fixture, const char *parent);

/* SIGKILL to every fixture process; async-signal-safe, for signal handlers. */
void scan_fixture__kill(const struct scan_fixture *fixture);

/* Kills and reaps every fixture process, then removes every file. Idempotent. */
void scan_fixture__stop(struct scan_fixture *fixture);

#endif
