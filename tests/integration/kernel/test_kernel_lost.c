// SPDX-License-Identifier: GPL-2.0
/* Records the ring buffer cannot take are counted, and their process is marked for a re-read. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096
/* One page of ring buffer holds ~17 mmap records: 2,000 mappings overflow it many times over. */
#define MAPPINGS 2000

Test(kernel_lost, overflow_is_counted_and_the_process_marked_dirty)
{
	/* this process only: others on a busy host would fill the page before the burst */
	const uint32_t self[] = { (uint32_t)getpid() };
	struct mw_kernel_options options = { .ring_buffer_bytes = PAGE,
					     .pids = self,
					     .pid_count = 1 };
	struct mw_kernel_tracer *tracer = support_load(&options);
	struct support_records records = {};
	uint32_t dirty[1024];
	size_t dirty_count = 0;
	bool found_self = false;
	uint64_t lost = 0;
	char dir[256], path[300];
	int fd;

	support_make_dir("/dev/shm", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/overflow.index", dir);
	fd = support_create_file(path, PAGE);
	cr_assert_eq(kernel_tracer__lost_events(tracer, &lost), 0);
	cr_assert_eq(lost, 0, "lost %llu before the burst", (unsigned long long)lost);

	/* No draining: the buffer fills and the rest cannot be delivered. */
	for (int i = 0; i < MAPPINGS; i++) {
		void *map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

		cr_assert_neq(map, MAP_FAILED);
		cr_assert_eq(munmap(map, PAGE), 0);
	}
	cr_assert_eq(kernel_tracer__lost_events(tracer, &lost), 0);
	support_drain(tracer, &records);
	cr_assert_gt(lost, 0, "no loss counted");
	/* What was delivered plus what was lost covers at least the burst (2 records a round). */
	cr_assert_geq(records.count + lost, 2 * MAPPINGS, "delivered %zu + lost %llu",
		      records.count, (unsigned long long)lost);

	cr_assert_eq(kernel_tracer__take_dirty_pids(tracer, dirty, 1024, &dirty_count), 0);
	for (size_t i = 0; i < dirty_count; i++)
		found_self |= dirty[i] == (uint32_t)getpid();
	cr_assert(found_self, "our pid is not among %zu dirty pids", dirty_count);
	/* Taking clears them. */
	cr_assert_eq(kernel_tracer__take_dirty_pids(tracer, dirty, 1024, &dirty_count), 0);
	for (size_t i = 0; i < dirty_count; i++)
		cr_assert_neq(dirty[i], (uint32_t)getpid(), "dirty pid not cleared");

	close(fd);
	support_records_free(&records);
	support_remove_tree(dir);
	kernel_tracer__destroy(tracer);
}

/* A full table of processes to re-read is counted, never an eviction that drops one silently. */
Test(kernel_lost, full_table_of_dirty_processes_is_counted)
{
	uint32_t watched[2] = { (uint32_t)getpid(), 0 };
	/* these two processes only: another one's loss could take the table's one entry first */
	struct mw_kernel_options options = { .ring_buffer_bytes = PAGE,
					     .dirty_process_entries = 1,
					     .pids = watched,
					     .pid_count = 2 };
	struct mw_kernel_tracer *tracer;
	uint32_t dirty[16];
	size_t dirty_count = 0;
	char dir[256], path[300], go;
	int fd, status, pipe_fds[2];
	pid_t child;

	support_make_dir("/dev/shm", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/overflow.index", dir);
	fd = support_create_file(path, PAGE);
	/* the child exists first, so --pid can name it; it maps once when told */
	cr_assert_eq(pipe(pipe_fds), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		close(pipe_fds[1]);
		if (read(pipe_fds[0], &go, 1) != 1)
			_exit(1);
		_exit(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	}
	close(pipe_fds[0]);
	watched[1] = (uint32_t)child;
	tracer = support_load(&options);
	cr_assert_eq(kernel_tracer__dirty_table_full(tracer), 0);
	/* This process fills the ring and the one-entry table; then its child finds no room. */
	for (int i = 0; i < MAPPINGS; i++) {
		void *map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

		cr_assert_neq(map, MAP_FAILED);
		cr_assert_eq(munmap(map, PAGE), 0);
	}
	cr_assert_eq(write(pipe_fds[1], "g", 1), 1);
	close(pipe_fds[1]);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child could not map");
	cr_assert_gt(kernel_tracer__dirty_table_full(tracer), 0,
		     "a refused process was not counted");
	cr_assert_eq(kernel_tracer__take_dirty_pids(tracer, dirty, 16, &dirty_count), 0);
	cr_assert_eq(dirty_count, 1, "the table holds %zu processes", dirty_count);
	cr_assert_eq(dirty[0], (uint32_t)getpid(), "the first process marked was not kept");

	close(fd);
	support_remove_tree(dir);
	kernel_tracer__destroy(tracer);
}
