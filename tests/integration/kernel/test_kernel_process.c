// SPDX-License-Identifier: GPL-2.0
/* Process lifetimes: fork, exec, exit, and the kernel-side --pid/--comm filters. */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096

/* Reaps @child, which must have exited normally; its exit status. */
static int wait_child(pid_t child)
{
	int status;

	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status), "child did not exit normally");
	return WEXITSTATUS(status);
}

Test(kernel_process, fork_and_exit)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	pid_t child = fork();

	cr_assert_geq(child, 0);
	if (child == 0)
		_exit(7);
	wait_child(child);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_FORK, .pid = getpid() },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no FORK event");
	cr_assert_eq(record->fork.child_pid, (uint32_t)child);
	cr_assert_eq(record->header.flags & MW_FORK_SHARED_MM, 0);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_EXIT, .pid = child },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no EXIT event");
	cr_assert_eq(record->exit.exit_code, 7 << 8, "exit code %#x", record->exit.exit_code);
	cr_assert_eq(support_count(&records,
				   &(struct support_match){ .type = MW_EVENT_EXIT, .pid = child }),
		     1);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

static void *wait_for_the_pipe(void *argument)
{
	char byte;

	while (read(*(int *)argument, &byte, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/*
 * A parent with another thread: that thread's changes may race the copy, and
 * the record says so. A child forked by a process of one thread does not.
 */
Test(kernel_process, a_fork_beside_another_thread_is_marked)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	pid_t threaded_child, lone_child, grandchild = 0;
	pthread_t thread;
	int release[2], reply[2];

	cr_assert_eq(pipe(release), 0);
	cr_assert_eq(pipe(reply), 0);
	cr_assert_eq(pthread_create(&thread, NULL, wait_for_the_pipe, &release[0]), 0);
	threaded_child = fork();
	cr_assert_geq(threaded_child, 0);
	if (threaded_child == 0)
		_exit(0);
	cr_assert_eq(write(release[1], "x", 1), 1);
	pthread_join(thread, NULL);
	wait_child(threaded_child);
	/* a child of its own thread only forks the grandchild */
	lone_child = fork();
	cr_assert_geq(lone_child, 0);
	if (lone_child == 0) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (write(reply[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(2);
		waitpid(pid, NULL, 0);
		_exit(0);
	}
	cr_assert_eq(read(reply[0], &grandchild, sizeof(grandchild)), sizeof(grandchild));
	wait_child(lone_child);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_FORK, .pid = getpid() },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no FORK event");
	cr_assert_eq(record->fork.child_pid, (uint32_t)threaded_child);
	cr_assert(record->header.flags & MW_FORK_MM_SHARED_BY_OTHERS);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_FORK, .pid = lone_child },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no FORK event from the child");
	cr_assert_eq(record->fork.child_pid, (uint32_t)grandchild);
	cr_assert_eq(record->header.flags & MW_FORK_MM_SHARED_BY_OTHERS, 0);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_process, vfork_shares_the_address_space)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	pid_t child = vfork();

	if (child == 0)
		_exit(0);
	cr_assert_geq(child, 0);
	wait_child(child);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_FORK, .pid = getpid() },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record);
	cr_assert_eq(record->fork.child_pid, (uint32_t)child);
	cr_assert(record->header.flags & MW_FORK_SHARED_MM);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_process, exec)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	pid_t child = fork();

	cr_assert_geq(child, 0);
	if (child == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	wait_child(child);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_EXEC, .pid = child },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no EXEC event");
	cr_assert_eq(record->exec.old_pid, (uint32_t)child);
	cr_assert_str_eq(record->header.comm, "true");
	cr_assert_not_null(support_wait_for(
		tracer, &records, &(struct support_match){ .type = MW_EVENT_EXIT, .pid = child },
		SUPPORT_WAIT_MS));
	cr_assert_eq(support_count(&records,
				   &(struct support_match){ .type = MW_EVENT_EXIT, .pid = child }),
		     1);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/* How long a thread of a forked child waits for its leader before it gives up. */
#define LEADER_EXIT_DEADLINE_NS (60ull * 1000000000ull)
/* The exit status of a child whose threads gave up on the leader. */
#define LEADER_STILL_THERE 3

static pthread_barrier_t all_running;

static void *sleep_forever(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&all_running);
	for (;;)
		pause();
	return NULL;
}

static void *exit_thread_after_the_leader(void *unused)
{
	uint64_t deadline = support_now_ns() + LEADER_EXIT_DEADLINE_NS;
	long syscall_nr;

	(void)unused;
	/* the leader has run its pthread_exit() once its thread is a zombie */
	while (support_thread_state(getpid(), &syscall_nr) != 'Z') {
		if (support_now_ns() > deadline)
			syscall(SYS_exit_group, LEADER_STILL_THERE);
		usleep(1000);
	}
	/*
	 * The thread's own exit, not exit_group: the last one to go ends the
	 * process. (Returning would have glibc call exit() for the last thread,
	 * running LeakSanitizer's report in this forked child.)
	 */
	syscall(SYS_exit, 0);
	return NULL;
}

