/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scenario runs in a forked child that does its syscalls one step at a time
 * when told to, answers, and then waits: its /proc/PID/maps stays still while
 * the test compares the agent's snapshot with it.
 */
#ifndef MAPWATCH_SCENARIO_H
#define MAPWATCH_SCENARIO_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Runs in the child: does step @step on @state (the child's own copy) and
 * returns 0 or -errno; @value goes back to the test (an inode, a pid...).
 */
typedef int (*scenario_step_fn)(void *state, int step, uint64_t *value);

struct scenario {
	pid_t pid;
	int command_fd; /* test -> child: step numbers */
	int reply_fd; /* child -> test: results */
};

/* Forks the child; it waits for its first step. */
void scenario__start(struct scenario *scenario, scenario_step_fn step_fn, void *state);
/* Runs one step in the child and returns its value; fails the test on an error. */
uint64_t scenario__step(struct scenario *scenario, int step);
/*
 * Runs a step that ends in execve() of a program that blocks (sleep): returns
 * once the new image has blocked in a system call, so the kernel's exec
 * tracepoint has fired.
 */
void scenario__step_into_exec(struct scenario *scenario, int step);
/* Ends the child (end of file on its command pipe, SIGKILL after a timeout) and reaps it. */
void scenario__stop(struct scenario *scenario);

/* Blocking reads and writes of exactly @size bytes; false at end of file or on an error. */
bool scenario__read_full(int fd, void *buffer, size_t size);
bool scenario__write_full(int fd, const void *buffer, size_t size);

/* Child-side helpers, returning -errno. */
/* Creates @path with @size bytes (filled, so pages are real) and returns an O_RDWR fd. */
int scenario__create_file(const char *path, size_t size);
/* mmap of @length bytes of @fd at @offset, shared, read/write; the address or NULL. */
void *scenario__map_file(int fd, size_t length, off_t offset);

/* Files of one page each in @dir, each mapped once and then all unlinked. */
struct scenario_orphan_files {
	char dir[PATH_MAX];
	size_t page;
	int count;
};

/*
 * A scenario step (state: struct scenario_orphan_files): maps every file,
 * then unlinks them all; the value is when the last unlink returned.
 */
int scenario__orphan_files_step(void *state, int step, uint64_t *value);
/* The inode number of an open file. */
int scenario__inode(int fd, uint64_t *ino);

/* The kernel's mlock and munlock: ASan's interceptors make them no-ops. */
static inline int raw_mlock(const void *address, size_t length)
{
	return (int)syscall(SYS_mlock, address, length);
}

static inline int raw_munlock(const void *address, size_t length)
{
	return (int)syscall(SYS_munlock, address, length);
}

#endif /* MAPWATCH_SCENARIO_H */
