// SPDX-License-Identifier: GPL-2.0
/* Records the ring buffer cannot take are counted, and their process is marked for a re-read. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096
/* One page of ring buffer holds ~17 mmap records: 2,000 mappings overflow it many times over. */
#define MAPPINGS 2000

Test(kernel_lost, overflow_is_counted_and_the_process_marked_dirty)
{
	struct mw_kernel_options options = { .ring_buffer_bytes = PAGE };
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
