// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What running `mapwatch agent` costs the host's syscalls, against no tracer
 * and against a bpftrace script that tracks file mappings per process, all
 * in one run: rounds of (no tracer, mapwatch, bpftrace), medians over the
 * rounds. The workload runs on CPU 0, the agent or the peer on CPU 1.
 *
 *   bench_agent_cost --mapwatch PATH --peer SCRIPT [--rounds N] [--smoke] [--bpf-stats]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench_common.h"

#define PAGE 4096
#define ROUNDS_MAX 16
#define TRACKED_FOR_UNLINK 10000

/*
 * The first MODES_ROTATED take turns each round; the runs with 10,000 files
 * mapped happen inside the no-tracer and mapwatch turns.
 */
enum mode {
	MODE_NONE,
	MODE_FLOOR,
	MODE_MAPWATCH,
	MODE_PEER,
	MODE_NONE_HOLDING,
	MODE_MAPWATCH_TRACKING,
	MODE_COUNT
};
#define MODES_ROTATED 4

enum figure {
	PAIR_MEAN,
	PAIR_P99,
	GETPPID,
	UNLINK_DISK,
	UNLINK_TMPFS,
	RENAME_DISK,
	FORK_EXIT,
	FORK_EXEC,
	FIGURE_COUNT
};

struct settings {
	const char *mapwatch;
	const char *peer_script;
	int rounds;
	bool smoke;
	bool bpf_stats;
	int pairs, getppid_calls, unlinks, forks, execs;
};

static double figures[MODE_COUNT][FIGURE_COUNT][ROUNDS_MAX];

/* The Kafka index's life in miniature: a 4 KiB shared mapping of an open file, made and removed. */
static void measure_pairs(const struct settings *settings, double *mean, double *p99)
{
	double *samples = calloc((size_t)settings->pairs, sizeof(*samples));
	char path[] = "/tmp/mapwatch-bench-pair.XXXXXX";
	int fd = mkstemp(path);

	if (!samples || fd < 0 || ftruncate(fd, PAGE))
		bench__die("pair setup");
	for (int i = 0; i < settings->pairs / 10; i++) /* warm up caches and the agent's state */
		munmap(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), PAGE);
	for (int i = 0; i < settings->pairs; i++) {
		uint64_t start = bench__now_ns();
		void *mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

		if (mapping == MAP_FAILED)
			bench__die("mmap");
		munmap(mapping, PAGE);
		samples[i] = (double)(bench__now_ns() - start);
	}
	*mean = bench__mean(samples, (size_t)settings->pairs);
	*p99 = bench__percentile(samples, (size_t)settings->pairs, 99);
	close(fd);
	unlink(path);
	free(samples);
}

/* A syscall mapwatch does not hook: what every syscall pays once any syscall tracepoint is on. */
static double measure_getppid(const struct settings *settings)
{
	uint64_t start = bench__now_ns();

	for (int i = 0; i < settings->getppid_calls; i++)
		syscall(SYS_getppid);
	return (double)(bench__now_ns() - start) / settings->getppid_calls;
}

/* Mean time of unlink(), or rename() to a new name, of files nobody maps. */
static double measure_path_syscall(const char *parent, int count, bool rename_it)
{
	double *samples = calloc((size_t)count, sizeof(*samples));
	char dir[256], path[320], renamed[330];
	double mean;

	if (!samples)
		bench__die("calloc");
	bench__make_dir(parent, dir, sizeof(dir));
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%020d.log", dir, i);
		close(bench__create_file(path, 0));
	}
	for (int i = 0; i < count; i++) {
		uint64_t start;
		int err;

		snprintf(path, sizeof(path), "%s/%020d.log", dir, i);
		snprintf(renamed, sizeof(renamed), "%s.deleted", path);
		start = bench__now_ns();
		err = rename_it ? rename(path, renamed) : unlink(path);
		samples[i] = (double)(bench__now_ns() - start);
		if (err)
			bench__die(rename_it ? "rename" : "unlink");
	}
	mean = bench__mean(samples, (size_t)count);
	bench__remove_tree(dir);
	free(samples);
	return mean;
}

