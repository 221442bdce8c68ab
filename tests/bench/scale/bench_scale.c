// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapwatch at the scale of real JVM hosts, in one run:
 *
 * A: one process with 250,000 file mappings (2,000 one-page files on a tmpfs,
 *    each mapped 125 times, a PROT_NONE page between any two mappings, so its
 *    /proc/PID/maps has ~500,000 lines): the agent's start, memory per mapping
 *    against the kernel's own vm_area_struct, CPU per interval, then every file
 *    unlinked at once: how soon the textfile counts the 250,000 orphans, what
 *    they cost per interval and in the snapshot; then scan and top of that one
 *    process against reading its maps once.
 * B: 10,000 processes x 50 file mappings (scan_fixture, shared files): the
 *    agent's start, memory and CPU per interval.
 *
 * A short agent run on the host as it is comes first: the memory the agent
 * needs without the fixtures, taken off the per-mapping figure.
 *
 * usage: bench_scale [--smoke] [--mapwatch PATH] [--interval SECONDS]
 *                    [--mappings N] [--processes N]
 * Root: it mounts a tmpfs, raises vm.max_map_count while A runs (and
 * kernel.pid_max while B does, when short), and the agent loads BPF programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent_run.h"
#include "bench_table.h"
#include "host_tuning.h"
#include "map_holder.h"
#include "scan_fixture.h"
#include "snapshot_check.h"
#include "timed_run.h"

#define MAPS_PER_FILE 125
#define VMA_BYTES_DEFAULT 192 /* sizeof(struct vm_area_struct), x86-64 6.x */
#define MAX_MAP_COUNT_FOR_RUN 1048576L
#define MAX_MAP_COUNT "/proc/sys/vm/max_map_count"
#define PID_MAX "/proc/sys/kernel/pid_max"
#define THREADS_MAX "/proc/sys/kernel/threads-max"
#define PID_MAX_LIMIT 4194304L
#define SETUP_TIMEOUT_SECONDS 600.0
#define MIB (1024.0 * 1024.0)

#define GOAL_PEAK_OVER_STEADY 1.25
#define GOAL_BYTES_PER_VMA 1.0 /* x the kernel's vm_area_struct */
#define GOAL_CPU_PERCENT 2.0
#define GOAL_ORPHAN_INTERVALS 1.0
#define GOAL_SNAPSHOT_BYTES_PER_ORPHAN 64.0
#define GOAL_TOOL_VERSUS_READ 2.0
#define GOAL_TOOL_RSS_MIB 100.0

struct settings {
	long mappings; /* A: the holder's file mappings */
	long processes; /* B */
	long process_mappings; /* B: file mappings per process */
	double interval; /* the agent's --interval */
	int idle_intervals; /* after the first snapshot, before the idle agent's RSS */
	int steady_intervals; /* after the first snapshot, before "steady" */
	int cpu_intervals; /* the window CPU per interval is averaged over */
	int rounds; /* runs of each one-shot command; the median is reported */
	const char *mapwatch;
	bool smoke; /* tiny sizes; goals printed, not judged */
};

/* What the agent needs on the host without the fixtures. */
struct idle_agent {
	double first_snapshot_seconds;
	double rss; /* bytes */
	double tracked; /* mapwatch_tracked_mappings */
};

/* What a one-shot command cost. */
struct tool_cost {
	double seconds; /* median wall time */
	double peak_rss; /* bytes, the largest of the runs */
};

static volatile sig_atomic_t stop_signal;
static struct agent_run *volatile active_agent;
static struct map_holder *volatile active_holder;
static struct scan_fixture *volatile active_fixture;
static char work_directory[] = "/tmp/mapwatch-bench-scale-XXXXXX";
static struct host_tuning tuning; /* the tmpfs, for the whole run */
/* kernel limits, raised only while a scenario needs them: other work on the host keeps its own */
static struct host_tuning limits;
static bool any_failed;

static void on_signal(int signal_number)
{
	stop_signal = signal_number;
	timed_run__kill_running();
	if (active_agent)
		agent_run__kill(active_agent);
	if (active_holder)
		map_holder__kill(active_holder);
	if (active_fixture)
		scan_fixture__kill(active_fixture);
}

/* A step's error, or -EINTR when a signal is what ended it. */
static int stopped_or(int err)
{
	return stop_signal ? -EINTR : err;
}

static void work_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", work_directory, name);
}

