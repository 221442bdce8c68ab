// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Detection latency: from unlink() returning to the orphan being in the
 * agent's state (the tracker has the file deleted), not merely the record
 * reaching epoll. The agent's own collector runs here, on CPU 1, drained as
 * the agent drains it; a worker thread on CPU 0 maps a fresh file, unlinks
 * it and notes the time, idle and under a generator saturating CPU 0.
 *
 *   bench_detection_latency [--samples N] [--smoke]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "collector.h"
#include "event_loop.h"

#define PAGE 4096
/* The agent's drain period when no record wakes it. */
#define DRAIN_PERIOD_SECONDS 0.05

struct probe {
	struct mw_collector *collector;
	struct mw_event_loop *loop;
	int published; /* eventfd: the worker unlinked a file */
	int acknowledged; /* eventfd: the loop saw it deleted */
	_Atomic uint64_t unlinked_ns; /* 0: nothing waiting */
	uint32_t dev;
	uint64_t ino;
	double *latencies_ms;
	int samples;
	int taken;
	bool failed;
};

/* After every drain and every publication: is the waiting file deleted in the agent's state? */
static void look(struct probe *probe)
{
	uint64_t unlinked = atomic_load(&probe->unlinked_ns), now, one = 1;

	if (!unlinked || !collector__file_deleted(probe->collector, probe->dev, probe->ino))
		return;
	now = bench__now_ns();
	/* the record can be applied before unlink() has returned to the worker */
	probe->latencies_ms[probe->taken++] = now > unlinked ? (double)(now - unlinked) / 1e6 : 0;
	atomic_store(&probe->unlinked_ns, 0);
	if (write(probe->acknowledged, &one, sizeof(one)) != sizeof(one))
		probe->failed = true;
	if (probe->taken == probe->samples)
		event_loop__stop(probe->loop);
}

static int on_ring_buffer(struct mw_event_loop *loop, int fd, void *context)
{
	(void)loop;
	(void)fd;
	if (collector__drain(((struct probe *)context)->collector))
		return -EIO;
	look(context);
	return 0;
}

static int on_drain_timer(struct mw_event_loop *loop, int fd, void *context)
{
	event_loop__ack_timer(fd);
	return on_ring_buffer(loop, fd, context);
}

static int on_published(struct mw_event_loop *loop, int fd, void *context)
{
	uint64_t count;

	(void)loop;
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return -EIO;
	look(context);
	return 0;
}

static void *worker(void *context)
{
	struct probe *probe = context;
	char dir[256], path[320];

	bench__pin_to_cpu(0, BENCH_WORKLOAD_CPU);
	bench__make_dir("/tmp", dir, sizeof(dir));
	for (int i = 0; i < probe->samples && !probe->failed; i++) {
		struct stat status;
		uint64_t one = 1, seen;
		int fd;
		void *mapping;

		snprintf(path, sizeof(path), "%s/%020d.index", dir, i);
		fd = bench__create_file(path, PAGE);
		mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (mapping == MAP_FAILED || fstat(fd, &status))
			bench__die("mmap");
		close(fd);
		probe->dev = (uint32_t)(major(status.st_dev) << 20 | minor(status.st_dev));
		probe->ino = status.st_ino;
		usleep(2000); /* not back to back: each sample on its own */
		if (unlink(path))
			bench__die("unlink");
		atomic_store(&probe->unlinked_ns, bench__now_ns());
		if (write(probe->published, &one, sizeof(one)) != sizeof(one) ||
		    read(probe->acknowledged, &seen, sizeof(seen)) != sizeof(seen))
			probe->failed = true;
		munmap(mapping, PAGE);
	}
	bench__remove_tree(dir);
	return NULL;
}

/* Saturates the workload CPU with file mmap/munmap until killed. */
static pid_t start_generator(void)
{
	pid_t child = fork();

	if (child < 0)
		bench__die("fork");
	if (child == 0) {
		char path[] = "/tmp/mapwatch-bench-generator.XXXXXX";
		int fd = mkstemp(path);

		bench__pin_to_cpu(0, BENCH_WORKLOAD_CPU);
		if (fd < 0 || ftruncate(fd, PAGE))
			_exit(1);
		unlink(path);
		for (;;)
			munmap(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), PAGE);
	}
	return child;
}

