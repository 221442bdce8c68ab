/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One command at a time, started and waited for with its wall time, killable from a signal. */
#ifndef MAPWATCH_BENCH_TIMED_RUN_H
#define MAPWATCH_BENCH_TIMED_RUN_H

#include <sys/types.h>

/* CLOCK_MONOTONIC in seconds. */
double timed_run__now(void);

/*
 * Starts @argv (searched in PATH) with stdout and stderr sent to the given
 * files, truncated; it is killed if the benchmark dies. Returns its pid or -errno.
 */
pid_t timed_run__start(char *const argv[], const char *stdout_path, const char *stderr_path);

/* Waits for the started command: its exit status, 128 + signal if killed, or -errno. */
int timed_run__wait(pid_t pid);

/* The same without blocking: -EAGAIN while it still runs. */
int timed_run__try_wait(pid_t pid);

/* Starts, waits and times @argv in one go; *seconds is the wall time from fork to reaping. */
int timed_run__run(char *const argv[], const char *stdout_path, const char *stderr_path,
		   double *seconds);

/* SIGKILL to the command running now, if any; async-signal-safe. */
void timed_run__kill_running(void);

#endif
