// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PROCMAP_QUERY against parsing /proc/PID/maps text, on a process holding
 * many file mappings (a broker with thousands of index files looks like this).
 * Each reader is timed alone and with the stat through map_files that gives
 * link counts and sizes.
 *
 * usage: bench_proc_maps [--mappings N] [--rounds R]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench_table.h"
#include "proc_maps.h"

struct mode {
	const char *name;
	unsigned int flags;
};

static const struct mode modes[] = {
	{ "PROCMAP_QUERY", MW_PROC_MAPS_QUERY | MW_PROC_MAPS_NO_STAT },
	{ "text", MW_PROC_MAPS_NO_STAT },
	{ "PROCMAP_QUERY + stat", MW_PROC_MAPS_QUERY },
	{ "text + stat", 0 },
};

#define MODES (sizeof(modes) / sizeof(modes[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_vma(const struct mw_vma *vma, void *ctx)
{
	(void)vma;
	++*(size_t *)ctx;
	return 0;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Maps one page of each of @count files, every one deleted after mapping (the
 * orphans mapwatch looks for): one VMA and one inode each, so nothing merges
 * and every VMA costs the readers a stat of its own.
 */
static int make_mappings(long count)
{
	long page = sysconf(_SC_PAGESIZE);

	for (long i = 0; i < count; i++) {
		char path[] = "/tmp/mapwatch-bench-XXXXXX";
		int fd = mkstemp(path);

		if (fd < 0)
			return -errno;
		unlink(path);
		if (ftruncate(fd, page) ||
		    mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED) {
			int err = -errno;

			close(fd);
			return err;
		}
		close(fd);
	}
	return 0;
}

/* A child that inherits the mappings and sleeps: nothing moves while we read it. */
static pid_t spawn_holder(void)
{
	int ready[2];
	char byte;
	pid_t pid;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &byte, 1) != 1)
		pid = -1;
	close(ready[0]);
	return pid;
}

int main(int argc, char **argv)
{
	long mappings = 10000, rounds = 15;
	double median[MODES];
	struct mw_proc_maps_stats stats;
	size_t seen = 0;
	pid_t holder;
	int err;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mappings") == 0)
			mappings = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = strtol(argv[i + 1], NULL, 10);
	}
	if (mappings < 1 || rounds < 1 || argc % 2 == 0) {
		fprintf(stderr, "usage: %s [--mappings N] [--rounds R]\n", argv[0]);
		return 2;
	}
	if (!proc_maps__query_supported()) {
		fprintf(stderr,
			"bench_proc_maps: this kernel has no PROCMAP_QUERY (Linux 6.11+)\n");
		return 1;
	}
	err = make_mappings(mappings);
	if (err) {
		fprintf(stderr, "bench_proc_maps: cannot make %ld mappings: %s\n", mappings,
			strerror(-err));
		return 1;
	}
	holder = spawn_holder();
	if (holder < 0) {
		perror("bench_proc_maps: fork");
		return 1;
	}
	err = proc_maps__for_each(holder, 0, count_vma, &seen, &stats);
	if (err) {
		fprintf(stderr, "bench_proc_maps: reading %d: %s\n", holder, strerror(-err));
		kill(holder, SIGKILL);
		return 1;
	}

	for (size_t m = 0; m < MODES; m++) {
		double *times = calloc(rounds, sizeof(*times));

		for (long r = 0; r < rounds; r++) {
			double start = now();

			seen = 0;
			err = proc_maps__for_each(holder, modes[m].flags, count_vma, &seen, NULL);
			times[r] = now() - start;
			if (err || seen != stats.map_count) {
				fprintf(stderr, "bench_proc_maps: %s read %zu of %lu VMAs (%s)\n",
					modes[m].name, seen, (unsigned long)stats.map_count,
					strerror(-err));
				kill(holder, SIGKILL);
				return 1;
			}
		}
		qsort(times, rounds, sizeof(*times), compare_doubles);
		median[m] = times[rounds / 2];
		free(times);
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);

	bench__note("one process's mappings: %lu VMAs (%ld file mappings), median of %ld rounds; "
		    "baseline the text of /proc/PID/maps, measured PROCMAP_QUERY",
		    (unsigned long)stats.map_count, mappings, rounds);
	bench__table_header();
	bench__table_row("read one process's maps, per VMA", "ns",
			 median[1] * 1e9 / stats.map_count, median[0] * 1e9 / stats.map_count,
			 BENCH_NONE, "of text", median[0] / median[1], NULL, BENCH_NO_GOAL);
	bench__table_row("read one process's maps + stat each file, per VMA", "ns",
			 median[3] * 1e9 / stats.map_count, median[2] * 1e9 / stats.map_count,
			 BENCH_NONE, "of text", median[2] / median[3], NULL, BENCH_NO_GOAL);
	return 0;
}
