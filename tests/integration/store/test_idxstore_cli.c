// SPDX-License-Identifier: MIT
/* End to end: the idxstore binary with small sizes, its JSON, its exit codes and signals. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scratch_dir.h"

static char dir[] = "/tmp/idxstore-cli-XXXXXX";

static void setup(void)
{
	scratch_dir__create(dir);
}

static void teardown(void)
{
	scratch_dir__remove(dir);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 60);

/* Runs idxstore with @arguments; returns its exit status, stdout and stderr. */
static int run(const char *arguments, char *out, size_t out_size, char *err, size_t err_size)
{
	char command[2048], err_path[256];
	FILE *pipe, *err_file;
	size_t got;
	int status;

	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	snprintf(command, sizeof(command), "%s %s 2>%s", IDXSTORE_BINARY, arguments, err_path);
	pipe = popen(command, "r");
	cr_assert_not_null(pipe);
	got = fread(out, 1, out_size - 1, pipe);
	out[got] = '\0';
	status = pclose(pipe);
	err_file = fopen(err_path, "r");
	cr_assert_not_null(err_file);
	got = fread(err, 1, err_size - 1, err_file);
	err[got] = '\0';
	fclose(err_file);
	cr_assert(WIFEXITED(status), "idxstore did not exit normally");
	return WEXITSTATUS(status);
}

static json_int_t field(json_t *report, const char *name)
{
	json_t *value = json_object_get(report, name);

	cr_assert(json_is_integer(value), "field %s missing or not an integer", name);
	return json_integer_value(value);
}

static json_t *run_policy(const char *policy)
{
	char arguments[1024], out[8192], err[1024];
	json_error_t error;
	json_t *report;

	snprintf(arguments, sizeof(arguments),
		 "run --dir %s/%s --policy %s --partitions 2 --segment-bytes 32768 "
		 "--index-interval 512 --index-max-bytes 65536 --retention-segments 2 "
		 "--file-delete-delay 0.05 --readers 2 --rolls 12 --collect-delay never --seed 7",
		 dir, policy, policy);
	cr_assert_eq(run(arguments, out, sizeof(out), err, sizeof(err)), 0, "stderr: %s", err);
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "expected one line: %s", out);
	report = json_loads(out, 0, &error);
	cr_assert_not_null(report, "not JSON (%s): %s", error.text, out);
	cr_assert_str_eq(json_string_value(json_object_get(report, "policy")), policy);
	cr_assert_gt(field(report, "pid"), 0);
	cr_assert_eq(field(report, "rolls"), 12);
	/* Two partitions, two segments kept each. */
	cr_assert_eq(field(report, "segments"), 4);
	/* Every roll beyond retention deletes one segment; each partition starts with one. */
	cr_assert_eq(field(report, "deletions"), 12 + 2 - 4);
	cr_assert_eq(field(report, "resizes"), 2 * 12, "each roll trims two indexes");
	cr_assert_gt(field(report, "lookups"), 0);
	cr_assert_eq(field(report, "lookup_errors"), 0);
	return report;
}

Test(cli, remap_reports_the_leak)
{
	json_t *report = run_policy("remap");

	cr_assert_eq(field(report, "remaps"), 24);
	cr_assert_eq(field(report, "mappings_awaiting_collection"), 24);
	/* Each deleted segment's two full-size mappings are still there. */
	cr_assert_eq(field(report, "deleted_mappings_live"), 2 * 10);
	json_decref(report);
}

Test(cli, locked_unmap_reports_none)
{
	json_t *report = run_policy("locked-unmap");

	cr_assert_eq(field(report, "remaps"), 0);
	cr_assert_eq(field(report, "mappings_awaiting_collection"), 0);
	cr_assert_eq(field(report, "deleted_mappings_live"), 0);
	json_decref(report);
}

Test(cli, bad_options_exit_2_with_one_line)
{
	static const char *const cases[] = {
		"run --policy remap",
		"run --dir /tmp/x",
		"run --dir /tmp/x --policy sometimes",
		"run --dir /tmp/x --policy remap --readers lots",
		"run --dir /tmp/x --policy remap --rolls 3 --duration 1",
		"run --dir /tmp/x --policy remap --collect-delay -1",
		"run --dir /tmp/x --policy remap --frobnicate",
		"walk",
	};
	char out[1024], err[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(run(cases[i], out, sizeof(out), err, sizeof(err)), 2, "%s", cases[i]);
		cr_assert_eq(out[0], '\0');
		cr_assert(strchr(err, '\n') == err + strlen(err) - 1, "one line for %s: %s",
			  cases[i], err);
	}
}

