/* SPDX-License-Identifier: GPL-2.0 */
/* Child processes and scratch directories shared by the agent and store runners. */
#ifndef MAPWATCH_E2E_PROCESS_UTIL_H
#define MAPWATCH_E2E_PROCESS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Forks and execs @argv with stdin from /dev/null, stdout to @stdout_fd (or
 * /dev/null when negative) and stderr to the file @stderr_path. Fails the test
 * when the fork or the redirections fail; an exec failure shows up as exit 127.
 */
pid_t process__spawn(char *const argv[], int stdout_fd, const char *stderr_path);

/*
 * SIGTERM, then SIGKILL after @grace_ms; reaps the child and returns its
 * wait status.
 */
int process__stop(pid_t pid, int grace_ms);

/* True (and *status set) once @pid has exited; does not block. */
bool process__exited(pid_t pid, int *status);

/* Up to @size - 1 bytes of a file, for error messages; "" when unreadable. */
void process__read_text(const char *path, char *text, size_t size);

/* A fresh directory /tmp/@prefix-XXXXXX, on the disk filesystem. */
void scratch__make_dir(const char *prefix, char *path, size_t size);
/* Removes @path and everything under it; a missing path is fine. */
void scratch__remove_tree(const char *path);

/* CLOCK_REALTIME / CLOCK_MONOTONIC in seconds. */
double clock__wall_seconds(void);
double clock__monotonic_seconds(void);

#endif