static int measure(struct mw_collector *collector, int samples, double *latencies_ms)
{
	struct probe probe = { .collector = collector,
			       .samples = samples,
			       .latencies_ms = latencies_ms };
	pthread_t thread;
	int err;

	probe.published = eventfd(0, EFD_CLOEXEC);
	probe.acknowledged = eventfd(0, EFD_CLOEXEC);
	err = event_loop__new(&probe.loop);
	if (!err)
		err = event_loop__add(probe.loop, collector__ring_buffer_fd(collector),
				      on_ring_buffer, &probe);
	if (!err)
		err = event_loop__add(probe.loop, probe.published, on_published, &probe);
	if (!err)
		err = event_loop__add_timer(probe.loop, DRAIN_PERIOD_SECONDS, on_drain_timer,
					    &probe, NULL);
	if (err || pthread_create(&thread, NULL, worker, &probe))
		bench__die("event loop");
	err = event_loop__run(probe.loop);
	if (err) {
		/* let the worker finish its sample and go */
		uint64_t one = 1;

		probe.failed = true;
		if (write(probe.acknowledged, &one, sizeof(one)) != sizeof(one))
			bench__die("eventfd");
	}
	pthread_join(thread, NULL);
	event_loop__destroy(probe.loop);
	close(probe.published);
	close(probe.acknowledged);
	return err ? err : probe.failed ? -EIO : 0;
}

static void print_rows(const char *what, double *latencies_ms, int samples, double goal_ms)
{
	char workload[96], goal[32];
	double p50 = bench__percentile(latencies_ms, (size_t)samples, 50);
	double p99 = bench__percentile(latencies_ms, (size_t)samples, 99);

	snprintf(workload, sizeof(workload), "unlink -> orphan in agent state, %s, p50", what);
	bench__report_row(workload, "ms", BENCH_NONE, p50, BENCH_NONE);
	snprintf(workload, sizeof(workload), "unlink -> orphan in agent state, %s, p99", what);
	snprintf(goal, sizeof(goal), "<=%g ms", goal_ms);
	bench__table_row(workload, "ms", BENCH_NONE, p99, BENCH_NONE, "", BENCH_NONE, goal,
			 p99 <= goal_ms);
}

int main(int argc, char **argv)
{
	struct mw_options options = { .command = MW_COMMAND_AGENT, .interval_seconds = 1 };
	struct mw_collector *collector;
	int samples = 300;
	double *latencies_ms;
	char error[512];
	pid_t generator;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--samples") && i + 1 < argc) {
			samples = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--smoke")) {
			samples = 20;
		} else {
			samples = 0;
			break;
		}
	}
	if (samples < 1) {
		fprintf(stderr, "usage: bench_detection_latency [--samples N>0] [--smoke]\n");
		return 2;
	}
	latencies_ms = calloc((size_t)samples, sizeof(*latencies_ms));
	if (!latencies_ms)
		bench__die("calloc");
	bench__pin_to_cpu(0, BENCH_OBSERVER_CPU);
	if (collector__open(&collector, &options, error, sizeof(error))) {
		fprintf(stderr, "bench_detection_latency: %s\n", error);
		return 1;
	}
	bench__note("detection latency: %d unlinks each, the agent's collector on CPU %d, the "
		    "unlinking thread and any load on CPU 0",
		    samples, BENCH_OBSERVER_CPU);
	bench__table_header();
	if (measure(collector, samples, latencies_ms))
		bench__die("idle run");
	print_rows("idle", latencies_ms, samples, 1);
	generator = start_generator();
	if (measure(collector, samples, latencies_ms))
		bench__die("loaded run");
	kill(generator, SIGKILL);
	waitpid(generator, NULL, 0);
	print_rows("CPU 0 saturated by mmap", latencies_ms, samples, 10);
	collector__destroy(collector);
	free(latencies_ms);
	return 0;
}