static int judge(const struct settings *settings, bool met)
{
	return settings->smoke ? BENCH_NO_GOAL : met;
}

static void row(const char *scenario, const char *what, const char *unit, double baseline,
		double value, const char *ratio_of, double ratio, const char *goal, int met)
{
	char workload[128];

	snprintf(workload, sizeof(workload), "%s: %s", scenario, what);
	bench__table_row(workload, unit, baseline, value, BENCH_NONE, ratio_of, ratio, goal, met);
}

static void report(const char *scenario, const char *what, const char *unit, double baseline,
		   double value)
{
	row(scenario, what, unit, baseline, value, "", BENCH_NONE, NULL, BENCH_NO_GOAL);
}

static void failed(const char *scenario, const char *what, int err)
{
	if (err == -EINTR)
		return;
	any_failed = true;
	fprintf(stderr, "bench_scale: %s: %s: %s\n", scenario, what, strerror(-err));
}

static int agent_failed(const char *scenario, const struct agent_run *agent, const char *what,
			int err)
{
	err = stopped_or(err);
	failed(scenario, what, err);
	if (err != -EINTR)
		agent_run__print_stderr(agent);
	return err;
}

static double agent_timeout(const struct settings *settings)
{
	return 60.0 + 10.0 * settings->interval;
}

static int start_agent(const struct settings *settings, struct agent_run *agent, const char *name)
{
	char directory[64];

	*agent = (struct agent_run){
		.mapwatch = settings->mapwatch,
		.interval_seconds = settings->interval,
		.timeout_seconds = SETUP_TIMEOUT_SECONDS,
	};
	/* a signal between two steps: nothing was running for it to kill */
	if (stop_signal)
		return -EINTR;
	work_path(directory, sizeof(directory), name);
	if (mkdir(directory, 0700) && errno != EEXIST)
		return -errno;
	active_agent = agent;
	return agent_run__start(agent, directory);
}

static void stop_agent(struct agent_run *agent)
{
	agent_run__stop(agent);
	active_agent = NULL;
}

/*
 * CPU the agent used over @intervals intervals from the snapshot replacement
 * just seen, as % of one core.
 */
static int agent_cpu_percent(struct agent_run *agent, int intervals, double *percent)
{
	double cpu = agent_run__cpu_seconds(agent), from = timed_run__now(), to;
	int err = agent_run__intervals(agent, intervals, &to);

	if (err)
		return err;
	*percent = (agent_run__cpu_seconds(agent) - cpu) / (to - from) * 100.0;
	return 0;
}

/* Agent peak (VmHWM) against steady (VmRSS) memory, as one row. */
static void peak_row(const struct settings *settings, const char *scenario,
		     const struct agent_run *agent)
{
	double peak = agent_run__status_bytes(agent, "VmHWM") / MIB;
	double steady = agent_run__status_bytes(agent, "VmRSS") / MIB;
	char goal[32];

	snprintf(goal, sizeof(goal), "<=%.2fx", GOAL_PEAK_OVER_STEADY);
	row(scenario, "agent RSS peak vs steady", "MiB", steady, peak, "of steady", peak / steady,
	    goal, judge(settings, peak <= GOAL_PEAK_OVER_STEADY * steady));
}

static void cpu_row(const struct settings *settings, const char *scenario, const char *what,
		    double percent)
{
	char goal[32];

	snprintf(goal, sizeof(goal), "<=%.0f%%", GOAL_CPU_PERCENT);
	row(scenario, what, "%", BENCH_NONE, percent, "", BENCH_NONE, goal,
	    judge(settings, percent <= GOAL_CPU_PERCENT));
}

static int measure_idle(const struct settings *settings, struct idle_agent *idle)
{
	static const char scenario[] = "idle host";
	struct agent_run agent;
	double at;
	int err;

	fprintf(stderr, "bench_scale: %s: agent without the fixtures\n", scenario);
	err = start_agent(settings, &agent, "idle");
	if (!err)
		err = agent_run__first_snapshot(&agent, &idle->first_snapshot_seconds);
	agent.timeout_seconds = agent_timeout(settings);
	if (!err)
		err = agent_run__intervals(&agent, settings->idle_intervals, &at);
	if (!err) {
		idle->rss = agent_run__status_bytes(&agent, "VmRSS");
		if (!agent_run__metric(&agent, "mapwatch_tracked_mappings", &idle->tracked))
			idle->tracked = BENCH_NONE;
	}
	if (err)
		err = agent_failed(scenario, &agent, "agent", err);
	stop_agent(&agent);
	if (err)
		return err;
	report(scenario, "agent start to first snapshot", "s", BENCH_NONE,
	       idle->first_snapshot_seconds);
	report(scenario, "agent steady RSS", "MiB", BENCH_NONE, idle->rss / MIB);
	return 0;
}

