/* SPDX-License-Identifier: GPL-2.0 */
/* The mapwatch agent as a user runs it: a child process writing its JSON snapshot. */
#ifndef MAPWATCH_E2E_AGENT_RUNNER_H
#define MAPWATCH_E2E_AGENT_RUNNER_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct agent_runner {
	pid_t pid; /* 0 when not running */
	double started_wall_seconds; /* just before the exec */
	char dir[128]; /* /tmp/PREFIX-XXXXXX */
	char snapshot_path[PATH_MAX];
	/* named, so the host's node_exporter directory is left alone */
	char textfile_path[PATH_MAX];
	char stderr_path[PATH_MAX];
};

/*
 * Starts `mapwatch agent` and waits for its first snapshot. Returns 0, or -1
 * with @reason holding why and the agent's stderr (the agent is then stopped
 * and its directory removed): the caller decides between failing and skipping.
 */
int agent_runner__start(struct agent_runner *agent, char *reason, size_t reason_size);

/*
 * Makes the agent write now (SIGUSR1) and waits until the snapshot file is
 * replaced by one collected after the signal, so everything done before the
 * call is in it. The caller json_decref()s the result.
 */
json_t *agent_runner__fresh_snapshot(struct agent_runner *agent);

/* The entry of @pid in the snapshot's "processes" (borrowed), or NULL. */
json_t *agent_runner__process(json_t *snapshot, pid_t pid);

/* Stops the agent, expects a clean exit, removes its directory. Safe to call twice. */
void agent_runner__stop(struct agent_runner *agent);

#endif