Test(cli, unusable_directory_exits_1)
{
	char arguments[512], out[1024], err[1024];

	snprintf(arguments, sizeof(arguments), "run --dir %s/missing/deeper --policy remap", dir);
	cr_assert_eq(run(arguments, out, sizeof(out), err, sizeof(err)), 1);
	cr_assert(strstr(err, "No such file or directory"), "%s", err);
	cr_assert_eq(out[0], '\0');
}

/* How long a wait for the held process gives it: ample on a machine busy with other work. */
#define HOLD_DEADLINE_SECONDS 60

static double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Complete lines in @path so far; 0 when it does not exist yet. */
static int count_lines(const char *path)
{
	FILE *file = fopen(path, "r");
	int lines = 0, c;

	if (!file)
		return 0;
	while ((c = fgetc(file)) != EOF)
		lines += c == '\n';
	fclose(file);
	return lines;
}

/* Waits until the held process has printed @wanted reports; fails if it exits first. */
static void wait_for_reports(pid_t child, const char *out_path, int wanted)
{
	double deadline = now_seconds() + HOLD_DEADLINE_SECONDS;
	int lines, status = 0;

	while ((lines = count_lines(out_path)) < wanted) {
		cr_assert_eq(waitpid(child, &status, WNOHANG), 0,
			     "the held process exited (status %#x) after %d of %d reports", status,
			     lines, wanted);
		cr_assert_lt(now_seconds(), deadline,
			     "%d of %d reports from the held process in %d s", lines, wanted,
			     HOLD_DEADLINE_SECONDS);
		usleep(10000);
	}
}

Test(cli, hold_answers_sigusr1_and_stops_on_sigterm, .timeout = 100)
{
	char path[256], out_path[256], line[4096];
	json_t *first, *second, *third;
	FILE *out;
	pid_t child;
	int status;

	snprintf(path, sizeof(path), "%s/held", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	child = fork();
	cr_assert_geq(child, 0);
	if (!child) {
		if (!freopen(out_path, "w", stdout))
			_exit(127);
		execl(IDXSTORE_BINARY, "idxstore", "run", "--dir", path, "--policy", "remap",
		      "--segment-bytes", "8192", "--index-max-bytes", "4096",
		      "--retention-segments", "1", "--rolls", "5", "--readers", "1", "--hold",
		      (char *)NULL);
		_exit(127);
	}
	/* The first report marks the end of the workload. */
	wait_for_reports(child, out_path, 1);
	/* each SIGUSR1 is answered with one more report, and it holds on after each */
	cr_assert_eq(kill(child, SIGUSR1), 0);
	wait_for_reports(child, out_path, 2);
	cr_assert_eq(kill(child, SIGUSR1), 0);
	wait_for_reports(child, out_path, 3);
	cr_assert_eq(waitpid(child, &status, WNOHANG), 0, "--hold should keep it alive");
	cr_assert_eq(kill(child, SIGTERM), 0);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	out = fopen(out_path, "r");
	cr_assert_not_null(out);
	cr_assert_not_null(fgets(line, sizeof(line), out));
	first = json_loads(line, 0, NULL);
	cr_assert_not_null(fgets(line, sizeof(line), out));
	second = json_loads(line, 0, NULL);
	cr_assert_not_null(fgets(line, sizeof(line), out));
	third = json_loads(line, 0, NULL);
	fclose(out);
	cr_assert(first && second && third);
	cr_assert_eq(field(first, "pid"), child);
	/* Nothing changes while held: the state an observer sees is stable. */
	cr_assert_eq(field(second, "deleted_mappings_live"), field(first, "deleted_mappings_live"));
	cr_assert_eq(field(third, "deleted_mappings_live"), field(first, "deleted_mappings_live"));
	cr_assert_eq(field(second, "rolls"), 5);
	cr_assert_gt(field(first, "deleted_mappings_live"), 0);
	json_decref(first);
	json_decref(second);
	json_decref(third);
}
