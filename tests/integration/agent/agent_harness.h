/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One mapwatch agent per test executable, started before the first test and
 * stopped after the last. Criterion runs every test in a fresh process, so
 * what the tests need (the agent's pid, the output paths) travels in the
 * environment, not in globals.
 */
#ifndef MAPWATCH_AGENT_HARNESS_H
#define MAPWATCH_AGENT_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Starts the agent and waits for its first snapshot. Never fails the run by
 * itself: a failure is recorded and harness__require_agent() reports it.
 */
void harness__start_agent(void);
/* The same with more arguments for the agent (NULL-terminated, may be NULL). */
void harness__start_agent_with(const char *const *extra_args);
/*
 * Stops the agent (SIGTERM, then SIGKILL) and removes the work directory.
 * With MAPWATCH_TEST_AGENT_PID and MAPWATCH_TEST_WORK_DIR already set (an
 * agent run by hand, writing snapshot.json and metrics.prom there), neither
 * function starts or stops anything.
 */
void harness__stop_agent(void);
/* SIGKILLs the agent, reaps it and removes its work directory: a crash, as the host sees it. */
void harness__kill_agent(void);
/* The running agent's pid, 0 when none. */
pid_t harness__agent_pid(void);

/*
 * Called first in every test: skips the test when the agent could not start,
 * or fails it with the agent's stderr when CI=true.
 */
void harness__require_agent(void);

/* The directory the agent writes into, on the disk filesystem of /tmp. */
const char *harness__work_dir(void);
const char *harness__textfile_path(void);
/* A fresh empty directory under @parent; removed with harness__remove_tree(). */
void harness__make_dir(const char *parent, char *path, size_t size);
void harness__remove_tree(const char *path);

/*
 * Makes the agent write now (SIGUSR1) and waits until the snapshot file is
 * replaced; everything done before the call is in the result. Fails the test
 * on a timeout. The caller json_decref()s the result.
 */
json_t *harness__fresh_snapshot(void);
/*
 * Waits until the agent has consumed every record its BPF ring buffer held
 * when called, without making it write: what happened before the call is in
 * the agent's hands, and the ring has room again. Fails the test on a timeout.
 */
void harness__wait_ring_drained(void);
/* The snapshot as it is now, not asking for a new one (the agent's first, right after a start). */
json_t *harness__current_snapshot(void);
/* The entry of @pid in the snapshot's "processes", or NULL. */
json_t *harness__snapshot_process(json_t *snapshot, pid_t pid);

/*
 * The value of one sample in the textfile: @name with exactly @labels (the
 * text between the braces, "" for none). False when the sample is absent.
 */
bool harness__textfile_sample(const char *name, const char *labels, double *value);

uint64_t harness__now_ns(void);

#endif /* MAPWATCH_AGENT_HARNESS_H */
