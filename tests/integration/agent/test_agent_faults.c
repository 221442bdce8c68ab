// SPDX-License-Identifier: GPL-2.0
/*
 * The agent under the faults deploy/reference.md names ("Faults"): a ring buffer too small for a
 * burst, a kernel inode table too small for the host, a SIGKILL while
 * orphans exist. Each test starts its own agent with the options it needs,
 * and checks what a user would: the snapshot against /proc, and the
 * counters that say what happened.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

#define FILE_BYTES (16u << 10)
/* Burst: workers, and what each does while the agent cannot drain. */
#define WORKERS 4
#define WORKER_FILES 12
#define WORKER_CHILDREN 3
#define NOISE_MAPPINGS 400
/* Processes the test leaves: every worker, its children but the first, which exits, a late child. */
#define SURVIVORS (WORKERS * (WORKER_CHILDREN + 1))
/* Reports of the burst: the workers, their children, the reaped ones included. */
#define BURST_REPORTS (WORKERS * (WORKER_CHILDREN + 1))
/* Kernel table test: far more files than the table holds. */
#define SMALL_TABLE "16"
#define TABLE_FILES 40
#define AGE_LIMIT_SECONDS 120.0

static void stop_agent(void)
{
	harness__stop_agent();
}

static double textfile_value(const char *name)
{
	double value = -1;

	cr_assert(harness__textfile_sample(name, "", &value), "%s missing from the textfile", name);
	return value;
}

/* True orphans under dir: Criterion's own deleted arena in /dev/shm is inherited too. */
static size_t orphans_under(const struct truth *truth, const char *dir)
{
	size_t count = 0, length = strlen(dir);

	for (size_t i = 0; i < truth->count; i++)
		count += !strncmp(truth->orphans[i].path, dir, length) &&
			 truth->orphans[i].path[length] == '/';
	return count;
}

/* ---- lost events ---- */

struct burst_report {
	pid_t pid;
	bool exited; /* reaped by its parent before the report */
};

static int map_new_file(const char *path, void **mapping)
{
	int fd = scenario__create_file(path, FILE_BYTES);

	if (fd < 0)
		return fd;
	*mapping = scenario__map_file(fd, FILE_BYTES, 0);
	close(fd);
	return *mapping ? 0 : -errno;
}

static void report(int fd, pid_t pid, bool exited)
{
	struct burst_report line = { .pid = pid, .exited = exited };

	if (write(fd, &line, sizeof(line)) != sizeof(line))
		_exit(2);
}

/* Blocks until the test closes its end of the hold pipe. */
static void __attribute__((noreturn)) hold(int hold_fd)
{
	char byte;

	while (read(hold_fd, &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

struct worker_pipes {
	int report_fd; /* worker -> test: struct burst_report */
	int go_fd; /* test -> worker: one byte, fork the late child */
	int hold_fd; /* end of file: everyone exits */
};

/*
 * One worker of the burst: maps files and unlinks half of them, maps and
 * unmaps another many times (records that fill the ring), forks children
 * that map and unlink a file of their own (the first exits at once), unmaps
 * part of one orphan. Once the agent has drained the ring, it forks one more
 * child, which copies the view the lost records left, then holds still.
 */
static void __attribute__((noreturn))
burst_worker(const char *dir, int index, const struct worker_pipes *pipes)
{
	int report_fd = pipes->report_fd, hold_fd = pipes->hold_fd;
	pid_t late;
	char go;

	void *mappings[WORKER_FILES], *noise = NULL, *own = NULL;
	char path[PATH_MAX + 64];

	for (int i = 0; i < WORKER_FILES; i++) {
		snprintf(path, sizeof(path), "%s/w%d-%02d.index", dir, index, i);
		if (map_new_file(path, &mappings[i]))
			_exit(3);
		if (i % 2 == 0 && unlink(path))
			_exit(3);
	}
	snprintf(path, sizeof(path), "%s/w%d-noise.log", dir, index);
	if (map_new_file(path, &noise))
		_exit(3);
	for (int i = 0; i < NOISE_MAPPINGS; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		void *extra =
			fd < 0 ? MAP_FAILED : mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);

		if (fd >= 0)
			close(fd);
		if (extra == MAP_FAILED || munmap(extra, FILE_BYTES))
			_exit(3);
	}
	for (int child = 0; child < WORKER_CHILDREN; child++) {
		pid_t pid = fork();

		if (pid < 0)
			_exit(4);
		if (pid == 0) {
			snprintf(path, sizeof(path), "%s/w%d-c%d.timeindex", dir, index, child);
			if (map_new_file(path, &own) || unlink(path))
				_exit(3);
			if (child == 0)
				_exit(0);
			/* done with its own file: the test may look now */
			report(report_fd, getpid(), false);
			hold(hold_fd);
		}
		if (child == 0) {
			int status;

			/* reaped: its pid leaves /proc, as a process that exits does */
			if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status))
				_exit(5);
			report(report_fd, pid, true);
		}
	}
	/* the first page of the first orphan goes: the rest stays orphaned */
	if (munmap(mappings[0], 4096))
		_exit(3);
	report(report_fd, getpid(), false);
	if (read(pipes->go_fd, &go, 1) != 1)
		_exit(6);
	late = fork();
	if (late < 0)
		_exit(4);
	if (late == 0) {
		report(report_fd, getpid(), false);
		hold(hold_fd);
	}
	hold(hold_fd);
}

