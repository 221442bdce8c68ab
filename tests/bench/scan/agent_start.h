/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* How long `mapwatch agent` takes from its start to its first complete snapshot. */
#ifndef MAPWATCH_BENCH_AGENT_START_H
#define MAPWATCH_BENCH_AGENT_START_H

struct agent_start {
	const char *mapwatch; /* the binary */
	const char *snapshot_path; /* must not exist yet */
	const char *stderr_path; /* the agent's stderr, for the error message */
	const char *directory; /* the fixture's files */
	long orphan_holders; /* what a complete snapshot lists under directory */
	double timeout_seconds;
};

/*
 * Starts `mapwatch agent --interval 1 --snapshot PATH` and polls for the first
 * snapshot that parses and lists every orphan holder; then stops the agent
 * with SIGTERM. *seconds runs from fork to that snapshot's discovery (polled
 * every millisecond). Returns 0, -ETIMEDOUT, -ECHILD if the agent exited
 * first, or another -errno. The snapshot file is left for the caller.
 */
int agent_start__time(const struct agent_start *run, double *seconds);

#endif
