// SPDX-License-Identifier: GPL-2.0
/*
 * A fork racing another thread's munmap. The kernel copies the parent's
 * address space early in fork() and emits the FORK record at its end; a
 * record is stamped as its call returns. So a munmap of another thread that
 * runs after the copy may be recorded before the FORK record, and one that
 * ran before the copy may be recorded after it. A child copied from the
 * agent's view of the parent as the FORK record finds it then lacks a mapping
 * the kernel gave it, or has one it did not: the agent must read such a child
 * from /proc (the FORK record says the parent's address space had other
 * users). Left as a copy, the child stays wrong for good.
 *
 * Where fork() and the munmap meet is left to no scheduler: userfaultfd holds
 * one thread at the exact point, and the other does its part meanwhile.
 * - After the copy, before the FORK record: clone3(CLONE_PIDFD) writes the
 *   pidfd to the parent's memory after copying the address space; that page
 *   is a missing one, and the other thread unmaps before it supplies it.
 * - Before the copy, recorded after it: a munmap of a registered range waits,
 *   once the range is gone, until its UNMAP event is read; the fork runs
 *   before the event is read.
 * Every child then meets the race, on busy cores too.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

/* forks of each kind; each takes one orphaned slot */
#define FORKS_EACH 8
#define CHILDREN (2 * FORKS_EACH)

enum race_kind {
	UNMAP_AFTER_COPY, /* the child has the slot, the record of its unmap comes first */
	UNMAP_BEFORE_COPY, /* the child lacks the slot, the record of its unmap comes last */
};

struct race_report {
	int err; /* 0, or the -errno of the parent's first failure */
	int failed_fork;
	pid_t children[CHILDREN];
	int count;
};

struct race_parent {
	size_t page;
	int uffd;
	char *slots; /* CHILDREN one-page orphaned VMAs, PROT_NONE between two */
	char *pidfd_pages; /* CHILDREN missing pages: where clone3 writes each pidfd */
	int command[2]; /* main thread -> other thread: the fork number */
	int done[2]; /* other thread -> main thread: its -errno */
	int hold_fd;
};

static pid_t parent_pid;
static int hold_fd = -1;
static char work_dir[PATH_MAX];

static void setup(void)
{
	harness__require_agent();
}

static void end_parent(void)
{
	if (hold_fd >= 0)
		close(hold_fd);
	hold_fd = -1;
	if (parent_pid > 0) {
		kill(parent_pid, SIGKILL);
		waitpid(parent_pid, NULL, 0);
	}
	parent_pid = 0;
	if (work_dir[0])
		harness__remove_tree(work_dir);
	work_dir[0] = '\0';
}

TestSuite(agent_fork_race, .init = setup, .fini = end_parent);

static enum race_kind kind_of(int fork_number)
{
	return fork_number % 2 ? UNMAP_BEFORE_COPY : UNMAP_AFTER_COPY;
}

static char *slot_address(const struct race_parent *race, int slot)
{
	return race->slots + (2 * (size_t)slot + 1) * race->page;
}

static int register_range(const struct race_parent *race, void *start, size_t length)
{
	struct uffdio_register range = {
		.range = { .start = (uintptr_t)start, .len = length },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(race->uffd, UFFDIO_REGISTER, &range) ? -errno : 0;
}

/*
 * A file on tmpfs (userfaultfd takes shared memory) with one page mapped per
 * fork, PROT_NONE around each so that none merges, then unlinked. The slots
 * unmapped before a copy are registered, so that their munmap waits for its
 * UNMAP event to be read.
 */
static int map_slots(struct race_parent *race, const char *dir)
{
	char path[PATH_MAX + 32];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/orphans.index", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)(CHILDREN * race->page)))
		err = -errno;
	race->slots = err ? MAP_FAILED
			  : mmap(NULL, (2 * CHILDREN + 1) * race->page, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!err && race->slots == MAP_FAILED)
		err = -errno;
	for (int slot = 0; !err && slot < CHILDREN; slot++) {
		if (mmap(slot_address(race, slot), race->page, PROT_READ, MAP_SHARED | MAP_FIXED,
			 fd, (off_t)((size_t)slot * race->page)) == MAP_FAILED)
			err = -errno;
		else if (kind_of(slot) == UNMAP_BEFORE_COPY)
			err = register_range(race, slot_address(race, slot), race->page);
	}
	close(fd);
	if (!err && unlink(path))
		err = -errno;
	return err;
}

static int set_up(struct race_parent *race, const char *dir)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_EVENT_UNMAP };
	int err;

	race->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (race->uffd < 0)
		return -errno;
	if (ioctl(race->uffd, UFFDIO_API, &api))
		return -errno;
	if (pipe2(race->command, O_CLOEXEC) || pipe2(race->done, O_CLOEXEC))
		return -errno;
	race->pidfd_pages = mmap(NULL, CHILDREN * race->page, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (race->pidfd_pages == MAP_FAILED)
		return -errno;
	err = register_range(race, race->pidfd_pages, CHILDREN * race->page);
	return err ? err : map_slots(race, dir);
}