/* Mean microseconds of a fork whose child exits at once (exec: runs /bin/true), waited for. */
static double measure_fork(int count, bool exec_true)
{
	uint64_t start = bench__now_ns();

	for (int i = 0; i < count; i++) {
		pid_t child = fork();

		if (child < 0)
			bench__die("fork");
		if (child == 0) {
			if (exec_true)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		waitpid(child, NULL, 0);
	}
	return (double)(bench__now_ns() - start) / count / 1e3;
}

static void measure_all(const struct settings *settings, enum mode mode, int round)
{
	double(*figure)[ROUNDS_MAX] = figures[mode];

	measure_pairs(settings, &figure[PAIR_MEAN][round], &figure[PAIR_P99][round]);
	figure[GETPPID][round] = measure_getppid(settings);
	figure[UNLINK_DISK][round] = measure_path_syscall("/tmp", settings->unlinks, false);
	figure[UNLINK_TMPFS][round] = measure_path_syscall("/dev/shm", settings->unlinks, false);
	figure[RENAME_DISK][round] = measure_path_syscall("/tmp", settings->unlinks, true);
	figure[FORK_EXIT][round] = measure_fork(settings->forks, false);
	figure[FORK_EXEC][round] = measure_fork(settings->execs, true);
}

/*
 * Unlinks on tmpfs while another process maps 10,000 files of its own: the
 * kernel's own cost moves with them too, so it is measured without a tracer
 * as well.
 */
static void measure_holding(const struct settings *settings, enum mode mode, int round)
{
	char dir[256];
	pid_t holder =
		bench__hold_mappings(TRACKED_FOR_UNLINK, TRACKED_FOR_UNLINK, dir, sizeof(dir));

	sleep(2); /* the agent files all 10,000 */
	figures[mode][UNLINK_TMPFS][round] =
		measure_path_syscall("/dev/shm", settings->unlinks, false);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	bench__remove_tree(dir);
}

/* One mode of one round: start what it observes with, measure, stop it. */
static int measure_mode(const struct settings *settings, enum mode mode, int round)
{
	struct bench_process observer = { 0 };

	if (mode == MODE_NONE) {
		measure_all(settings, MODE_NONE, round);
		measure_holding(settings, MODE_NONE_HOLDING, round);
		return 0;
	}
	if (mode == MODE_PEER || mode == MODE_FLOOR) {
		if (mode == MODE_PEER ? bench__start_bpftrace(&observer, settings->peer_script)
				      : bench__start_floor(&observer, FLOOR_TRACER_BINARY))
			return -1;
		measure_all(settings, mode, round);
		bench__stop(&observer);
		return 0;
	}
	if (bench__start_agent(&observer, settings->mapwatch, 1))
		return -1;
	measure_all(settings, MODE_MAPWATCH, round);
	/* each of its own file: 10,000 inodes filed */
	measure_holding(settings, MODE_MAPWATCH_TRACKING, round);
	bench__stop(&observer);
	return 0;
}

static double median(enum mode mode, enum figure figure, int rounds)
{
	double values[ROUNDS_MAX];

	memcpy(values, figures[mode][figure], sizeof(double) * (size_t)rounds);
	return bench__percentile(values, (size_t)rounds, 50);
}

static void print_ratio_row(const char *workload, const char *unit, enum figure figure, int rounds,
			    double goal, const char *goal_text, bool below_peer)
{
	double base = median(MODE_NONE, figure, rounds),
	       ours = median(MODE_MAPWATCH, figure, rounds);
	double peer = median(MODE_PEER, figure, rounds);
	double floor_value = median(MODE_FLOOR, figure, rounds);
	double ratio = ours / base;
	bool met = ratio <= goal && (!below_peer || ours < peer);

	bench__table_row_floored(workload, unit, base, floor_value, ours, peer, "of baseline",
				 ratio, goal_text, goal_text ? met : BENCH_NO_GOAL);
}

static void print_table(const struct settings *settings)
{
	int rounds = settings->rounds;
	/* mapwatch's share of an unlink, with 10,000 tracked inodes and with none */
	double share_none = median(MODE_MAPWATCH, UNLINK_TMPFS, rounds) /
			    median(MODE_NONE, UNLINK_TMPFS, rounds);
	double holding_base = median(MODE_NONE_HOLDING, UNLINK_TMPFS, rounds),
	       holding_ours = median(MODE_MAPWATCH_TRACKING, UNLINK_TMPFS, rounds);
	double share_many = holding_ours / holding_base;

	print_ratio_row("4 KiB shared file mmap+munmap, mean", "ns", PAIR_MEAN, rounds, 1.25,
			"<=1.25x, < peer", true);
	print_ratio_row("4 KiB shared file mmap+munmap, p99", "ns", PAIR_P99, rounds, 1.5, "<=1.5x",
			false);
	print_ratio_row("getppid (not hooked)", "ns", GETPPID, rounds, 1.10, "<=1.10x", false);
	print_ratio_row("unlink, file not mapped, ext4", "ns", UNLINK_DISK, rounds, 1.05, "<=1.05x",
			false);
	print_ratio_row("unlink, file not mapped, tmpfs", "ns", UNLINK_TMPFS, rounds, 1.05,
			"<=1.05x", false);
	print_ratio_row("rename, file not mapped, ext4", "ns", RENAME_DISK, rounds, 1.05, "<=1.05x",
			false);
	bench__table_row("unlink tmpfs, 10k files mapped elsewhere", "ns", holding_base,
			 holding_ours, BENCH_NONE, "of baseline", share_many, "-", BENCH_NO_GOAL);
	bench__table_row("unlink tmpfs, 10k tracked inodes vs none", "-", share_none, share_many,
			 BENCH_NONE, "of none", share_many / share_none, "<=1.05x",
			 share_many / share_none <= 1.05);
	print_ratio_row("fork, child exits, waited", "us", FORK_EXIT, rounds, 0, NULL, false);
	print_ratio_row("fork + exec /bin/true, waited", "us", FORK_EXEC, rounds, 0, NULL, false);
	bench__report_row("fork: added by mapwatch", "us", BENCH_NONE,
			  median(MODE_MAPWATCH, FORK_EXIT, rounds) -
				  median(MODE_NONE, FORK_EXIT, rounds),
			  BENCH_NONE);
	bench__report_row("fork + exec: added by mapwatch", "us", BENCH_NONE,
			  median(MODE_MAPWATCH, FORK_EXEC, rounds) -
				  median(MODE_NONE, FORK_EXEC, rounds),
			  BENCH_NONE);
}

static void report_program_cost(const struct bpf_prog_info *info, void *context)
{
	char workload[64];

	(void)context;
	if (!info->run_cnt ||
	    (info->type != BPF_PROG_TYPE_TRACEPOINT && info->type != BPF_PROG_TYPE_RAW_TRACEPOINT &&
	     info->type != BPF_PROG_TYPE_SYSCALL))
		return;
	snprintf(workload, sizeof(workload), "BPF program %s, per run", info->name);
	bench__report_row(workload, "ns", BENCH_NONE,
			  (double)info->run_time_ns / (double)info->run_cnt, BENCH_NONE);
}

/* Run time per call of every program the agent attached, from kernel.bpf_stats_enabled. */
static void print_program_costs(const struct settings *settings)
{
	struct bench_process agent = { 0 };
	FILE *stats = fopen("/proc/sys/kernel/bpf_stats_enabled", "r+");
	int was_enabled = 0;

	if (!stats || fscanf(stats, "%d", &was_enabled) != 1)
		bench__die("/proc/sys/kernel/bpf_stats_enabled");
	rewind(stats);
	fprintf(stats, "1\n");
	fflush(stats);
	if (bench__start_agent(&agent, settings->mapwatch, 1))
		exit(1);
	measure_all(settings, MODE_MAPWATCH, 0);
	bench__note(
		"per-program run time: kernel.bpf_stats_enabled=1 adds ~45 ns of its own to each");
	bench__for_each_program(report_program_cost, NULL);
	bench__stop(&agent);
	rewind(stats);
	fprintf(stats, "%d\n", was_enabled);
	fclose(stats);
}

static int parse(int argc, char **argv, struct settings *settings)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mapwatch") && i + 1 < argc)
			settings->mapwatch = argv[++i];
		else if (!strcmp(argv[i], "--peer") && i + 1 < argc)
			settings->peer_script = argv[++i];
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			settings->rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--smoke"))
			settings->smoke = true;
		else if (!strcmp(argv[i], "--bpf-stats"))
			settings->bpf_stats = true;
		else
			return -EINVAL;
	}
	if (!settings->mapwatch || !settings->peer_script || settings->rounds < 1 ||
	    settings->rounds > ROUNDS_MAX)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct settings settings = {
		.rounds = 9,
		.pairs = 200000,
		.getppid_calls = 2000000,
		.unlinks = 5000,
		.forks = 1000,
		.execs = 400,
	};

	if (parse(argc, argv, &settings)) {
		fprintf(stderr,
			"usage: bench_agent_cost --mapwatch PATH --peer SCRIPT "
			"[--rounds 1..%d] [--smoke] [--bpf-stats]\n",
			ROUNDS_MAX);
		return 2;
	}
	if (settings.smoke) {
		settings.rounds = 1;
		settings.pairs = 2000;
		settings.getppid_calls = 20000;
		settings.unlinks = 200;
		settings.forks = 20;
		settings.execs = 10;
	}
	if (bench__foreign_tracers())
		fprintf(stderr,
			"benchmark: warning: %d tracepoint programs are attached already; "
			"the figures include them\n",
			bench__foreign_tracers());
	bench__pin_to_cpu(0, BENCH_WORKLOAD_CPU);
	bench__note(
		"syscalls: median of %d rounds of (no tracer; floor: empty programs on "
		"mapwatch's tracepoints; mapwatch agent; bpftrace %s), each round in another order; "
		"workload on CPU 0, tracer on CPU 1",
		settings.rounds, settings.peer_script);
	bench__note("10k tracked: unlinks while another process maps 10,000 files of its own, "
		    "without a tracer and under mapwatch; compared: mapwatch's share "
		    "(mapwatch / no tracer) then and with nothing mapped");
	for (int round = 0; round < settings.rounds; round++) {
		/* each round starts with another mode: no mode always runs on a warmer machine */
		for (int turn = 0; turn < MODES_ROTATED; turn++) {
			enum mode mode = (enum mode)((round + turn) % MODES_ROTATED);

			if (measure_mode(&settings, mode, round))
				return 1;
		}
	}
	bench__table_header();
	print_table(&settings);
	if (settings.bpf_stats)
		print_program_costs(&settings);
	return 0;
}
