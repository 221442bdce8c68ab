// SPDX-License-Identifier: GPL-2.0
/*
 * The soak's load: for --seconds, mappers that mmap and munmap a file at a
 * paced total of --rate events per second, a churn of short-lived processes
 * that map files, unlink some and exit, and holders whose orphans change
 * every second. Then the mappers and the churn stop and the holders hold
 * still; their pids go to stdout, one line, and the load waits for SIGTERM.
 * usage: soak_load --dir DIR --seconds S --rate EVENTS_PER_SECOND
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAPPERS 2
#define HOLDERS 4
#define HOLDER_ORPHANS 50
#define PAGE 4096
#define BATCH 200

static const char *dir;

static uint64_t now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static void *map_new(const char *path, bool unlinked)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	void *mapping;

	if (fd < 0 || ftruncate(fd, PAGE)) {
		perror(path);
		_exit(3);
	}
	mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (mapping == MAP_FAILED || (unlinked && unlink(path))) {
		perror(path);
		_exit(3);
	}
	return mapping;
}

static pid_t start(void (*body)(int index, uint64_t until_ns, double rate), int index,
		   uint64_t until_ns, double rate)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		body(index, until_ns, rate);
		_exit(0);
	}
	return pid;
}

/* mmap + munmap of one file: two events a round, paced to rate events per second. */
static void mapper(int index, uint64_t until_ns, double rate)
{
	char path[4096];
	uint64_t begun = now_ns(), rounds = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/mapper-%d.log", dir, index);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, PAGE))
		_exit(3);
	while (now_ns() < until_ns) {
		for (int i = 0; i < BATCH; i++) {
			void *mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

			if (mapping == MAP_FAILED || munmap(mapping, PAGE))
				_exit(3);
		}
		rounds += BATCH;
		/* ahead of the pace: wait until the rounds done are due */
		for (;;) {
			uint64_t due = begun + (uint64_t)(rounds * 2 / rate * 1e9);
			uint64_t now = now_ns();

			if (now >= due)
				break;
			struct timespec pause = { 0, (long)(due - now) };
			nanosleep(&pause, NULL);
		}
	}
}

/* Short-lived processes: each maps three files, unlinks two, and exits within 20 ms. */
static void churn(int index, uint64_t until_ns, double rate)
{
	(void)rate;
	for (unsigned int round = 0; now_ns() < until_ns; round++) {
		pid_t child = fork();

		if (child == 0) {
			char path[4096];

			for (int i = 0; i < 3; i++) {
				snprintf(path, sizeof(path), "%s/churn-%d-%u-%d.index", dir, index,
					 round, i);
				map_new(path, i < 2);
			}
			if (round % 2)
				usleep(20000);
			_exit(0);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
	}
}

/*
 * Holds HOLDER_ORPHANS orphans; every second, until until_ns, one more file is
 * mapped and unlinked and the oldest orphan unmapped. Then it holds still.
 */
static void holder(int index, uint64_t until_ns, double rate)
{
	void *orphans[HOLDER_ORPHANS];
	char path[4096];
	unsigned int next = 0;

	(void)rate;
	for (; next < HOLDER_ORPHANS; next++) {
		snprintf(path, sizeof(path), "%s/holder-%d-%020u.index", dir, index, next);
		orphans[next] = map_new(path, true);
	}
	while (now_ns() < until_ns) {
		sleep(1);
		munmap(orphans[next % HOLDER_ORPHANS], PAGE);
		snprintf(path, sizeof(path), "%s/holder-%d-%020u.index", dir, index, next);
		orphans[next % HOLDER_ORPHANS] = map_new(path, true);
		next++;
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	pid_t mappers[MAPPERS], holders[HOLDERS], churner;
	double seconds = 60, rate = 100000;
	uint64_t until_ns;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
	}
	if (!dir || seconds <= 0 || rate <= 0) {
		fprintf(stderr,
			"usage: soak_load --dir DIR --seconds S --rate EVENTS_PER_SECOND\n");
		return 2;
	}
	until_ns = now_ns() + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < HOLDERS; i++)
		holders[i] = start(holder, i, until_ns, rate);
	for (int i = 0; i < MAPPERS; i++)
		mappers[i] = start(mapper, i, until_ns, rate / MAPPERS);
	churner = start(churn, 0, until_ns, rate);
	for (int i = 0; i < MAPPERS; i++)
		waitpid(mappers[i], NULL, 0);
	waitpid(churner, NULL, 0);
	/* the holders' last change was at most a second ago: let it land */
	sleep(2);
	for (int i = 0; i < HOLDERS; i++)
		printf("%s%d", i ? " " : "", (int)holders[i]);
	printf("\n");
	fflush(stdout);
	signal(SIGTERM, SIG_DFL);
	pause();
	return 0;
}