/* The next event of the userfaultfd, of @event; blocks until there is one. */
static int next_event(const struct race_parent *race, uint8_t event, struct uffd_msg *message)
{
	struct pollfd ready = { .fd = race->uffd, .events = POLLIN };

	while (poll(&ready, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	if (read(race->uffd, message, sizeof(*message)) != sizeof(*message))
		return -EIO;
	return message->event == event ? 0 : -EPROTO;
}

/* The other thread: one munmap per fork, placed as the fork's kind wants. */
static void *unmap_beside_forks(void *argument)
{
	struct race_parent *race = argument;
	struct uffd_msg message;
	int fork_number, err;

	/* -1 ends it: the children hold the command pipe open too */
	while (read(race->command[0], &fork_number, sizeof(fork_number)) == sizeof(fork_number) &&
	       fork_number >= 0) {
		if (kind_of(fork_number) == UNMAP_BEFORE_COPY) {
			/* gone at once; returns once the main thread, past its fork, reads the event */
			err = munmap(slot_address(race, fork_number), race->page) ? -errno : 0;
		} else {
			struct uffdio_zeropage zero = {
				.range = { .start = (uintptr_t)(race->pidfd_pages +
								(size_t)fork_number * race->page),
					   .len = race->page },
			};

			/* the main thread's clone3 has copied the address space and waits */
			err = next_event(race, UFFD_EVENT_PAGEFAULT, &message);
			if (!err && munmap(slot_address(race, fork_number), race->page))
				err = -errno;
			/* the pidfd's page, failure or not: the clone3 goes on to its FORK record */
			if (ioctl(race->uffd, UFFDIO_ZEROPAGE, &zero) && !err)
				err = -errno;
		}
		if (write(race->done[1], &err, sizeof(err)) != sizeof(err))
			break;
	}
	return NULL;
}

/* A child holds still, touching no mapping, until the test lets go of the hold pipe. */
static void __attribute__((noreturn)) hold_still(int fd)
{
	char byte;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(fd, &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* A fork as clone3 does it; the child only holds still (no library state is used). */
static pid_t fork_child(struct race_parent *race, int *pidfd)
{
	struct clone_args args = {
		.flags = pidfd ? CLONE_PIDFD : 0,
		.pidfd = (uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	long child = syscall(SYS_clone3, &args, sizeof(args));

	if (child == 0)
		hold_still(race->hold_fd);
	return child < 0 ? -errno : (pid_t)child;
}

static int race_one(struct race_parent *race, int fork_number, pid_t *child)
{
	struct uffd_msg message;
	int err, thread_err;

	if (write(race->command[1], &fork_number, sizeof(fork_number)) != sizeof(fork_number))
		return -EPIPE;
	if (kind_of(fork_number) == UNMAP_AFTER_COPY) {
		int *pidfd = (int *)(race->pidfd_pages + (size_t)fork_number * race->page);

		*child = fork_child(race, pidfd);
		err = *child < 0 ? *child : 0;
		if (!err)
			close(*pidfd);
	} else {
		struct pollfd ready = { .fd = race->uffd, .events = POLLIN };

		/* the munmap has taken the slot away and waits for its event to be read */
		while (poll(&ready, 1, -1) < 0 && errno == EINTR)
			;
		*child = fork_child(race, NULL);
		err = *child < 0 ? *child : 0;
		thread_err = next_event(race, UFFD_EVENT_UNMAP, &message);
		if (!err)
			err = thread_err;
	}
	if (read(race->done[0], &thread_err, sizeof(thread_err)) != sizeof(thread_err))
		return -EPIPE;
	return err ? err : thread_err;
}

static void __attribute__((noreturn))
run_parent(const char *dir, int report_fd, int go_fd, int hold)
{
	struct race_parent race = { .page = (size_t)sysconf(_SC_PAGESIZE), .hold_fd = hold };
	struct race_report report = { 0 };
	pthread_t thread;
	char byte;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	report.err = set_up(&race, dir);
	if (!report.err && pthread_create(&thread, NULL, unmap_beside_forks, &race))
		report.err = -EAGAIN;
	/*
	 * Set up: the test has the agent read this process again from /proc (it
	 * was forked from one the agent read), then says go, so that no re-read
	 * still asked for this process covers its children's.
	 */
	if (write(report_fd, &report.err, sizeof(report.err)) != sizeof(report.err) || report.err ||
	    read(go_fd, &byte, 1) != 1)
		_exit(2);
	for (int i = 0; !report.err && i < CHILDREN; i++) {
		pid_t child = -1;

		report.err = race_one(&race, i, &child);
		if (child > 0)
			report.children[report.count++] = child;
		report.failed_fork = i;
	}
	if (write(race.command[1], &(int){ -1 }, sizeof(int)) != sizeof(int))
		_exit(2);
	pthread_join(thread, NULL);
	if (write(report_fd, &report, sizeof(report)) != sizeof(report))
		_exit(2);
	while (read(hold, &byte, 1) < 0 && errno == EINTR)
		;
	while (wait(NULL) > 0 || errno == EINTR)
		;
	_exit(0);
}

/* One process against /proc: true when the snapshot lists its orphans, with a line when not. */
static bool agrees(json_t *snapshot, pid_t pid, const char *role)
{
	json_t *entry = harness__snapshot_process(snapshot, pid);
	json_t *mappings = truth__orphan_mappings(entry);
	struct truth truth;
	bool same;

	truth__read(pid, &truth);
	same = json_array_size(mappings) == truth.count;
	for (size_t i = 0; same && i < truth.count; i++) {
		json_t *mapping = json_array_get(mappings, i);
		char start[24];

		snprintf(start, sizeof(start), "%08llx",
			 (unsigned long long)truth.orphans[i].start);
		same = !strcmp(json_string_value(json_object_get(mapping, "start")), start) &&
		       json_integer_value(json_object_get(mapping, "offset")) ==
			       (json_int_t)truth.orphans[i].offset;
	}
	if (!same)
		fprintf(stderr, "fork race: %s %d: the snapshot lists %zu orphans, /proc has %zu\n",
			role, pid, json_array_size(mappings), truth.count);
	json_decref(mappings);
	truth__free(&truth);
	return same;
}

/* The full comparison, VMA by VMA and the map count, which fails the test with both listings. */
static void expect_matches(json_t *snapshot, pid_t pid)
{
	struct truth truth;
	json_t *entry = truth__check(snapshot, pid, &truth);

	cr_assert_not_null(entry, "%d: no snapshot entry, /proc has %zu orphans", pid, truth.count);
	cr_assert_eq(json_integer_value(json_object_get(entry, "map_count")),
		     (json_int_t)truth.summary.map_count, "%d: map_count %lld, /proc %llu", pid,
		     json_integer_value(json_object_get(entry, "map_count")),
		     (unsigned long long)truth.summary.map_count);
	truth__free(&truth);
}

Test(agent_fork_race, children_forked_beside_an_unmapping_thread_match_proc, .timeout = 300)
{
	int report_pipe[2], go_pipe[2], hold_pipe[2], wrong = 0, err = -1;
	struct race_report report;
	json_t *snapshot;
	bool got_report;

	harness__make_dir("/dev/shm", work_dir, sizeof(work_dir));
	cr_assert_eq(pipe2(report_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(go_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(hold_pipe, O_CLOEXEC), 0);
	parent_pid = fork();
	cr_assert_geq(parent_pid, 0);
	if (parent_pid == 0) {
		close(report_pipe[0]);
		close(go_pipe[1]);
		close(hold_pipe[1]);
		run_parent(work_dir, report_pipe[1], go_pipe[0], hold_pipe[0]);
	}
	close(report_pipe[1]);
	close(go_pipe[0]);
	close(hold_pipe[0]);
	hold_fd = hold_pipe[1];
	cr_assert(scenario__read_full(report_pipe[0], &err, sizeof(err)),
		  "the parent %d died during its set-up", parent_pid);
	cr_assert_eq(err, 0, "the parent's set-up: %s", strerror(-err));
	/* its own re-read done, as the agent asked when it was forked */
	json_decref(harness__fresh_snapshot());
	cr_assert_eq(write(go_pipe[1], "g", 1), 1);
	close(go_pipe[1]);
	/* the parent reports once its children are forked and its other thread has stopped */
	got_report = scenario__read_full(report_pipe[0], &report, sizeof(report));
	close(report_pipe[0]);
	cr_assert(got_report, "the parent %d died before its report", parent_pid);
	cr_assert_eq(report.err, 0, "the parent's fork %d: %s", report.failed_fork,
		     strerror(-report.err));
	fprintf(stderr, "fork race: parent %d forked %d children beside its munmaps\n", parent_pid,
		report.count);

	/* the bound: equal to /proc by the second refresh after the load stops */
	json_decref(harness__fresh_snapshot());
	snapshot = harness__fresh_snapshot();
	wrong += !agrees(snapshot, parent_pid, "parent");
	for (int i = 0; i < report.count; i++)
		wrong += !agrees(snapshot, report.children[i],
				 kind_of(i) == UNMAP_AFTER_COPY ? "child (unmap after the copy)"
								: "child (unmap before the copy)");
	fprintf(stderr, "fork race: %d of %d processes differ from /proc\n", wrong,
		report.count + 1);
	expect_matches(snapshot, parent_pid);
	for (int i = 0; i < report.count; i++)
		expect_matches(snapshot, report.children[i]);
	json_decref(snapshot);
	/* end of file on the hold pipe: the children exit, then the parent */
	close(hold_fd);
	hold_fd = -1;
	cr_assert_eq(waitpid(parent_pid, NULL, 0), parent_pid);
	parent_pid = 0;
}
