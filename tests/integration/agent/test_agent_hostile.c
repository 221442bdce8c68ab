// SPDX-License-Identifier: GPL-2.0
/*
 * What any user on the host can throw at the agent: file names with spaces,
 * quotes, backslashes, newlines, bytes that are not UTF-8, names ending in
 * " (deleted)", paths of PATH_MAX bytes; process names changed at will; pids
 * that come back as another process. The outputs stay valid JSON (jansson
 * and Python) and a textfile promtool accepts, and they say what /proc says.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
#define AGE_LIMIT_SECONDS 120.0
#define MAX_FILES 8
#define PID_REUSE_TRIES 50

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_hostile, .init = setup);

/* STEP_NAME + i: prctl(PR_SET_NAME) to comm_names[i] */
enum { STEP_MAP, STEP_UNLINK, STEP_NAME };

static const char *const comm_names[] = { "renamed-broker", "q\"uo\\te", "new\nline" };

struct hostile_files {
	char paths[MAX_FILES][PATH_MAX];
	size_t count;
};

static int hostile_steps(void *state, int step, uint64_t *value)
{
	struct hostile_files *files = state;

	*value = 0;
	if (step >= STEP_NAME)
		return prctl(PR_SET_NAME, comm_names[step - STEP_NAME], 0, 0, 0) ? -errno : 0;
	for (size_t i = 0; i < files->count; i++) {
		if (step == STEP_MAP) {
			int fd = scenario__create_file(files->paths[i], FILE_BYTES);

			if (fd < 0)
				return fd;
			if (!scenario__map_file(fd, FILE_BYTES, 0)) {
				close(fd);
				return -errno;
			}
			close(fd);
		} else if (unlink(files->paths[i])) {
			return -errno;
		}
	}
	return 0;
}

/* The snapshot file as Python's json module reads it, strict about the encoding. */
static void expect_python_reads_snapshot(void)
{
	char command[PATH_MAX + 128];

	snprintf(command, sizeof(command),
		 "python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' "
		 "'%s/snapshot.json'",
		 harness__work_dir());
	cr_assert_eq(system(command), 0, "python's json cannot read the snapshot");
}

/* A directory chain under parent whose file path is exactly length bytes; returns it in path. */
static void long_path(const char *parent, size_t length, char *path)
{
	size_t used = (size_t)snprintf(path, PATH_MAX, "%s", parent);

	while (length - used > 255) {
		used += (size_t)snprintf(path + used, PATH_MAX - used, "/%0200d", 0);
		cr_assert_eq(mkdir(path, 0755), 0, "mkdir: %s", strerror(errno));
	}
	path[used++] = '/';
	memset(path + used, 'f', length - used);
	path[length] = '\0';
}

/*
 * Names a user may choose that /proc prints as they are: each orphan is
 * listed with its path exactly as /proc/PID/maps has it, " (deleted)" in the
 * name kept, and a path of PATH_MAX - 1 bytes whole.
 */
