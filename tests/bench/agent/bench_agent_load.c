// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent under load, in one run: a generator saturating CPU 0 with file
 * mmap/munmap, first unobserved, then with `mapwatch agent` on CPU 1 (its
 * rate kept, the events handled and lost, the agent's CPU from
 * /proc/PID/stat); then the agent's memory per tracked mapping against the
 * kernel's own vm_area_struct, and the memlock of its BPF maps.
 *
 *   bench_agent_load --mapwatch PATH [--seconds S] [--mappings N] [--smoke]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

#define PAGE 4096
#define FILES_FOR_MEMORY 1000
#define MAX_MAP_COUNT_PATH "/proc/sys/vm/max_map_count"

struct settings {
	const char *mapwatch;
	double seconds;
	int mappings;
};

/* Pairs of a 4 KiB shared file mmap+munmap made in seconds, in a child on the workload CPU. */
static double generate(double seconds)
{
	int result[2];
	double pairs = 0;
	pid_t child;

	if (pipe(result))
		bench__die("pipe");
	child = fork();
	if (child < 0)
		bench__die("fork");
	if (child == 0) {
		char path[] = "/tmp/mapwatch-bench-generator.XXXXXX";
		int fd = mkstemp(path);
		uint64_t end = bench__now_ns() + (uint64_t)(seconds * 1e9);
		double done = 0;

		bench__pin_to_cpu(0, BENCH_WORKLOAD_CPU);
		if (fd < 0 || ftruncate(fd, PAGE))
			_exit(1);
		unlink(path);
		while (bench__now_ns() < end) {
			for (int i = 0; i < 256; i++)
				munmap(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), PAGE);
			done += 256;
		}
		if (write(result[1], &done, sizeof(done)) != sizeof(done))
			_exit(1);
		_exit(0);
	}
	close(result[1]);
	if (read(result[0], &pairs, sizeof(pairs)) != sizeof(pairs))
		bench__die("the generator failed");
	close(result[0]);
	waitpid(child, NULL, 0);
	return pairs;
}

static double events_handled(const struct bench_process *agent)
{
	double mmaps = 0, munmaps = 0;

	bench__textfile_value(agent, "mapwatch_events_total", "type=\"mmap\"", &mmaps);
	bench__textfile_value(agent, "mapwatch_events_total", "type=\"munmap\"", &munmaps);
	return mmaps + munmaps;
}

/* The agent's next textfile: SIGUSR1 makes it write, the timestamp tells the new one. */
static void fresh_textfile(const struct bench_process *agent)
{
	double before = 0, now = 0;

	bench__textfile_value(agent, "mapwatch_last_update_timestamp_seconds", NULL, &before);
	kill(agent->pid, SIGUSR1);
	for (int waited = 0; waited < 10000; waited += 10) {
		usleep(10000);
		if (bench__textfile_value(agent, "mapwatch_last_update_timestamp_seconds", NULL,
					  &now) &&
		    now > before)
			return;
	}
	fprintf(stderr, "benchmark: the agent wrote no textfile for 10 s\n");
	exit(1);
}

static void measure_throughput(const struct settings *settings)
{
	struct bench_process agent = { 0 };
	double alone, observed, events_before, events_after = 0, lost = 0, cpu_before, cpu;
	double expected;

	alone = generate(settings->seconds) / settings->seconds;
	if (bench__start_agent(&agent, settings->mapwatch, 1))
		exit(1);
	fresh_textfile(&agent);
	events_before = events_handled(&agent);
	cpu_before = bench__cpu_seconds(agent.pid);
	observed = generate(settings->seconds);
	cpu = (bench__cpu_seconds(agent.pid) - cpu_before) / settings->seconds;
	/* every record the generator caused, once the agent has drained them */
	expected = events_before + 2 * observed;
	for (int attempt = 0; attempt < 50 && events_after < expected; attempt++) {
		fresh_textfile(&agent);
		events_after = events_handled(&agent);
	}
	bench__textfile_value(&agent, "mapwatch_events_lost_total", NULL, &lost);
	bench__stop(&agent);

	bench__table_row("generator: file mmap+munmap pairs per second", "1/s", alone,
			 observed / settings->seconds, BENCH_NONE, "of alone",
			 observed / settings->seconds / alone, ">=0.75x",
			 observed / settings->seconds / alone >= 0.75);
	bench__table_row("events handled per second", "1/s", BENCH_NONE,
			 (events_after - events_before) / settings->seconds, BENCH_NONE, "",
			 BENCH_NONE, ">=500000",
			 (events_after - events_before) / settings->seconds >= 500000);
	bench__table_row("events lost", "", BENCH_NONE, lost, BENCH_NONE, "", BENCH_NONE, "0",
			 lost == 0 && events_after >= expected);
	bench__table_row("agent CPU while generating", "cores", BENCH_NONE, cpu, BENCH_NONE, "",
			 BENCH_NONE, "<=0.25", cpu <= 0.25);
	/* one generator core makes only so many events: what the agent could take, per core */
	bench__report_row("events per agent CPU-second", "1/s", BENCH_NONE,
			  cpu > 0 ? (events_after - events_before) / settings->seconds / cpu
				  : BENCH_NONE,
			  BENCH_NONE);
}

