// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Startup scan: `mapwatch scan` over a host of many processes with many file
 * mappings, against the floor (reading every /proc/PID/maps and nothing else)
 * and against the tools an SRE would reach for (lsof, lsfd), all in one run.
 * Then the time from `mapwatch agent` starting to its first complete snapshot
 * on the same host.
 *
 * Two layouts: one set of files inherited by every process (the cheapest case
 * for anything that caches per inode), and files of each process's own.
 *
 * usage: bench_scan [--processes N] [--mappings M] [--rounds R]
 *                   [--layout shared|distinct|both] [--directory DIR]
 *                   [--mapwatch PATH] [--raw-reader PATH] [--no-agent] [--smoke]
 * Root: map_files, lsof's view of every process and the agent's BPF programs need it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "agent_start.h"
#include "bench_table.h"
#include "maps_walk.h"
#include "scan_fixture.h"
#include "snapshot_check.h"
#include "timed_run.h"

/* shared files cost a stat once; distinct ones a stat each (the stale rule needs sizes) */
#define GOAL_VERSUS_RAW_SHARED 1.5
#define GOAL_VERSUS_RAW_DISTINCT 2.5
#define GOAL_VERSUS_LSOF 0.1
#define AGENT_TIMEOUT_SECONDS 120.0

enum tool_id { TOOL_RAW, TOOL_SCAN_TEXT, TOOL_SCAN_JSON, TOOL_LSOF, TOOL_LSFD, TOOLS };

struct tool {
	const char *name;
	char *argv[4];
	bool available;
};

struct settings {
	long processes;
	long mappings;
	long rounds;
	bool layouts[2]; /* by enum scan_fixture_layout */
	const char *directory;
	const char *mapwatch;
	const char *raw_reader;
	bool agent;
};

struct layout_result {
	bool measured;
	unsigned long host_vmas;
	double median[TOOLS]; /* seconds */
	bool agent_measured;
	double agent_median;
};

static const char *const layout_names[] = { "shared files", "distinct files" };

static volatile sig_atomic_t stop_signal;
static struct scan_fixture *active_fixture;
static char work_directory[] = "/tmp/mapwatch-bench-work-XXXXXX";

static void on_signal(int signal_number)
{
	stop_signal = signal_number;
	timed_run__kill_running();
	if (active_fixture)
		scan_fixture__kill(active_fixture);
}

static bool in_path(const char *program)
{
	const char *path = getenv("PATH");
	char candidate[4096];

	while (path && *path) {
		size_t length = strcspn(path, ":");

		snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)length, path, program);
		if (access(candidate, X_OK) == 0)
			return true;
		path += length + (path[length] == ':');
	}
	return false;
}

static void work_file(char *out, size_t size, const char *tool, const char *what)
{
	snprintf(out, size, "%s/%s.%s", work_directory, tool, what);
}

static void remove_work_directory(void)
{
	DIR *directory = opendir(work_directory);
	struct dirent *entry;

	if (!directory)
		return;
	while ((entry = readdir(directory)))
		if (entry->d_name[0] != '.')
			unlinkat(dirfd(directory), entry->d_name, 0);
	closedir(directory);
	rmdir(work_directory);
}

/* Every VMA on the host as the kernel lists them, to say how big the walk is. */
static unsigned long count_host_vmas(void)
{
	struct maps_walk_totals totals;

	return maps_walk__read_all(true, &totals) ? 0 : totals.lines;
}

static void print_stderr_of(const char *tool)
{
	char path[PATH_MAX], line[512];
	FILE *file;

	work_file(path, sizeof(path), tool, "err");
	file = fopen(path, "r");
	for (int i = 0; file && i < 5 && fgets(line, sizeof(line), file); i++)
		fprintf(stderr, "  %s: %s", tool, line);
	if (file)
		fclose(file);
}

/*
 * Runs each tool once with its output kept and checks that it saw the whole
 * fixture: a tool that skipped part of the work would be timed unfairly fast.
 */