Test(agent_hostile, names_with_spaces_quotes_backslashes_and_deleted_suffixes_are_kept_whole)
{
	static const char *const names[] = {
		"with space.index",    "quote\"d.index",	 "back\\slash.index",
		"old.index (deleted)", "  leading spaces.index",
	};
	struct hostile_files files = { 0 };
	struct scenario scenario;
	struct truth truth;
	char dir[PATH_MAX];
	json_t *snapshot;

	harness__make_dir(harness__work_dir(), dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		snprintf(files.paths[files.count++], PATH_MAX, "%.3800s/%s", dir, names[i]);
	long_path(dir, PATH_MAX - 1, files.paths[files.count++]);
	scenario__start(&scenario, hostile_steps, &files);
	scenario__step(&scenario, STEP_MAP);
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	truth__free(&truth);
	json_decref(snapshot);

	scenario__step(&scenario, STEP_UNLINK);
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	cr_assert_geq(truth.count, files.count, "/proc shows %zu orphans", truth.count);
	truth__free(&truth);
	json_decref(snapshot);
	expect_python_reads_snapshot();
	scenario__stop(&scenario);
	harness__remove_tree(dir);
}

/* The path the snapshot gives the orphaned mapping at start (owned by @entry), or NULL. */
static const char *snapshot_path_at(json_t *entry, uint64_t start)
{
	json_t *orphan, *mappings = truth__orphan_mappings(entry);
	const char *path = NULL;
	size_t index;
	char wanted[24];

	snprintf(wanted, sizeof(wanted), "%08llx", (unsigned long long)start);
	json_array_foreach(mappings, index, orphan)
	{
		if (!strcmp(json_string_value(json_object_get(orphan, "start")), wanted))
			path = json_string_value(json_object_get(orphan, "path"));
	}
	/* the strings are the entry's own: the flattened list only refers to them */
	json_decref(mappings);
	return path;
}

/*
 * Names JSON and the textfile must escape or replace: a newline, bytes that
 * are not UTF-8. Every such orphan is listed, at its address, with a path
 * that names its directory and file, and both readers accept the files.
 */
Test(agent_hostile, newlines_and_bytes_that_are_not_utf8_leave_the_outputs_valid)
{
	static const char *const names[] = { "new\nline.index", "\xff\xfe latin1 \xe9.index",
					     "\xc3\x28 broken.index", "tab\there.index" };
	struct hostile_files files = { 0 };
	struct scenario scenario;
	struct truth truth;
	char dir[PATH_MAX];
	json_t *snapshot, *entry;

	harness__make_dir(harness__work_dir(), dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		snprintf(files.paths[files.count++], PATH_MAX, "%.3800s/%s", dir, names[i]);
	scenario__start(&scenario, hostile_steps, &files);
	scenario__step(&scenario, STEP_MAP);
	scenario__step(&scenario, STEP_UNLINK);
	snapshot = harness__fresh_snapshot();
	truth__read(scenario.pid, &truth);
	entry = harness__snapshot_process(snapshot, scenario.pid);
	cr_assert_not_null(entry, "the process with %zu orphans is not listed", truth.count);
	cr_assert_eq(json_integer_value(json_object_get(entry, "orphaned_mappings")),
		     (json_int_t)truth.count);
	for (size_t i = 0; i < truth.count; i++) {
		const char *path = snapshot_path_at(entry, truth.orphans[i].start);

		cr_assert_not_null(path, "no orphan at %llx",
				   (unsigned long long)truth.orphans[i].start);
		if (strncmp(truth.orphans[i].path, dir, strlen(dir)))
			continue; /* Criterion's own arena */
		cr_expect(!strncmp(path, dir, strlen(dir)) && strstr(path, ".index"),
			  "orphan at %llx named %s", (unsigned long long)truth.orphans[i].start,
			  path);
		truth__expect_ages(entry, truth.orphans[i].ino, true, AGE_LIMIT_SECONDS);
	}
	truth__free(&truth);
	json_decref(snapshot);
	expect_python_reads_snapshot();
	scenario__stop(&scenario);
	harness__remove_tree(dir);
}

/* The textfile's comm label of pid, unescaped, in out; false when the pid has no series. */
static bool textfile_comm(pid_t pid, char *out, size_t size)
{
	FILE *file = fopen(harness__textfile_path(), "r");
	char line[4096], wanted[64];
	bool found = false;

	cr_assert_not_null(file);
	snprintf(wanted, sizeof(wanted), "mapwatch_process_map_count{pid=\"%d\",comm=\"", (int)pid);
	while (!found && fgets(line, sizeof(line), file)) {
		size_t used = 0;

		if (strncmp(line, wanted, strlen(wanted)))
			continue;
		for (const char *p = line + strlen(wanted); *p && *p != '"' && used + 1 < size;
		     p++) {
			if (*p == '\\') {
				p++;
				out[used++] = *p == 'n' ? '\n' : *p;
			} else {
				out[used++] = *p;
			}
		}
		out[used] = '\0';
		found = true;
	}
	fclose(file);
	return found;
}

/*
 * prctl(PR_SET_NAME) renames a process at any time: the next snapshot and
 * textfile carry the new name (read from the kernel every interval), escaped
 * where it has quotes, backslashes or a newline, and still valid.
 */
Test(agent_hostile, comm_follows_prctl_set_name_within_an_interval)
{
	struct hostile_files files = { 0 };
	struct scenario scenario;
	char dir[PATH_MAX], label[64];
	json_t *snapshot, *entry;

	harness__make_dir(harness__work_dir(), dir, sizeof(dir));
	snprintf(files.paths[files.count++], PATH_MAX, "%.3800s/held.index", dir);
	scenario__start(&scenario, hostile_steps, &files);
	scenario__step(&scenario, STEP_MAP);
	scenario__step(&scenario, STEP_UNLINK);
	for (int i = 0; i < (int)(sizeof(comm_names) / sizeof(comm_names[0])); i++) {
		const char *comm = comm_names[i];

		scenario__step(&scenario, STEP_NAME + i);
		snapshot = harness__fresh_snapshot();
		entry = harness__snapshot_process(snapshot, scenario.pid);
		cr_assert_not_null(entry);
		cr_assert_str_eq(json_string_value(json_object_get(entry, "comm")), comm,
				 "the snapshot still names pid %d %s", scenario.pid,
				 json_string_value(json_object_get(entry, "comm")));
		cr_assert(textfile_comm(scenario.pid, label, sizeof(label)), "no series of pid %d",
			  scenario.pid);
		cr_assert_str_eq(label, comm, "the textfile names pid %d '%s'", scenario.pid,
				 label);
		json_decref(snapshot);
	}
	expect_python_reads_snapshot();
	scenario__stop(&scenario);
	harness__remove_tree(dir);
}

/* Sets the pid the next fork gets, if no one else forks first: /proc/sys/kernel/ns_last_pid. */
static void next_pid_is(pid_t pid)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	char text[16];
	int length = snprintf(text, sizeof(text), "%d", (int)pid - 1);

	cr_assert_geq(fd, 0, "ns_last_pid: %s", strerror(errno));
	cr_assert_eq(write(fd, text, (size_t)length), length, "ns_last_pid: %s", strerror(errno));
	close(fd);
}

/*
 * A child that maps path (and unlinks it if told), renames itself to comm,
 * says so on ready_fd and holds until the test closes hold[1].
 */
static pid_t start_holder(const char *path, bool unlinked, const char *comm, int ready_fd,
			  const int hold[2])
{
	pid_t pid = fork();
	char byte = 'r';
	int fd;

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid) {
		close(hold[0]);
		return pid;
	}
	close(hold[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = scenario__create_file(path, FILE_BYTES);
	if (fd < 0 || !scenario__map_file(fd, FILE_BYTES, 0) || (unlinked && unlink(path)) ||
	    prctl(PR_SET_NAME, comm, 0, 0, 0))
		_exit(3);
	close(fd);
	if (write(ready_fd, &byte, 1) != 1)
		_exit(3);
	while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void wait_ready(int ready_fd)
{
	char byte;

	cr_assert_eq(read(ready_fd, &byte, 1), 1, "a holder failed");
}

/*
 * A process with an orphan exits and its pid goes, at once, to a new process
 * with other mappings: the snapshot and the textfile describe the new one
 * (its name, no orphan of the old one), never a mix.
 */
Test(agent_hostile, a_reused_pid_is_the_new_process_only)
{
	char dir[PATH_MAX], first[PATH_MAX + 32], second[PATH_MAX + 32], label[64];
	int ready[2], hold_first[2], hold_second[2];
	pid_t old = 0, reused = 0;
	struct truth truth;
	json_t *snapshot;

	harness__make_dir(harness__work_dir(), dir, sizeof(dir));
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	for (int attempt = 0; attempt < PID_REUSE_TRIES && !reused; attempt++) {
		snprintf(first, sizeof(first), "%s/old-%d.index", dir, attempt);
		snprintf(second, sizeof(second), "%s/new-%d.index", dir, attempt);
		cr_assert_eq(pipe2(hold_first, O_CLOEXEC), 0);
		old = start_holder(first, true, "old-holder", ready[1], hold_first);
		wait_ready(ready[0]);
		snapshot = harness__fresh_snapshot();
		truth__check(snapshot, old, &truth);
		cr_assert_gt(truth__count_inode(&truth, truth.count ? truth.orphans[0].ino : 0), 0);
		truth__free(&truth);
		json_decref(snapshot);

		close(hold_first[1]);
		cr_assert_eq(waitpid(old, NULL, 0), old);
		cr_assert_eq(pipe2(hold_second, O_CLOEXEC), 0);
		next_pid_is(old);
		reused = start_holder(second, false, "new-holder", ready[1], hold_second);
		wait_ready(ready[0]);
		if (reused != old) {
			/* another process took the pid first: try again */
			close(hold_second[1]);
			waitpid(reused, NULL, 0);
			reused = 0;
		}
	}
	cr_assert_neq(reused, 0, "no pid came back in %d tries", PID_REUSE_TRIES);

	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, reused, &truth);
	for (size_t i = 0; i < truth.count; i++)
		cr_assert(strncmp(truth.orphans[i].path, dir, strlen(dir)),
			  "the new process has %s", truth.orphans[i].path);
	truth__free(&truth);
	cr_assert(textfile_comm(reused, label, sizeof(label)), "no series of pid %d", reused);
	cr_assert_str_eq(label, "new-holder");
	json_decref(snapshot);
	close(hold_second[1]);
	waitpid(reused, NULL, 0);
	harness__remove_tree(dir);
}