/* Reads count reports; on a short read the workers failed. */
static void read_reports(int fd, struct burst_report *reports, size_t count)
{
	for (size_t done = 0; done < count;) {
		ssize_t got = read(fd, &reports[done], sizeof(reports[0]));

		if (got < 0 && errno == EINTR)
			continue;
		if (got != sizeof(reports[0])) {
			kill(harness__agent_pid(), SIGCONT);
			cr_assert_fail("a burst worker failed after %zu reports", done);
		}
		done++;
	}
}

/*
 * With a 4 KiB ring buffer and the agent stopped, a burst of mmaps, unlinks,
 * forks and exits cannot all be delivered; then, with the ring drained, the
 * processes that lost records fork once more. The agent's next snapshot (one
 * interval) equals /proc for every process left, the late children too,
 * lists none that exited, and the textfile says events were lost and state
 * was corrected.
 */
Test(agent_faults, lost_events_are_repaired_within_one_interval, .fini = stop_agent, .timeout = 300)
{
	const char *const options[] = { "--ring-buffer-size", "4K", NULL };
	struct burst_report reports[BURST_REPORTS + WORKERS];
	int report_pipe[2], go_pipe[2], hold_pipe[2];
	size_t survivors = 0;
	pid_t workers[WORKERS];
	char dir[PATH_MAX];
	json_t *snapshot;

	harness__start_agent_with(options);
	harness__require_agent();
	harness__make_dir(harness__work_dir(), dir, sizeof(dir));
	cr_assert_eq(pipe2(report_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(go_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(hold_pipe, O_CLOEXEC), 0);

	/* stopped, the agent drains nothing: the ring fills and the rest is lost */
	cr_assert_eq(kill(harness__agent_pid(), SIGSTOP), 0);
	for (int i = 0; i < WORKERS; i++) {
		workers[i] = fork();
		cr_assert_geq(workers[i], 0, "fork: %s", strerror(errno));
		if (workers[i] == 0) {
			struct worker_pipes pipes = { report_pipe[1], go_pipe[0], hold_pipe[0] };

			close(report_pipe[0]);
			close(go_pipe[1]);
			close(hold_pipe[1]);
			burst_worker(dir, i, &pipes);
		}
	}
	close(report_pipe[1]);
	close(go_pipe[0]);
	close(hold_pipe[0]);
	read_reports(report_pipe[0], reports, BURST_REPORTS);
	cr_assert_eq(kill(harness__agent_pid(), SIGCONT), 0);
	/* drained, not refreshed: the late children copy the view the lost records left */
	harness__wait_ring_drained();
	for (int i = 0; i < WORKERS; i++)
		cr_assert_eq(write(go_pipe[1], "g", 1), 1);
	read_reports(report_pipe[0], reports + BURST_REPORTS, WORKERS);

	snapshot = harness__fresh_snapshot();
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		struct truth truth;

		if (reports[i].exited) {
			cr_expect_null(harness__snapshot_process(snapshot, reports[i].pid),
				       "pid %d exited in the burst but is listed", reports[i].pid);
			continue;
		}
		survivors++;
		truth__check(snapshot, reports[i].pid, &truth);
		cr_assert_gt(orphans_under(&truth, dir), 0,
			     "pid %d holds no orphan: the burst went wrong", reports[i].pid);
		truth__free(&truth);
	}
	cr_assert_eq(survivors, SURVIVORS);
	cr_expect_gt(textfile_value("mapwatch_events_lost_total"), 0,
		     "nothing lost: the burst did not overflow the ring buffer");
	cr_expect_gt(textfile_value("mapwatch_reconcile_corrections_total"), 0);
	json_decref(snapshot);

	close(hold_pipe[1]);
	close(go_pipe[1]);
	close(report_pipe[0]);
	for (int i = 0; i < WORKERS; i++)
		waitpid(workers[i], NULL, 0);
	harness__remove_tree(dir);
}

/* ---- a full kernel table ---- */

enum { STEP_MAP_ALL, STEP_UNLINK_ALL };

struct many_files {
	char dir[PATH_MAX];
	void *mappings[TABLE_FILES];
};

static int many_file_steps(void *state, int step, uint64_t *value)
{
	struct many_files *files = state;
	char path[PATH_MAX + 32];

	*value = 0;
	for (int i = 0; i < TABLE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%020d.index", files->dir, i);
		if (step == STEP_MAP_ALL) {
			int err = map_new_file(path, &files->mappings[i]);

			if (err)
				return err;
		} else if (unlink(path)) {
			return -errno;
		}
	}
	return 0;
}

/*
 * --max-inodes 16 and a process that maps more files than that: the kernel
 * cannot file most of its 40 files, which the textfile counts, and their
 * deletions are still in the next snapshot, every one, with an age. The agent
 * watches that process alone: files the table refused are checked 4096 an
 * interval, so on a host that maps more files than that the next snapshot
 * may not have come to these yet.
 */
Test(agent_faults, full_kernel_table_is_counted_and_its_files_deletions_found, .fini = stop_agent,
     .timeout = 300)
{
	struct many_files files = { 0 };
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry;
	double refused_before;
	char pid[32];

	/* the directory exists before the process that maps in it, and the agent after both */
	harness__make_dir("/tmp", files.dir, sizeof(files.dir));
	scenario__start(&scenario, many_file_steps, &files);
	snprintf(pid, sizeof(pid), "%d", (int)scenario.pid);
	harness__start_agent_with((const char *const[]){ "--max-inodes", SMALL_TABLE, "--pid", pid,
							  NULL });
	harness__require_agent();
	snapshot = harness__fresh_snapshot();
	refused_before = textfile_value("mapwatch_kernel_table_full_total");
	json_decref(snapshot);

	scenario__step(&scenario, STEP_MAP_ALL);
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(orphans_under(&truth, files.dir), 0);
	truth__free(&truth);
	json_decref(snapshot);
	/* at most 16 of the 40 found room, whatever the process's other files took */
	cr_expect_geq(textfile_value("mapwatch_kernel_table_full_total") - refused_before,
		      TABLE_FILES - 16, "refusals not counted");

	scenario__step(&scenario, STEP_UNLINK_ALL);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(orphans_under(&truth, files.dir), TABLE_FILES, "/proc shows %zu orphans",
		     orphans_under(&truth, files.dir));
	for (size_t i = 0; i < truth.count; i++)
		if (!strncmp(truth.orphans[i].path, files.dir, strlen(files.dir)))
			truth__expect_ages(entry, truth.orphans[i].ino, true, AGE_LIMIT_SECONDS);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	rmdir(files.dir);
}

/* ---- restart ---- */

enum { STEP_MAP_TWO_UNLINK_ONE, STEP_UNLINK_SECOND, STEP_UNMAP_FIRST };

struct two_files {
	char dir[PATH_MAX];
	void *first, *second;
};

static int restart_steps(void *state, int step, uint64_t *value)
{
	struct two_files *files = state;
	char first[PATH_MAX + 32], second[PATH_MAX + 32];
	int err;

	*value = 0;
	snprintf(first, sizeof(first), "%s/00000000000000461285.index", files->dir);
	snprintf(second, sizeof(second), "%s/00000000000000461285.timeindex", files->dir);
	switch (step) {
	case STEP_MAP_TWO_UNLINK_ONE:
		err = map_new_file(first, &files->first);
		if (!err)
			err = map_new_file(second, &files->second);
		if (!err && unlink(first))
			err = -errno;
		return err;
	case STEP_UNLINK_SECOND:
		return unlink(second) ? -errno : 0;
	case STEP_UNMAP_FIRST:
		return munmap(files->first, FILE_BYTES) ? -errno : 0;
	}
	return -EINVAL;
}

/* Every orphan the scenario made was deleted before this agent started. */
static void expect_ages_null(json_t *entry, const struct truth *truth, const char *dir)
{
	for (size_t i = 0; i < truth->count; i++)
		if (!strncmp(truth->orphans[i].path, dir, strlen(dir)))
			truth__expect_ages(entry, truth->orphans[i].ino, false, 0);
}

/*
 * An agent killed with SIGKILL while a process holds orphans, one deleted
 * before it started and one while it watched: the next agent's very first
 * snapshot equals /proc, deletion times unknown to it reported as null, and
 * it follows what happens after as the first one did.
 */
Test(agent_faults, restart_after_sigkill_reports_the_truth_at_once, .fini = stop_agent,
     .timeout = 300)
{
	char parent[] = "/tmp/mapwatch-agent-restart.XXXXXX";
	struct two_files files = { 0 };
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry;

	cr_assert_not_null(mkdtemp(parent));
	snprintf(files.dir, sizeof(files.dir), "%s", parent);
	scenario__start(&scenario, restart_steps, &files);
	scenario__step(&scenario, STEP_MAP_TWO_UNLINK_ONE);
	harness__start_agent();
	harness__require_agent();
	scenario__step(&scenario, STEP_UNLINK_SECOND);
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(orphans_under(&truth, files.dir), 2);
	truth__free(&truth);
	json_decref(snapshot);

	harness__kill_agent();
	harness__start_agent();
	harness__require_agent();
	snapshot = harness__current_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(orphans_under(&truth, files.dir), 2);
	expect_ages_null(entry, &truth, files.dir);
	truth__free(&truth);
	json_decref(snapshot);

	/* and it goes on following: an unmap ends one orphan */
	scenario__step(&scenario, STEP_UNMAP_FIRST);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(orphans_under(&truth, files.dir), 1);
	expect_ages_null(entry, &truth, files.dir);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(parent);
}

/* ---- processes that come and go while the agent reads /proc ---- */

/*
 * Until stopped: children that map a file, unlink it, and then exit or exec
 * /bin/true, as fast as they can be made, so the agent's /proc reads meet
 * processes that vanish or change under them.
 */
static pid_t start_churn(const char *dir)
{
	pid_t churn = fork();

	cr_assert_geq(churn, 0, "fork: %s", strerror(errno));
	if (churn)
		return churn;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (unsigned int round = 0;; round++) {
		pid_t child = fork();

		if (child == 0) {
			char path[PATH_MAX + 32];
			void *mapping;

			snprintf(path, sizeof(path), "%s/churn-%u.index", dir, round);
			if (map_new_file(path, &mapping) || unlink(path))
				_exit(3);
			if (round % 2)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
	}
}

/*
 * An agent started amid that churn seeds, and a process that holds still
 * beside it is reported as /proc has it, interval after interval.
 */
Test(agent_faults, start_amid_processes_that_exit_and_exec, .fini = stop_agent, .timeout = 300)
{
	char parent[] = "/tmp/mapwatch-agent-churn-start.XXXXXX";
	struct two_files files = { 0 };
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot;
	pid_t churn;

	cr_assert_not_null(mkdtemp(parent));
	snprintf(files.dir, sizeof(files.dir), "%s", parent);
	scenario__start(&scenario, restart_steps, &files);
	scenario__step(&scenario, STEP_MAP_TWO_UNLINK_ONE);
	churn = start_churn(parent);
	harness__start_agent();
	harness__require_agent();
	for (int interval = 0; interval < 5; interval++) {
		snapshot = harness__fresh_snapshot();
		truth__check(snapshot, scenario.pid, &truth);
		cr_assert_eq(orphans_under(&truth, files.dir), 1);
		truth__free(&truth);
		json_decref(snapshot);
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	scenario__stop(&scenario);
	harness__remove_tree(parent);
}