/* A process is one EXIT however many threads it has, and however they end. */
Test(kernel_process, process_with_threads_exits_once)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	pid_t together, leader_first, marker;

	together = fork();
	cr_assert_geq(together, 0);
	if (together == 0) {
		pthread_t thread;

		/* all four running when the process exits */
		pthread_barrier_init(&all_running, NULL, 5);
		for (int i = 0; i < 4; i++)
			if (pthread_create(&thread, NULL, sleep_forever, NULL))
				_exit(2); /* the barrier would wait for ever */
		pthread_barrier_wait(&all_running);
		_exit(0); /* exit_group: all threads at once, without atexit (LeakSanitizer) */
	}
	leader_first = fork();
	cr_assert_geq(leader_first, 0);
	if (leader_first == 0) {
		pthread_t thread;

		for (int i = 0; i < 4; i++)
			pthread_create(&thread, NULL, exit_thread_after_the_leader, NULL);
		pthread_exit(NULL); /* the leader goes first, the last thread ends the process */
	}
	wait_child(together);
	cr_assert_neq(wait_child(leader_first), LEADER_STILL_THERE,
		      "the leader's thread was not gone after %llu s",
		      LEADER_EXIT_DEADLINE_NS / 1000000000ull);
	cr_assert_not_null(support_wait_for(
		tracer, &records, &(struct support_match){ .type = MW_EVENT_EXIT, .pid = together },
		SUPPORT_WAIT_MS));
	cr_assert_not_null(support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_EXIT, .pid = leader_first },
		SUPPORT_WAIT_MS));
	/* a process that exits after both: once its EXIT is in, a late duplicate would be too */
	marker = fork();
	cr_assert_geq(marker, 0);
	if (marker == 0)
		_exit(0);
	wait_child(marker);
	cr_assert_not_null(support_wait_for(
		tracer, &records, &(struct support_match){ .type = MW_EVENT_EXIT, .pid = marker },
		SUPPORT_WAIT_MS));
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_EXIT,
								      .pid = together }),
		     1);
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_EXIT,
								      .pid = leader_first }),
		     1);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/* Maps a file and unlinks it: the events a filtered-out process must not cause. */
static void *map_and_unlink(const char *dir, struct stat *st)
{
	char path[300];
	void *mapping;
	int fd;

	snprintf(path, sizeof(path), "%s/filtered.index", dir);
	fd = support_create_file(path, PAGE);
	cr_assert_eq(fstat(fd, st), 0);
	mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(mapping, MAP_FAILED);
	close(fd);
	cr_assert_eq(unlink(path), 0);
	return mapping;
}

Test(kernel_process, pid_filter_for_another_process_suppresses_ours)
{
	uint32_t other = 1;
	struct mw_kernel_tracer *tracer =
		support_load(&(struct mw_kernel_options){ .pids = &other, .pid_count = 1 });
	struct support_records records = {};
	struct stat st;
	char dir[256];
	void *mapping;
	pid_t child;

	support_make_dir("/tmp", dir, sizeof(dir));
	mapping = map_and_unlink(dir, &st);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0)
		_exit(0);
	wait_child(child);
	support_wait_for(tracer, &records, &(struct support_match){ .type = MW_EVENT_TYPE_COUNT },
			 200);
	cr_assert_eq(support_count(&records, &(struct support_match){ .pid = getpid() }), 0,
		     "events from a process outside --pid");
	cr_assert_eq(support_count(&records, &(struct support_match){ .pid = child }), 0);
	munmap(mapping, PAGE);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_process, pid_filter_for_our_process_passes_it)
{
	uint32_t self = getpid();
	struct mw_kernel_tracer *tracer =
		support_load(&(struct mw_kernel_options){ .pids = &self, .pid_count = 1 });
	struct support_records records = {};
	struct stat st;
	char dir[256];
	void *mapping;

	support_make_dir("/tmp", dir, sizeof(dir));
	mapping = map_and_unlink(dir, &st);
	cr_assert_not_null(support_wait_for(tracer, &records,
					    &(struct support_match){ .type = MW_EVENT_UNLINK,
								     .ino = st.st_ino,
								     .flags_set = MW_UNLINK_LAST },
					    SUPPORT_WAIT_MS));
	munmap(mapping, PAGE);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_process, comm_filter)
{
	const char comms[2][MW_COMM_LEN] = { "mw-not-us", "mw-filtered" };
	struct mw_kernel_tracer *tracer =
		support_load(&(struct mw_kernel_options){ .comms = comms, .comm_count = 2 });
	struct support_records records = {};
	struct stat before, after;
	void *first, *second;
	char dir[256];

	support_make_dir("/tmp", dir, sizeof(dir));
	prctl(PR_SET_NAME, "mw-other-name");
	first = map_and_unlink(dir, &before);
	prctl(PR_SET_NAME, "mw-filtered");
	second = map_and_unlink(dir, &after);
	cr_assert_not_null(support_wait_for(tracer, &records,
					    &(struct support_match){ .type = MW_EVENT_UNLINK,
								     .ino = after.st_ino,
								     .flags_set = MW_UNLINK_LAST },
					    SUPPORT_WAIT_MS),
			   "a process named in --comm is followed");
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								      .pid = getpid() }),
		     1, "only the mapping made under the matching name");
	munmap(first, PAGE);
	munmap(second, PAGE);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_process, bad_options_are_refused_before_loading)
{
	const char comms[MW_FILTER_COMMS_MAX + 1][MW_COMM_LEN] = {};
	struct mw_kernel_tracer *tracer = (void *)1;
	char error[256];

	cr_assert_eq(
		kernel_tracer__open(&tracer,
				    &(struct mw_kernel_options){
					    .comms = comms, .comm_count = MW_FILTER_COMMS_MAX + 1 },
				    error, sizeof(error)),
		-E2BIG);
	cr_assert_null(tracer);
	cr_assert(strstr(error, "--comm"), "error: %s", error);
	cr_assert_eq(kernel_tracer__open(&tracer,
					 &(struct mw_kernel_options){ .ring_buffer_bytes = 12345 },
					 error, sizeof(error)),
		     -EINVAL);
	cr_assert(strstr(error, "power of two"), "error: %s", error);
	kernel_tracer__destroy(NULL);
}
