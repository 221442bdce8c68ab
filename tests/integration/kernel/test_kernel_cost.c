// SPDX-License-Identifier: GPL-2.0
/* What deletion detection costs the unlinking task, and that it does not grow with tracked inodes. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096
#define TRACKED_INODES 10000
#define UNLINKS 3000
/*
 * Rounds of both measurements, each with a tracer loaded afresh: the quickest
 * of each kind is compared, since other work on a busy machine only ever adds
 * time, and it comes and goes between the two.
 */
#define ROUNDS 3

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median time of unlink() on files nobody maps. */
static uint64_t median_unlink_ns(const char *dir, const char *tag)
{
	static uint64_t took[UNLINKS];
	char path[300];

	for (int i = 0; i < UNLINKS; i++) {
		snprintf(path, sizeof(path), "%s/%s-%d.log", dir, tag, i);
		close(support_create_file(path, 0));
	}
	for (int i = 0; i < UNLINKS; i++) {
		uint64_t start;

		snprintf(path, sizeof(path), "%s/%s-%d.log", dir, tag, i);
		start = support_now_ns();
		cr_assert_eq(unlink(path), 0);
		took[i] = support_now_ns() - start;
	}
	qsort(took, UNLINKS, sizeof(took[0]), compare_u64);
	return took[UNLINKS / 2];
}

static int discard(void *context, const void *data, size_t size)
{
	(void)context;
	(void)data;
	(void)size;
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

Test(kernel_cost, unlink_cost_does_not_grow_with_tracked_inodes, .timeout = 240)
{
	static void *mappings[TRACKED_INODES];
	uint64_t untraced, none_tracked = UINT64_MAX, many_tracked = UINT64_MAX, load_started;
	char dir[256], path[300];

	support_make_dir("/dev/shm", dir, sizeof(dir));
	untraced = median_unlink_ns(dir, "untraced");
	for (int round = 0; round < ROUNDS; round++) {
		struct mw_kernel_tracer *tracer;

		load_started = support_now_ns();
		tracer = support_load(NULL);
		fprintf(stderr, "open+load+attach: %.0f ms\n",
			(support_now_ns() - load_started) / 1e6);
		none_tracked = min_u64(none_tracked, median_unlink_ns(dir, "none"));

		for (int i = 0; i < TRACKED_INODES; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/%020d.index", dir, i);
			fd = support_create_file(path, PAGE);
			mappings[i] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
			cr_assert_neq(mappings[i], MAP_FAILED);
			close(fd);
			if (i % 1000 == 0)
				kernel_tracer__drain(tracer, discard, NULL);
		}
		kernel_tracer__drain(tracer, discard, NULL);
		many_tracked = min_u64(many_tracked, median_unlink_ns(dir, "many"));
		for (int i = 0; i < TRACKED_INODES; i++)
			munmap(mappings[i], PAGE);
		kernel_tracer__destroy(tracer);
	}

	fprintf(stderr,
		"unlink median: %.2f us without tracer, %.2f us traced with 0 tracked inodes, %.2f us with %d\n",
		untraced / 1e3, none_tracked / 1e3, many_tracked / 1e3, TRACKED_INODES);
	/* a walk over 10,000 inodes would cost hundreds of microseconds per unlink */
	cr_assert_lt(many_tracked, none_tracked * 3 / 2 + 2000,
		     "unlink took %llu ns with %d tracked inodes, %llu ns with none",
		     (unsigned long long)many_tracked, TRACKED_INODES,
		     (unsigned long long)none_tracked);
	support_remove_tree(dir);
}
