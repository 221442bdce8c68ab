/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `mapwatch agent --interval I --textfile T --snapshot S` on the whole host,
 * followed by its outputs: each interval is seen as the snapshot being
 * replaced (the agent renames a new file over it, so its inode changes), and
 * what it costs is read from /proc/PID.
 */
#ifndef MAPWATCH_BENCH_AGENT_RUN_H
#define MAPWATCH_BENCH_AGENT_RUN_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "bench_common.h"

struct agent_run {
	const char *mapwatch;
	double interval_seconds;
	double timeout_seconds; /* for the first snapshot, and for each later interval */
	struct bench_process process; /* pid, and the directory of its files */
	char textfile[128]; /* bench_common reads it there: process.directory/metrics.prom */
	char snapshot[128];
	char stderr_path[128];
	double started; /* timed_run__now() at fork */
	ino_t snapshot_inode; /* of the snapshot last seen */
	struct timespec snapshot_mtime;
};

/*
 * Starts the agent with its files in @directory (made by the caller, at most
 * 63 bytes long). Returns 0 or -errno.
 */
int agent_run__start(struct agent_run *run, const char *directory);

/*
 * Waits for the first snapshot to appear; *seconds from fork to then. Returns
 * 0, -ECHILD if the agent exited, -ETIMEDOUT.
 */
int agent_run__first_snapshot(struct agent_run *run, double *seconds);

/*
 * Waits for @intervals more replacements of the snapshot; *at is when the last
 * was seen (timed_run__now()). Returns as agent_run__first_snapshot does.
 */
int agent_run__intervals(struct agent_run *run, int intervals, double *at);

/* A host-wide sample of the textfile, e.g. "mapwatch_tracked_mappings"; false if absent. */
bool agent_run__metric(const struct agent_run *run, const char *name, double *value);

/*
 * Polls the textfile every 20 ms until @name reads at least @minimum; *at is
 * when it did. Returns 0, -ECHILD, -ETIMEDOUT (*last then holds the last value read).
 */
int agent_run__await_metric(struct agent_run *run, const char *name, double minimum,
			    double timeout_seconds, double *at, double *last);

/* A "Vm...:" line of /proc/PID/status in bytes (e.g. "VmHWM"); 0 if unreadable. */
double agent_run__status_bytes(const struct agent_run *run, const char *field);

/* CPU seconds (user + system, every thread) the agent has used. */
double agent_run__cpu_seconds(const struct agent_run *run);

/* Size in bytes of the snapshot as last written; -1 if there is none. */
long long agent_run__snapshot_bytes(const struct agent_run *run);

/* SIGKILL to the agent; async-signal-safe, for signal handlers. */
void agent_run__kill(const struct agent_run *run);

/* SIGTERM, SIGKILL if it does not exit within a grace time; reaps it. Idempotent. */
void agent_run__stop(struct agent_run *run);

/* The first lines of the agent's stderr, to stderr: why it failed. */
void agent_run__print_stderr(const struct agent_run *run);

#endif