/*
 * Reads the holder's /proc/PID/maps to its end, as a one-shot walk must at
 * least; its lines are counted only when asked, outside a timed read.
 */
static int read_maps_once(pid_t pid, double *seconds, unsigned long *lines)
{
	static char buffer[1 << 16];
	char path[64];
	double start = timed_run__now();
	ssize_t length;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((length = read(fd, buffer, sizeof(buffer))) > 0)
		for (ssize_t i = 0; lines && i < length; i++)
			*lines += buffer[i] == '\n';
	close(fd);
	*seconds = timed_run__now() - start;
	return length < 0 ? -errno : 0;
}

static int compare_doubles(const void *left, const void *right)
{
	double a = *(const double *)left, b = *(const double *)right;

	return a < b ? -1 : a > b;
}

static double median_of(double *values, int count)
{
	qsort(values, count, sizeof(*values), compare_doubles);
	return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

/*
 * timed_run times fork to reaping; this reaps with wait4 as well, for the
 * command's own peak RSS (ru_maxrss), which waitpid does not give.
 */
static int run_measured(char *const argv[], const char *out, const char *err_path, double *seconds,
			double *peak_rss)
{
	double start = timed_run__now();
	pid_t pid = timed_run__start(argv, out, err_path);
	struct rusage usage;
	int status;

	if (pid < 0)
		return pid;
	while (wait4(pid, &status, 0, &usage) < 0)
		if (errno != EINTR)
			return -errno;
	*seconds = timed_run__now() - start;
	/* reaped here: timed_run then finds no child and forgets it, so a signal kills no stranger */
	timed_run__try_wait(pid);
	*peak_rss = (double)usage.ru_maxrss * 1024;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* @rounds runs of @argv: the median wall time and the largest peak RSS. */
static int measure_tool(const struct settings *settings, char *const argv[], const char *name,
			struct tool_cost *cost)
{
	char out[PATH_MAX], err_path[PATH_MAX];
	double seconds[16], rss = 0;
	int rounds = settings->rounds < 16 ? settings->rounds : 16;

	cost->peak_rss = 0;
	for (int round = 0; round < rounds; round++) {
		long seen;
		int status;

		snprintf(out, sizeof(out), "%s/%s.out", work_directory, name);
		snprintf(err_path, sizeof(err_path), "%s/%s.err", work_directory, name);
		status = run_measured(argv, out, err_path, &seconds[round], &rss);
		if (stop_signal)
			return -EINTR;
		if (status) {
			fprintf(stderr, "bench_scale: %s exited with status %d, see %s\n", name,
				status, err_path);
			return -ECHILD;
		}
		/* an output without the holder would mean it timed less than the work */
		seen = snapshot_check__lines_containing(out, MAP_HOLDER_COMM);
		if (seen < 1) {
			fprintf(stderr, "bench_scale: %s did not show the holder, see %s\n", name,
				out);
			return -EPROTO;
		}
		if (rss > cost->peak_rss)
			cost->peak_rss = rss;
	}
	cost->seconds = median_of(seconds, rounds);
	return 0;
}

static int measure_tools(const struct settings *settings, const char *scenario,
			 const struct map_holder *holder)
{
	char pid[16], *mapwatch = (char *)settings->mapwatch;
	char *scan[] = { mapwatch, "scan", "--pid", pid, NULL };
	char *scan_json[] = { mapwatch, "scan", "--json", "--pid", pid, NULL };
	char *top[] = { mapwatch, "top", "--batch", "-n", "1", "--pid", pid, NULL };
	struct {
		const char *name, *label;
		char **argv;
	} tools[] = {
		{ "scan", "scan --pid", scan },
		{ "scan-json", "scan --json --pid", scan_json },
		{ "top", "top --batch -n 1 --pid", top },
	};
	double reads[16], read_seconds, counting;
	int rounds = settings->rounds < 16 ? settings->rounds : 16, err = 0;
	char goal_time[32], goal_rss[32];
	unsigned long lines = 0;

	snprintf(pid, sizeof(pid), "%d", holder->pid);
	snprintf(goal_time, sizeof(goal_time), "<=%.0fx read", GOAL_TOOL_VERSUS_READ);
	snprintf(goal_rss, sizeof(goal_rss), "<=%.0f MiB", GOAL_TOOL_RSS_MIB);
	/* plain frames whatever terminal the benchmark runs under */
	setenv("TERM", "dumb", 1);
	err = read_maps_once(holder->pid, &counting, &lines);
	for (int round = 0; !err && round < rounds; round++)
		err = read_maps_once(holder->pid, &reads[round], NULL);
	if (err) {
		err = stopped_or(err);
		failed(scenario, "reading the holder's maps", err);
		return err;
	}
	read_seconds = median_of(reads, rounds);
	bench__note("%s: /proc/%d/maps is %lu lines; read once to EOF in %.1f ms (median of %d)",
		    scenario, holder->pid, lines, read_seconds * 1e3, rounds);
	for (size_t t = 0; t < sizeof(tools) / sizeof(tools[0]); t++) {
		struct tool_cost cost;
		char what[64];

		err = measure_tool(settings, tools[t].argv, tools[t].name, &cost);
		if (err) {
			failed(scenario, tools[t].label, err);
			return err;
		}
		snprintf(what, sizeof(what), "%s vs read", tools[t].label);
		row(scenario, what, "ms", read_seconds * 1e3, cost.seconds * 1e3, "of read",
		    cost.seconds / read_seconds, goal_time,
		    judge(settings, cost.seconds <= GOAL_TOOL_VERSUS_READ * read_seconds));
		snprintf(what, sizeof(what), "%s peak RSS", tools[t].label);
		row(scenario, what, "MiB", BENCH_NONE, cost.peak_rss / MIB, "", BENCH_NONE,
		    goal_rss, judge(settings, cost.peak_rss <= GOAL_TOOL_RSS_MIB * MIB));
	}
	return 0;
}

/* Steps 1 to 3 of A, and all of B: start, memory at rest, CPU per interval. */
static int measure_agent_steady(const struct settings *settings, const char *scenario,
				struct agent_run *agent, const struct idle_agent *idle,
				double *steady_rss)
{
	double seconds, at, percent;
	int err;

	err = agent_run__first_snapshot(agent, &seconds);
	if (err)
		return agent_failed(scenario, agent, "no first snapshot", err);
	report(scenario, "agent start to first snapshot", "s", idle->first_snapshot_seconds,
	       seconds);
	agent->timeout_seconds = agent_timeout(settings);
	err = agent_run__intervals(agent, settings->steady_intervals, &at);
	if (err)
		return agent_failed(scenario, agent, "intervals after the first", err);
	*steady_rss = agent_run__status_bytes(agent, "VmRSS");
	peak_row(settings, scenario, agent);
	err = agent_cpu_percent(agent, settings->cpu_intervals, &percent);
	if (err)
		return agent_failed(scenario, agent, "intervals for CPU", err);
	cpu_row(settings, scenario, "agent CPU per interval", percent);
	return 0;
}

static void bytes_per_mapping_row(const struct settings *settings, const char *scenario,
				  const struct agent_run *agent, const struct idle_agent *idle,
				  double steady_rss, double vma_bytes)
{
	double tracked, bytes = BENCH_NONE;
	char goal[32];

	if (agent_run__metric(agent, "mapwatch_tracked_mappings", &tracked) &&
	    tracked > idle->tracked)
		bytes = (steady_rss - idle->rss) / (tracked - idle->tracked);
	else
		tracked = BENCH_NONE;
	bench__note("%s: agent tracks %.0f file mappings (idle host %.0f); steady RSS %.1f MiB "
		    "(idle host %.1f MiB)",
		    scenario, tracked, idle->tracked, steady_rss / MIB, idle->rss / MIB);
	snprintf(goal, sizeof(goal), "<=%.1fx vma", GOAL_BYTES_PER_VMA);
	row(scenario, "agent bytes per tracked mapping", "B", vma_bytes, bytes, "of vma",
	    bytes / vma_bytes, goal, judge(settings, bytes <= GOAL_BYTES_PER_VMA * vma_bytes));
}

/* Steps 4 and 5 of A: every file unlinked at once, the agent with 250,000 orphans. */
static int measure_orphans(const struct settings *settings, const char *scenario,
			   struct agent_run *agent, struct map_holder *holder)
{
	long mappings = map_holder__mappings(holder);
	double before = 0, unlinked, seen, last, percent, at;
	long long snapshot_before = agent_run__snapshot_bytes(agent), snapshot_after;
	char goal[32];
	int err;

	/* other processes' orphans on the host are counted in too: only the rise is ours */
	agent_run__metric(agent, "mapwatch_orphaned_mappings", &before);
	err = map_holder__unlink_all(holder);
	if (err) {
		failed(scenario, "unlinking the files", stopped_or(err));
		return stopped_or(err);
	}
	unlinked = timed_run__now();
	err = agent_run__await_metric(agent, "mapwatch_orphaned_mappings", before + mappings,
				      agent_timeout(settings), &seen, &last);
	if (stopped_or(err) == -EINTR)
		return -EINTR;
	if (err == -ECHILD)
		return agent_failed(scenario, agent, "agent exited", err);
	snprintf(goal, sizeof(goal), "<=%.0f interval", GOAL_ORPHAN_INTERVALS);
	if (err) {
		bench__note("%s: the textfile said %.0f orphaned mappings after %.0f s, not %.0f",
			    scenario, last, agent_timeout(settings), before + mappings);
		row(scenario, "unlink to orphans in textfile", "s", settings->interval, BENCH_NONE,
		    "", BENCH_NONE, goal, judge(settings, false));
		any_failed = true;
	} else {
		row(scenario, "unlink to orphans in textfile", "s", settings->interval,
		    seen - unlinked, "of interval", (seen - unlinked) / settings->interval, goal,
		    judge(settings, seen - unlinked <= GOAL_ORPHAN_INTERVALS * settings->interval));
	}
	/* from an interval's end on, so that the window holds whole intervals */
	err = agent_run__intervals(agent, 1, &at);
	if (!err)
		err = agent_cpu_percent(agent, settings->cpu_intervals, &percent);
	if (err)
		return agent_failed(scenario, agent, "intervals with orphans", err);
	cpu_row(settings, scenario, "agent CPU per interval", percent);
	snapshot_after = agent_run__snapshot_bytes(agent);
	report(scenario, "snapshot size, before vs after", "B", (double)snapshot_before,
	       (double)snapshot_after);
	snprintf(goal, sizeof(goal), "<=%.0f", GOAL_SNAPSHOT_BYTES_PER_ORPHAN);
	row(scenario, "snapshot bytes per orphaned VMA", "B", BENCH_NONE,
	    (double)(snapshot_after - snapshot_before) / (double)mappings, "", BENCH_NONE, goal,
	    judge(settings, (double)(snapshot_after - snapshot_before) / (double)mappings <=
				    GOAL_SNAPSHOT_BYTES_PER_ORPHAN));
	peak_row(settings, scenario, agent);
	return 0;
}

static int scenario_a(const struct settings *settings, const char *mount_point,
		      const struct idle_agent *idle, double vma_bytes)
{
	char directory[PATH_MAX + 8], label[64], orphans_label[64];
	struct map_holder holder = {
		.directory = directory,
		.files = (settings->mappings + MAPS_PER_FILE - 1) / MAPS_PER_FILE,
		.maps_per_file = MAPS_PER_FILE,
		.timeout_seconds = SETUP_TIMEOUT_SECONDS,
		.command_fd = -1,
		.answer_fd = -1,
	};
	long holder_vmas = 2 * map_holder__mappings(&holder) + 1024;
	struct agent_run agent;
	double steady_rss;
	int err;

	snprintf(label, sizeof(label), "A %ld maps", map_holder__mappings(&holder));
	snprintf(orphans_label, sizeof(orphans_label), "A %ld orphans",
		 map_holder__mappings(&holder));
	snprintf(directory, sizeof(directory), "%s/a", mount_point);
	if (mkdir(directory, 0700)) {
		err = -errno;
		failed(label, directory, err);
		return err;
	}
	/* the holder's VMAs, and for a real run the limit a big JVM host runs with */
	if (!settings->smoke && holder_vmas < MAX_MAP_COUNT_FOR_RUN)
		holder_vmas = MAX_MAP_COUNT_FOR_RUN;
	err = host_tuning__raise(&limits, MAX_MAP_COUNT, holder_vmas);
	if (err < 0) {
		failed(label, "raising vm.max_map_count", err);
		return err;
	}
	fprintf(stderr, "bench_scale: %s: mapping %ld files x %d\n", label, holder.files,
		MAPS_PER_FILE);
	active_holder = &holder;
	err = stop_signal ? -EINTR : map_holder__start(&holder);
	if (err) {
		failed(label, "the holder", stopped_or(err));
		active_holder = NULL;
		host_tuning__restore(&limits);
		return stopped_or(err);
	}
	fprintf(stderr, "bench_scale: %s: holder %d ready; starting the agent\n", label,
		holder.pid);
	err = start_agent(settings, &agent, "a");
	if (err)
		failed(label, "starting the agent", err);
	if (!err)
		err = measure_agent_steady(settings, label, &agent, idle, &steady_rss);
	if (!err)
		bytes_per_mapping_row(settings, label, &agent, idle, steady_rss, vma_bytes);
	if (!err) {
		fprintf(stderr, "bench_scale: %s: unlinking every file\n", label);
		err = measure_orphans(settings, orphans_label, &agent, &holder);
	}
	/* the one-shot commands get the CPUs to themselves */
	stop_agent(&agent);
	if (!err) {
		fprintf(stderr, "bench_scale: %s: scan and top of the holder\n", label);
		err = measure_tools(settings, orphans_label, &holder);
	}
	map_holder__stop(&holder);
	active_holder = NULL;
	host_tuning__restore(&limits);
	return err;
}

/* kernel.pid_max and threads-max with room for @processes more. */
static int make_room_for(long processes)
{
	long threads = host_tuning__threads(), need;
	int err;

	if (threads < 0)
		return (int)threads;
	need = threads + processes + 4096;
	if (need > PID_MAX_LIMIT)
		return -EAGAIN;
	err = host_tuning__raise(&limits, PID_MAX, need);
	if (err >= 0)
		err = host_tuning__raise(&limits, THREADS_MAX, need);
	return err < 0 ? err : 0;
}

static int scenario_b(const struct settings *settings, const char *mount_point,
		      const struct idle_agent *idle)
{
	struct scan_fixture fixture = {
		.layout = SCAN_FIXTURE_SHARED,
		.processes = settings->processes,
		.mappings = settings->process_mappings,
	};
	struct agent_run agent;
	char label[64];
	double steady_rss;
	int err;

	snprintf(label, sizeof(label), "B %ldx%ld maps", settings->processes,
		 settings->process_mappings);
	err = make_room_for(settings->processes);
	if (err) {
		failed(label, "raising kernel.pid_max", err);
		host_tuning__restore(&limits);
		return err;
	}
	fprintf(stderr, "bench_scale: %s: starting the processes\n", label);
	active_fixture = &fixture;
	err = stop_signal ? -EINTR : scan_fixture__start(&fixture, mount_point);
	if (err) {
		failed(label, "the processes", stopped_or(err));
		active_fixture = NULL;
		return stopped_or(err);
	}
	fprintf(stderr, "bench_scale: %s: ready; starting the agent\n", label);
	err = start_agent(settings, &agent, "b");
	if (err)
		failed(label, "starting the agent", err);
	if (!err)
		err = measure_agent_steady(settings, label, &agent, idle, &steady_rss);
	if (!err)
		report(label, "agent steady RSS vs idle host", "MiB", idle->rss / MIB,
		       steady_rss / MIB);
	stop_agent(&agent);
	scan_fixture__stop(&fixture);
	active_fixture = NULL;
	host_tuning__restore(&limits);
	return err;
}

static double vma_size(void)
{
	long size = host_tuning__slab_object_size("vm_area_struct");

	if (size > 0) {
		bench__note("vm_area_struct: %ld bytes, from /proc/slabinfo", size);
		return (double)size;
	}
	bench__note("vm_area_struct: %d bytes assumed (/proc/slabinfo not readable)",
		    VMA_BYTES_DEFAULT);
	return VMA_BYTES_DEFAULT;
}

static void print_method(const struct settings *settings)
{
	bench__note("scale: A one process, %ld file mappings (%ld files x %d, a PROT_NONE page "
		    "between any two); B %ld processes x %ld file mappings (shared files); "
		    "mapwatch %s",
		    settings->mappings, (settings->mappings + MAPS_PER_FILE - 1) / MAPS_PER_FILE,
		    MAPS_PER_FILE, settings->processes, settings->process_mappings,
		    settings->mapwatch);
	bench__note("scale: agent --interval %g, whole host; an interval ends when the snapshot "
		    "is replaced; steady = VmRSS when %d more have ended after the first snapshot, "
		    "peak = VmHWM; CPU = utime+stime over %d intervals, as %% of one core",
		    settings->interval, settings->steady_intervals, settings->cpu_intervals);
	bench__note("scale: bytes per tracked mapping = (steady RSS - idle host RSS) / "
		    "(mapwatch_tracked_mappings - idle host's); unlink latency from the last "
		    "unlink to the textfile's mapwatch_orphaned_mappings rising by all of them "
		    "(polled every 20 ms); snapshot bytes per orphan = its growth / orphans");
	bench__note("scale: scan and top run with the agent stopped, %d runs each: median wall "
		    "time, largest ru_maxrss",
		    settings->rounds);
	if (settings->smoke)
		bench__note("scale: smoke run, tiny sizes: goals are printed, not judged");
}

static int usage(const char *program)
{
	fprintf(stderr,
		"usage: %s [--smoke] [--mapwatch PATH] [--interval SECONDS] [--mappings N]\n"
		"       [--processes N]\n",
		program);
	return 2;
}

static int parse_options(int argc, char **argv, struct settings *settings)
{
	bool interval_given = false;

	for (int i = 1; i < argc; i++) {
		const char *option = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(option, "--smoke") == 0) {
			settings->smoke = true;
			settings->mappings = 16 * MAPS_PER_FILE;
			settings->processes = 100;
			settings->idle_intervals = 1;
			settings->steady_intervals = 1;
			settings->cpu_intervals = 1;
			settings->rounds = 1;
			continue;
		}
		if (!value)
			return -EINVAL;
		i++;
		if (strcmp(option, "--mapwatch") == 0) {
			settings->mapwatch = value;
		} else if (strcmp(option, "--interval") == 0) {
			settings->interval = strtod(value, &end);
			if (end == value || *end || !(settings->interval > 0))
				return -EINVAL;
			interval_given = true;
		} else if (strcmp(option, "--mappings") == 0) {
			if (!bench__parse_count(value, &settings->mappings))
				return -EINVAL;
		} else if (strcmp(option, "--processes") == 0) {
			if (!bench__parse_count(value, &settings->processes))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (settings->smoke && !interval_given)
		settings->interval = 0.5;
	return 0;
}

static int run(const struct settings *settings)
{
	char mount_point[PATH_MAX];
	struct idle_agent idle = { 0 };
	double vma_bytes;
	int err;

	work_path(mount_point, sizeof(mount_point), "mnt");
	err = host_tuning__mount_tmpfs(&tuning, mount_point);
	if (err) {
		failed("setup", "mounting a tmpfs", err);
		return err;
	}
	vma_bytes = vma_size();
	print_method(settings);
	bench__table_header();
	err = measure_idle(settings, &idle);
	if (err)
		return err;
	err = scenario_a(settings, mount_point, &idle, vma_bytes);
	if (err == -EINTR)
		return err;
	return scenario_b(settings, mount_point, &idle);
}

int main(int argc, char **argv)
{
	struct settings settings = {
		.mappings = 250000,
		.processes = 10000,
		.process_mappings = 50,
		.interval = 5,
		.idle_intervals = 2,
		.steady_intervals = 3,
		.cpu_intervals = 4,
		.rounds = 3,
		.mapwatch = MAPWATCH_BINARY,
	};
	int err;

	if (parse_options(argc, argv, &settings))
		return usage(argv[0]);
	if (geteuid() != 0) {
		fprintf(stderr, "bench_scale: run as root (tmpfs, sysctls, BPF)\n");
		return 1;
	}
	if (access(settings.mapwatch, X_OK)) {
		fprintf(stderr, "bench_scale: %s: %s\n", settings.mapwatch, strerror(errno));
		return 1;
	}
	if (!mkdtemp(work_directory)) {
		perror("bench_scale: work directory");
		return 1;
	}
	/* scan_fixture's sleepers are reparented to us when its leader dies: we reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	bench__catch_signals(on_signal);
	err = run(&settings);
	host_tuning__restore(&limits);
	host_tuning__restore(&tuning);
	bench__remove_tree(work_directory);
	if (stop_signal) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return err || any_failed ? 1 : 0;
}
