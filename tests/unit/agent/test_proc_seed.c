// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Seeding from /proc against processes this test makes: children that inherit
 * the same file mappings. Needs root for /proc/PID/map_files.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "options.h"
#include "parallel_for.h"
#include "proc_seed.h"
#include "process_filter.h"
#include "tracker.h"

#define CHILDREN 8
#define FILES 24

static pid_t children[CHILDREN];
static char directory[] = "/tmp/mapwatch-proc-seed-XXXXXX";

/* FILES one-page files mapped here, then CHILDREN children that inherit them and wait. */
static void start_children(void)
{
	int ready[2];

	cr_assert_not_null(mkdtemp(directory));
	for (int i = 0; i < FILES; i++) {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "%s/%02d.index", directory, i);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(ftruncate(fd, 4096), 0);
		cr_assert_neq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
		close(fd);
	}
	cr_assert_eq(pipe(ready), 0);
	for (int i = 0; i < CHILDREN; i++) {
		children[i] = fork();
		cr_assert_geq(children[i], 0);
		if (children[i] == 0) {
			close(ready[0]);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	close(ready[1]);
	for (int i = 0; i < CHILDREN; i++) {
		char byte;

		cr_assert_eq(read(ready[0], &byte, 1), 1);
	}
	close(ready[0]);
}

static void stop_children(void)
{
	char command[128];

	for (int i = 0; i < CHILDREN; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
		}
	}
	snprintf(command, sizeof(command), "rm -rf '%s'", directory);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", directory);
}

TestSuite(proc_seed, .init = start_children, .fini = stop_children);

/* Reads the children (--pid each) into a tracker; returns the stats of the walk. */
static struct mw_proc_scan_stats seed_children(bool keep_reported_only)
{
	struct mw_tracker_options tracker_options = {
		.page_size = 4096,
		.keep_reported_mappings_only = keep_reported_only,
	};
	struct mw_proc_scan_stats stats = { 0 };
	struct mw_process_filter filter;
	struct mw_options options;
	struct mw_tracker *tracker;
	char error[256];

	memset(&options, 0, sizeof(options));
	for (int i = 0; i < CHILDREN; i++)
		options.pids[options.pid_count++] = (uint32_t)children[i];
	cr_assert_eq(process_filter__init(&filter, &options, error, sizeof(error)), 0, "%s", error);
	cr_assert_eq(tracker__create(&tracker_options, &tracker), 0);
	cr_assert_eq(proc_seed__all(tracker, &filter, keep_reported_only, 1, &stats), 0);
	cr_assert_eq(stats.processes, CHILDREN);
	cr_assert_eq(tracker__tracked_mappings(tracker) >= (size_t)CHILDREN * FILES, true);
	tracker__destroy(tracker);
	return stats;
}

/* The distinct files (non-zero inode numbers) /proc/PID/maps lists for @pid. */
static unsigned long distinct_files(pid_t pid)
{
	unsigned long inodes[512], count = 0;
	char path[64], line[4352];
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	cr_assert_not_null(maps);
	while (fgets(line, sizeof(line), maps)) {
		unsigned long inode = 0;
		bool seen = false;

		if (sscanf(line, "%*s %*s %*s %*s %lu", &inode) != 1 || !inode)
			continue;
		for (unsigned long i = 0; i < count && !seen; i++)
			seen = inodes[i] == inode;
		if (!seen && count < 512)
			inodes[count++] = inode;
	}
	fclose(maps);
	return count;
}

/*
 * A file every child maps is stat'ed once for the whole walk when the tracker
 * keeps it (the agent), and once per reading thread when only the walks'
 * caches do (scan reads ahead on a thread per CPU, each with its own cache):
 * at most the files of one child per reader, where a stat per process would
 * be eight times that.
 */
Test(proc_seed, a_file_many_processes_map_is_stated_once)
{
	unsigned long files = distinct_files(children[0]);
	unsigned long readers = 1 + parallel_for__helpers(3);
	struct mw_proc_scan_stats every = seed_children(false);
	struct mw_proc_scan_stats reported = seed_children(true);

	cr_assert_geq(files, FILES);
	cr_assert_leq(every.files_stated, files, "%llu stats for %lu files",
		      (unsigned long long)every.files_stated, files);
	cr_assert_leq(reported.files_stated, files * readers,
		      "%llu stats for %lu files, %lu readers",
		      (unsigned long long)reported.files_stated, files, readers);
	cr_assert_lt(readers, CHILDREN);
}
