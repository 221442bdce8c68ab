// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scan_fixture.h"

/* Four pages, sparse: no data to write, none to cache; the mapping covers the whole file. */
#define FILE_BYTES (4 * 4096)

static int create_and_map(const char *path)
{
	void *address;
	int fd, err = 0;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, FILE_BYTES))
		err = -errno;
	address = err ? MAP_FAILED : mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	if (!err && address == MAP_FAILED)
		err = -errno;
	close(fd);
	return err;
}

/* @count files in @directory, each mapped once; the first is then unlinked: the orphan. */
static int map_files(const char *directory, long count)
{
	char path[PATH_MAX];
	int err;

	if (mkdir(directory, 0700) && errno != EEXIST)
		return -errno;
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%020ld.index", directory, i);
		err = create_and_map(path);
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), "%s/%020d.index", directory, 0);
	return unlink(path) ? -errno : 0;
}

/* Dies with its parent; false when the parent is already gone. */
static bool tie_to_parent(pid_t parent, const char *comm)
{
	prctl(PR_SET_NAME, comm);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return getppid() == parent;
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

static void run_sleeper(const struct scan_fixture *fixture, long index, pid_t leader, int ready)
{
	char directory[PATH_MAX + 32];
	char answer = 'R';

	if (!tie_to_parent(leader, SCAN_FIXTURE_SLEEPER_COMM))
		_exit(1);
	if (fixture->layout == SCAN_FIXTURE_DISTINCT) {
		snprintf(directory, sizeof(directory), "%s/p%04ld", fixture->directory, index);
		if (map_files(directory, fixture->mappings))
			answer = 'E';
	}
	if (write(ready, &answer, 1) != 1 || answer != 'R')
		_exit(1);
	sleep_forever();
}

/* Maps (shared layout), forks the sleepers, answers 'R' on @ready once all are set. */
static void run_leader(const struct scan_fixture *fixture, pid_t benchmark, int ready)
{
	pid_t self = getpid();
	char directory[PATH_MAX + 16], answer = 'R', byte;
	int children[2];
	long answered = 0;

	if (!tie_to_parent(benchmark, SCAN_FIXTURE_LEADER_COMM))
		_exit(1);
	if (fixture->layout == SCAN_FIXTURE_SHARED) {
		snprintf(directory, sizeof(directory), "%s/shared", fixture->directory);
		if (map_files(directory, fixture->mappings))
			answer = 'E';
	}
	if (answer == 'R' && pipe2(children, O_CLOEXEC))
		answer = 'E';
	for (long i = 0; answer == 'R' && i < fixture->processes; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(children[0]);
			run_sleeper(fixture, i, self, children[1]);
		}
		if (pid < 0)
			answer = 'E';
	}
	if (answer == 'R') {
		close(children[1]);
		/* EOF before every child answered: one died */
		while (answered < fixture->processes && read(children[0], &byte, 1) == 1 &&
		       byte == 'R')
			answered++;
		if (answered < fixture->processes)
			answer = 'E';
	}
	if (write(ready, &answer, 1) != 1 || answer != 'R')
		_exit(1);
	sleep_forever();
}

int scan_fixture__start(struct scan_fixture *fixture, const char *parent)
{
	pid_t benchmark = getpid(), pid;
	int ready[2], err = 0;
	char answer = 0;

	fixture->leader = 0;
	snprintf(fixture->directory, sizeof(fixture->directory), "%s/mapwatch-bench-scan-XXXXXX",
		 parent);
	if (!mkdtemp(fixture->directory)) {
		fixture->directory[0] = '\0';
		return -errno;
	}
	if (pipe2(ready, O_CLOEXEC)) {
		err = -errno;
		scan_fixture__stop(fixture);
		return err;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		setpgid(0, 0);
		run_leader(fixture, benchmark, ready[1]);
	}
	close(ready[1]);
	if (pid < 0) {
		err = -errno;
		close(ready[0]);
		scan_fixture__stop(fixture);
		return err;
	}
	/* both sides set the group, so that it exists before either goes on */
	setpgid(pid, pid);
	fixture->leader = pid;
	while (read(ready[0], &answer, 1) < 0 && errno == EINTR && answer == 0)
		;
	close(ready[0]);
	if (answer != 'R') {
		scan_fixture__stop(fixture);
		return -ECHILD;
	}
	fixture->orphan_holders =
		fixture->processes + (fixture->layout == SCAN_FIXTURE_SHARED ? 1 : 0);
	return 0;
}

void scan_fixture__kill(const struct scan_fixture *fixture)
{
	if (fixture->leader > 0)
		kill(-fixture->leader, SIGKILL);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void scan_fixture__stop(struct scan_fixture *fixture)
{
	if (fixture->leader > 0) {
		scan_fixture__kill(fixture);
		while (waitpid(fixture->leader, NULL, 0) < 0 && errno == EINTR)
			;
		/* its children are ours now (we are their subreaper): reap each one */
		while (waitpid(-fixture->leader, NULL, 0) > 0 || errno == EINTR)
			;
		fixture->leader = 0;
	}
	if (fixture->directory[0]) {
		nftw(fixture->directory, remove_entry, 64, FTW_DEPTH | FTW_PHYS);
		fixture->directory[0] = '\0';
	}
}