static int verify_outputs(const struct tool *tools, const struct scan_fixture *fixture)
{
	/* lsfd (util-linux 2.38) leaves out mappings of deleted files; lsof shows them as DEL */
	long live_mappings = fixture->orphan_holders * (fixture->mappings - 1);

	for (int t = 0; t < TOOLS; t++) {
		char out[PATH_MAX], err[PATH_MAX];
		double seconds;
		long seen;
		int status;

		if (!tools[t].available)
			continue;
		work_file(out, sizeof(out), tools[t].name, "out");
		work_file(err, sizeof(err), tools[t].name, "err");
		status = timed_run__run(tools[t].argv, out, err, &seconds);
		if (stop_signal)
			return -EINTR;
		if (status != 0) {
			fprintf(stderr, "bench_scan: %s exited with status %d\n", tools[t].name,
				status);
			print_stderr_of(tools[t].name);
			return -ECHILD;
		}
		switch (t) {
		case TOOL_SCAN_JSON:
			seen = snapshot_check__orphan_holders(out, fixture->directory);
			if (seen != fixture->orphan_holders) {
				fprintf(stderr,
					"bench_scan: scan --json listed %ld of %ld orphan holders\n",
					seen, fixture->orphan_holders);
				return -EPROTO;
			}
			break;
		case TOOL_SCAN_TEXT:
			seen = snapshot_check__lines_containing(out, fixture->directory);
			if (seen != fixture->orphan_holders) {
				fprintf(stderr, "bench_scan: scan listed %ld of %ld orphans\n",
					seen, fixture->orphan_holders);
				return -EPROTO;
			}
			break;
		case TOOL_LSOF:
		case TOOL_LSFD:
			seen = snapshot_check__lines_containing(out, fixture->directory);
			if (seen < live_mappings) {
				fprintf(stderr,
					"bench_scan: %s listed %ld of %ld live fixture file mappings\n",
					tools[t].name, seen, live_mappings);
				return -EPROTO;
			}
			break;
		}
	}
	return 0;
}

static int compare_doubles(const void *left, const void *right)
{
	double a = *(const double *)left, b = *(const double *)right;

	return a < b ? -1 : a > b;
}

