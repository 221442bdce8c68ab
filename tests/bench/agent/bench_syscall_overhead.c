// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What mapwatch costs the traced host: the time of the syscalls it hooks,
 * without the BPF programs and with them attached (events drained as the
 * agent drains them), side by side in one run, as ratios.
 *
 *   bench_syscall_overhead [--iterations N] [--repeats R]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "kernel_tracer.h"

struct workload {
	const char *name;
	void (*run)(const char *directory, int iterations);
};

static double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_syscall_overhead: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A file mapping made and removed: the Kafka index's life in miniature. */
static void run_mmap_munmap(const char *directory, int iterations)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/mapped", directory);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 1 << 16))
		die("open");
	for (int i = 0; i < iterations; i++) {
		void *map = mmap(NULL, 1 << 16, PROT_READ, MAP_SHARED, fd, 0);

		if (map == MAP_FAILED)
			die("mmap");
		munmap(map, 1 << 16);
	}
	close(fd);
	unlink(path);
}

/* Anonymous memory: filtered in the kernel, never sent. */
static void run_anonymous(const char *directory, int iterations)
{
	(void)directory;
	for (int i = 0; i < iterations; i++) {
		void *map = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (map == MAP_FAILED)
			die("mmap");
		munmap(map, 1 << 16);
	}
}

/* Files created and unlinked, none of them mapped: the deletion check's cost. */
static void run_create_unlink(const char *directory, int iterations)
{
	char path[256];

	for (int i = 0; i < iterations; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", directory, i & 1023);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			die("open");
		close(fd);
		unlink(path);
	}
}

/* A syscall mapwatch does not hook: the floor every syscall pays once any tracepoint is on. */
static void run_getppid(const char *directory, int iterations)
{
	(void)directory;
	for (int i = 0; i < iterations; i++)
		(void)getppid();
}

static const struct workload workloads[] = {
	{ "mmap+munmap (file)", run_mmap_munmap },
	{ "mmap+munmap (anonymous)", run_anonymous },
	{ "open+unlink (unmapped)", run_create_unlink },
	{ "getppid (not hooked)", run_getppid },
};

static int count_record(void *context, const void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(unsigned long *)context)++;
	return 0;
}

static int compare_doubles(const void *left, const void *right)
{
	double a = *(const double *)left, b = *(const double *)right;

	return a < b ? -1 : a > b;
}

/* Median nanoseconds per iteration over repeats; drains in between like the agent does. */
static double measure(const struct workload *workload, const char *directory, int iterations,
		      int repeats, struct mw_kernel_tracer *tracer, unsigned long *records)
{
	double samples[64];

	for (int r = 0; r < repeats; r++) {
		double start = now_seconds();

		workload->run(directory, iterations);
		samples[r] = (now_seconds() - start) * 1e9 / iterations;
		if (tracer)
			kernel_tracer__drain(tracer, count_record, records);
	}
	qsort(samples, (size_t)repeats, sizeof(samples[0]), compare_doubles);
	return samples[repeats / 2];
}

int main(int argc, char **argv)
{
	struct mw_kernel_options options = { .ring_buffer_bytes = 8u << 20 };
	struct mw_kernel_tracer *tracer = NULL;
	double without[sizeof(workloads) / sizeof(workloads[0])];
	int iterations = 20000, repeats = 7;
	/* tmpfs: no disk latency in the figures, only the syscalls and the programs. */
	char directory[] = "/dev/shm/mapwatch-bench.XXXXXX";
	unsigned long records = 0;
	uint64_t lost = 0;
	char error[512];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--iterations"))
			iterations = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeats"))
			repeats = atoi(argv[i + 1]);
	}
	if (iterations < 1 || repeats < 1 || repeats > 64) {
		fprintf(stderr, "usage: bench_syscall_overhead [--iterations N>0] [--repeats 1..64]\n");
		return 2;
	}
	if (!mkdtemp(directory))
		die("mkdtemp");

	/* Warm the dentry and page caches first, or the first column pays for them. */
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		workloads[i].run(directory, iterations);
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		without[i] = measure(&workloads[i], directory, iterations, repeats, NULL, NULL);

	if (kernel_tracer__open(&tracer, &options, error, sizeof(error))) {
		fprintf(stderr, "bench_syscall_overhead: %s\n", error);
		rmdir(directory);
		return 1;
	}
	printf("syscall cost, median of %d runs of %d iterations (ns per iteration)\n", repeats,
	       iterations);
	printf("%-26s %12s %12s %8s\n", "workload", "no mapwatch", "mapwatch", "ratio");
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		double with = measure(&workloads[i], directory, iterations, repeats, tracer,
				      &records);

		printf("%-26s %12.0f %12.0f %7.2fx\n", workloads[i].name, without[i], with,
		       with / without[i]);
	}
	kernel_tracer__drain(tracer, count_record, &records);
	kernel_tracer__lost_events(tracer, &lost);
	printf("records delivered: %lu, lost: %llu\n", records, (unsigned long long)lost);
	kernel_tracer__destroy(tracer);
	rmdir(directory);
	return 0;
}
