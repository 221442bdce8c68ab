/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One process with as many file mappings as a big JVM host's broker: @files
 * one-page files, each mapped @maps_per_file times, every mapping its own VMA
 * with a PROT_NONE page between any two (so /proc/PID/maps lists about twice
 * as many lines as there are file mappings). On command it unlinks every
 * file: all its mappings become orphaned at once.
 */
#ifndef MAPWATCH_BENCH_MAP_HOLDER_H
#define MAPWATCH_BENCH_MAP_HOLDER_H

#include <sys/types.h>

#define MAP_HOLDER_COMM "mwbench-holder"

struct map_holder {
	const char *directory; /* where the files are made; must exist */
	long files;
	long maps_per_file;
	double timeout_seconds; /* for each answer of the holder */
	pid_t pid;
	int command_fd; /* bytes to the holder */
	int answer_fd; /* its answers */
};

/* File mappings the holder has: files x maps_per_file. */
long map_holder__mappings(const struct map_holder *holder);

/*
 * Starts the holder and returns once every mapping is made and every file
 * descriptor closed. Returns 0, -ECHILD if it failed or died, -ETIMEDOUT, or
 * another -errno; on failure it is killed and reaped.
 */
int map_holder__start(struct map_holder *holder);

/* Has the holder unlink every file; returns once it has (0) or -errno as above. */
int map_holder__unlink_all(struct map_holder *holder);

/* SIGKILL to the holder; async-signal-safe, for signal handlers. */
void map_holder__kill(const struct map_holder *holder);

/* Kills and reaps the holder. Idempotent. The files are left to the caller. */
void map_holder__stop(struct map_holder *holder);

#endif