static long read_max_map_count(void)
{
	FILE *file = fopen(MAX_MAP_COUNT_PATH, "r");
	long value = 0;

	if (!file || fscanf(file, "%ld", &value) != 1)
		bench__die(MAX_MAP_COUNT_PATH);
	fclose(file);
	return value;
}

static void write_max_map_count(long value)
{
	FILE *file = fopen(MAX_MAP_COUNT_PATH, "w");

	if (!file || fprintf(file, "%ld\n", value) < 0 || fclose(file))
		bench__die(MAX_MAP_COUNT_PATH);
}

/* vm_area_struct's object size in /proc/slabinfo: what the kernel pays per mapping. */
static double kernel_vma_bytes(void)
{
	FILE *file = fopen("/proc/slabinfo", "r");
	char line[512];
	double size = 0;

	if (!file)
		bench__die("/proc/slabinfo");
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "vm_area_struct %*u %*u %lf", &size) == 1)
			break;
	fclose(file);
	return size;
}

static void measure_memory(const struct settings *settings)
{
	long saved_max_map_count = read_max_map_count();
	struct bench_process agent = { 0 };
	double tracked_before = 0, tracked = 0, rss_before, rss_after, per_mapping, vma;
	char dir[256];
	pid_t holder;

	if (saved_max_map_count < settings->mappings + 1000)
		write_max_map_count(settings->mappings + 1000);
	if (bench__start_agent(&agent, settings->mapwatch, 1))
		exit(1);
	/* the ring buffer's pages are a fixed cost: touch them all before measuring */
	generate(1.0);
	fresh_textfile(&agent);
	bench__textfile_value(&agent, "mapwatch_tracked_mappings", NULL, &tracked_before);
	rss_before = bench__rss_bytes(agent.pid);
	holder = bench__hold_mappings(settings->mappings, FILES_FOR_MEMORY, dir, sizeof(dir));
	for (int attempt = 0; attempt < 100 && tracked < tracked_before + settings->mappings;
	     attempt++) {
		fresh_textfile(&agent);
		bench__textfile_value(&agent, "mapwatch_tracked_mappings", NULL, &tracked);
	}
	rss_after = bench__rss_bytes(agent.pid);
	per_mapping = (rss_after - rss_before) / (tracked - tracked_before);
	vma = kernel_vma_bytes();
	bench__table_row("agent RSS per tracked mapping vs vm_area_struct", "B", vma, per_mapping,
			 BENCH_NONE, "of the kernel's", per_mapping / vma, "<=1.0x",
			 per_mapping / vma <= 1.0 &&
				 tracked >= tracked_before + settings->mappings);
	bench__report_row("kernel-side BPF maps, memlock", "MiB", BENCH_NONE,
			  bench__bpf_map_memlock(agent.pid) / (1024 * 1024), BENCH_NONE);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	bench__remove_tree(dir);
	bench__stop(&agent);
	if (saved_max_map_count < settings->mappings + 1000)
		write_max_map_count(saved_max_map_count);
}

int main(int argc, char **argv)
{
	struct settings settings = { .seconds = 60, .mappings = 100000 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mapwatch") && i + 1 < argc) {
			settings.mapwatch = argv[++i];
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			settings.seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--mappings") && i + 1 < argc) {
			settings.mappings = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--smoke")) {
			settings.seconds = 2;
			settings.mappings = 5000;
		} else {
			settings.mapwatch = NULL;
			break;
		}
	}
	if (!settings.mapwatch || settings.seconds <= 0 || settings.mappings < FILES_FOR_MEMORY) {
		fprintf(stderr,
			"usage: bench_agent_load --mapwatch PATH [--seconds S>0] "
			"[--mappings N>=%d] [--smoke]\n",
			FILES_FOR_MEMORY);
		return 2;
	}
	bench__note(
		"load: a generator saturating CPU 0 for %.0f s, alone then with the agent on CPU 1; "
		"memory over %d mappings of %d files",
		settings.seconds, settings.mappings, FILES_FOR_MEMORY);
	bench__table_header();
	measure_throughput(&settings);
	measure_memory(&settings);
	return 0;
}