static double median_of(double *values, long count)
{
	qsort(values, count, sizeof(*values), compare_doubles);
	return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

/* The tools take turns within each round, so that drift on the host hits all alike. */
static int time_tools(const struct tool *tools, long rounds, struct layout_result *result)
{
	double *times = calloc(TOOLS * rounds, sizeof(*times));

	if (!times)
		return -ENOMEM;
	for (long round = 0; round < rounds; round++) {
		for (int t = 0; t < TOOLS; t++) {
			char err[PATH_MAX];
			int status;

			if (!tools[t].available)
				continue;
			work_file(err, sizeof(err), tools[t].name, "err");
			status = timed_run__run(tools[t].argv, "/dev/null", err,
						&times[t * rounds + round]);
			if (stop_signal || status != 0) {
				if (!stop_signal) {
					fprintf(stderr, "bench_scan: %s exited with status %d\n",
						tools[t].name, status);
					print_stderr_of(tools[t].name);
				}
				free(times);
				return stop_signal ? -EINTR : -ECHILD;
			}
		}
	}
	for (int t = 0; t < TOOLS; t++)
		if (tools[t].available)
			result->median[t] = median_of(&times[t * rounds], rounds);
	free(times);
	return 0;
}

static int time_agent(const struct settings *settings, const struct scan_fixture *fixture,
		      struct layout_result *result)
{
	char snapshot[PATH_MAX], err[PATH_MAX];
	struct agent_start run = {
		.mapwatch = settings->mapwatch,
		.snapshot_path = snapshot,
		.stderr_path = err,
		.directory = fixture->directory,
		.orphan_holders = fixture->orphan_holders,
		.timeout_seconds = AGENT_TIMEOUT_SECONDS,
	};
	double *times = calloc(settings->rounds, sizeof(*times));
	int status = 0;

	if (!times)
		return -ENOMEM;
	work_file(snapshot, sizeof(snapshot), "agent", "json");
	work_file(err, sizeof(err), "agent", "err");
	for (long round = 0; !status && round < settings->rounds; round++) {
		unlink(snapshot);
		status = agent_start__time(&run, &times[round]);
		if (stop_signal)
			status = -EINTR;
	}
	if (status && status != -EINTR) {
		fprintf(stderr, "bench_scan: agent gave no complete snapshot: %s\n",
			strerror(-status));
		print_stderr_of("agent");
	}
	if (!status) {
		result->agent_median = median_of(times, settings->rounds);
		result->agent_measured = true;
	}
	free(times);
	return status;
}

static int measure_layout(const struct settings *settings, enum scan_fixture_layout layout,
			  struct tool *tools, struct layout_result *result)
{
	struct scan_fixture fixture = {
		.layout = layout,
		.processes = settings->processes,
		.mappings = settings->mappings,
	};
	int err;

	fprintf(stderr, "bench_scan: %s: starting %ld processes with %ld file mappings each\n",
		layout_names[layout], settings->processes, settings->mappings);
	active_fixture = &fixture;
	err = scan_fixture__start(&fixture, settings->directory);
	if (err) {
		if (!stop_signal)
			fprintf(stderr, "bench_scan: cannot set up the %s: %s\n",
				layout_names[layout], strerror(-err));
		active_fixture = NULL;
		return err;
	}
	result->host_vmas = count_host_vmas();
	fprintf(stderr, "bench_scan: %s: %lu VMAs on the host; checking, then %ld rounds\n",
		layout_names[layout], result->host_vmas, settings->rounds);
	err = verify_outputs(tools, &fixture);
	if (!err)
		err = time_tools(tools, settings->rounds, result);
	if (!err && settings->agent)
		err = time_agent(settings, &fixture, result);
	result->measured = !err;
	scan_fixture__stop(&fixture);
	active_fixture = NULL;
	return err;
}

static void print_table(const struct settings *settings, const struct tool *tools,
			const struct layout_result *results)
{
	static const enum tool_id modes[] = { TOOL_SCAN_TEXT, TOOL_SCAN_JSON };
	bool lsof = tools[TOOL_LSOF].available, lsfd = tools[TOOL_LSFD].available;
	char raw_goal[32], lsof_goal[32];

	snprintf(lsof_goal, sizeof(lsof_goal), "<=%.1fx lsof", GOAL_VERSUS_LSOF);
	bench__note("startup scan: %ld processes x %ld file mappings, median of %ld rounds; raw: "
		    "every /proc/PID/maps read to its end and dropped; peers lsof -nP, lsfd",
		    settings->processes, settings->mappings, settings->rounds);
	bench__table_header();
	for (int layout = 0; layout < 2; layout++) {
		const struct layout_result *result = &results[layout];
		double goal = layout == SCAN_FIXTURE_SHARED ? GOAL_VERSUS_RAW_SHARED
							    : GOAL_VERSUS_RAW_DISTINCT;

		if (!result->measured)
			continue;
		snprintf(raw_goal, sizeof(raw_goal), "<=%.1fx raw", goal);
		for (size_t m = 0; m < 2; m++) {
			const double *median = result->median;
			double mapwatch = median[modes[m]] * 1e3, raw = median[TOOL_RAW] * 1e3;
			double lsof_ms = lsof ? median[TOOL_LSOF] * 1e3 : BENCH_NONE;
			double lsfd_ms = lsfd ? median[TOOL_LSFD] * 1e3 : BENCH_NONE;
			char workload[96];

			snprintf(workload, sizeof(workload), "scan, %s, %s, vs raw read",
				 layout_names[layout],
				 modes[m] == TOOL_SCAN_JSON ? "--json" : "text");
			bench__table_row(workload, "ms", raw, mapwatch, lsfd_ms, "of raw",
					 mapwatch / raw, raw_goal,
					 mapwatch <= goal * raw);
			snprintf(workload, sizeof(workload), "scan, %s, %s, vs lsof",
				 layout_names[layout],
				 modes[m] == TOOL_SCAN_JSON ? "--json" : "text");
			bench__table_row(workload, "ms", lsof_ms, mapwatch, lsfd_ms, "of lsof",
					 lsof ? mapwatch / lsof_ms : BENCH_NONE, lsof_goal,
					 lsof ? mapwatch <= GOAL_VERSUS_LSOF * lsof_ms
					      : BENCH_NO_GOAL);
		}
	}
	if (!settings->agent)
		return;
	for (int layout = 0; layout < 2; layout++) {
		char workload[96];

		if (!results[layout].agent_measured)
			continue;
		snprintf(workload, sizeof(workload), "agent start to first complete snapshot, %s",
			 layout_names[layout]);
		bench__report_row(workload, "ms", BENCH_NONE, results[layout].agent_median * 1e3,
				  BENCH_NONE);
	}
}

static int usage(const char *program)
{
	fprintf(stderr,
		"usage: %s [--processes N] [--mappings M] [--rounds R] [--layout shared|distinct|both]\n"
		"       [--directory DIR] [--mapwatch PATH] [--raw-reader PATH] [--no-agent] [--smoke]\n",
		program);
	return 2;
}

static int parse_options(int argc, char **argv, struct settings *settings)
{
	for (int i = 1; i < argc; i++) {
		const char *option = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(option, "--smoke") == 0) {
			settings->processes = 20;
			settings->mappings = 10;
			settings->rounds = 1;
			continue;
		}
		if (strcmp(option, "--no-agent") == 0) {
			settings->agent = false;
			continue;
		}
		if (!value)
			return -EINVAL;
		i++;
		if (strcmp(option, "--processes") == 0) {
			if (!bench__parse_count(value, &settings->processes))
				return -EINVAL;
		} else if (strcmp(option, "--mappings") == 0) {
			if (!bench__parse_count(value, &settings->mappings))
				return -EINVAL;
		} else if (strcmp(option, "--rounds") == 0) {
			if (!bench__parse_count(value, &settings->rounds))
				return -EINVAL;
		} else if (strcmp(option, "--layout") == 0) {
			bool both = strcmp(value, "both") == 0;

			settings->layouts[SCAN_FIXTURE_SHARED] = both || !strcmp(value, "shared");
			settings->layouts[SCAN_FIXTURE_DISTINCT] =
				both || !strcmp(value, "distinct");
			if (!settings->layouts[0] && !settings->layouts[1])
				return -EINVAL;
		} else if (strcmp(option, "--directory") == 0) {
			settings->directory = value;
		} else if (strcmp(option, "--mapwatch") == 0) {
			settings->mapwatch = value;
		} else if (strcmp(option, "--raw-reader") == 0) {
			settings->raw_reader = value;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct settings settings = {
		.processes = 1000,
		.mappings = 100,
		.rounds = 5,
		.layouts = { true, true },
		.directory = "/tmp",
		.mapwatch = MAPWATCH_BINARY,
		.raw_reader = RAW_READER_BINARY,
		.agent = true,
	};
	struct layout_result results[2] = { 0 };
	struct tool tools[TOOLS];
	int err = 0;

	if (parse_options(argc, argv, &settings))
		return usage(argv[0]);
	tools[TOOL_RAW] = (struct tool){ "raw-read", { (char *)settings.raw_reader }, true };
	tools[TOOL_SCAN_TEXT] =
		(struct tool){ "scan", { (char *)settings.mapwatch, "scan" }, true };
	tools[TOOL_SCAN_JSON] =
		(struct tool){ "scan-json", { (char *)settings.mapwatch, "scan", "--json" }, true };
	tools[TOOL_LSOF] = (struct tool){ "lsof", { "lsof", "-nP" }, in_path("lsof") };
	tools[TOOL_LSFD] = (struct tool){ "lsfd", { "lsfd" }, in_path("lsfd") };
	if (geteuid() != 0) {
		/* map_files and the BPF programs want root; a partial view would time less work */
		fprintf(stderr, "bench_scan: run as root\n");
		return 1;
	}
	if (!mkdtemp(work_directory)) {
		perror("bench_scan: work directory");
		return 1;
	}
	/* the fixture's children are reparented to us when its leader dies: we reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	bench__catch_signals(on_signal);
	for (int layout = 0; !err && layout < 2; layout++)
		if (settings.layouts[layout])
			err = measure_layout(&settings, layout, tools, &results[layout]);
	remove_work_directory();
	if (stop_signal) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	if (err)
		return 1;
	for (int t = TOOL_LSOF; t <= TOOL_LSFD; t++)
		if (!tools[t].available)
			fprintf(stderr, "bench_scan: %s not installed, not measured\n",
				tools[t].argv[0]);
	print_table(&settings, tools, results);
	return 0;
}
