// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_runner.h"
#include "process_util.h"
#include "promtool_check.h"
#include "test_deadline.h"

/*
 * Long enough that no timed write lands while a test waits for the one it
 * asked for; loading the BPF programs and seeding from /proc takes a few
 * seconds on a busy host.
 */
#define AGENT_INTERVAL "120"
#define AGENT_START_TIMEOUT_SECONDS ((double)TEST_DEADLINE_SECONDS)
#define SNAPSHOT_TIMEOUT_SECONDS ((double)TEST_DEADLINE_SECONDS)

static int cannot_start(struct agent_runner *agent, const char *why, char *reason,
			size_t reason_size)
{
	char text[4096];

	process__read_text(agent->stderr_path, text, sizeof(text));
	snprintf(reason, reason_size, "the agent %s; its stderr:\n%s", why, text);
	agent_runner__stop(agent);
	return -1;
}

int agent_runner__start(struct agent_runner *agent, char *reason, size_t reason_size)
{
	char *argv[] = { MAPWATCH_BINARY, "agent", "--interval", AGENT_INTERVAL,
			 /* every orphaned mapping listed: they are matched one by one */
			 "--ranges", "0", "--snapshot", agent->snapshot_path, "--textfile",
			 agent->textfile_path, NULL };
	struct stat status;
	double deadline;
	int wait_status;

	memset(agent, 0, sizeof(*agent));
	scratch__make_dir("mapwatch-e2e-agent", agent->dir, sizeof(agent->dir));
	snprintf(agent->snapshot_path, sizeof(agent->snapshot_path), "%s/snapshot.json",
		 agent->dir);
	snprintf(agent->textfile_path, sizeof(agent->textfile_path), "%s/metrics.prom", agent->dir);
	snprintf(agent->stderr_path, sizeof(agent->stderr_path), "%s/agent.stderr", agent->dir);
	agent->started_wall_seconds = clock__wall_seconds();
	agent->pid = process__spawn(argv, -1, agent->stderr_path);

	deadline = clock__monotonic_seconds() + AGENT_START_TIMEOUT_SECONDS;
	while (stat(agent->snapshot_path, &status) < 0) {
		if (process__exited(agent->pid, &wait_status)) {
			agent->pid = 0;
			return cannot_start(agent, "exited before its first snapshot", reason,
					    reason_size);
		}
		if (clock__monotonic_seconds() > deadline)
			return cannot_start(agent, "wrote no first snapshot in time", reason,
					    reason_size);
		usleep(20 * 1000);
	}
	cr_log_info("agent pid %d writing %s", (int)agent->pid, agent->snapshot_path);
	return 0;
}

static json_t *load_snapshot(const char *path)
{
	json_error_t error;
	json_t *snapshot = json_load_file(path, 0, &error);

	/* The file is replaced by rename: a reader never sees half of it. */
	cr_assert_not_null(snapshot, "%s is not JSON: %s (line %d)", path, error.text, error.line);
	cr_assert_eq(json_integer_value(json_object_get(snapshot, "version")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(snapshot, "source")), "agent");
	cr_assert(json_is_array(json_object_get(snapshot, "processes")));
	return snapshot;
}

/* One SIGUSR1, and until the snapshot file is replaced (renamed over: a new inode). */
static void ask_for_a_write(struct agent_runner *agent)
{
	struct stat before, now;
	double deadline;
	int wait_status;

	cr_assert_eq(stat(agent->snapshot_path, &before), 0, "%s: %s", agent->snapshot_path,
		     strerror(errno));
	cr_assert_eq(kill(agent->pid, SIGUSR1), 0, "SIGUSR1: %s", strerror(errno));
	deadline = clock__monotonic_seconds() + SNAPSHOT_TIMEOUT_SECONDS;
	while (stat(agent->snapshot_path, &now) != 0 || now.st_ino == before.st_ino) {
		if (process__exited(agent->pid, &wait_status)) {
			char text[4096];

			agent->pid = 0;
			process__read_text(agent->stderr_path, text, sizeof(text));
			cr_assert_fail("the agent exited (status 0x%x); its stderr:\n%s",
				       wait_status, text);
		}
		cr_assert_lt(clock__monotonic_seconds(), deadline,
			     "the agent did not replace %s within %.0f s of SIGUSR1",
			     agent->snapshot_path, SNAPSHOT_TIMEOUT_SECONDS);
		usleep(5 * 1000);
	}
}

json_t *agent_runner__fresh_snapshot(struct agent_runner *agent)
{
	cr_assert_gt(agent->pid, 0, "the agent is not running");
	/*
	 * Asked twice: a write the agent made on its own (an interval, or
	 * orphans that appeared) may be under way when the first ask comes,
	 * holding less; the second ask comes once a write was seen, so the
	 * write it waits for began after the first ask was read.
	 */
	ask_for_a_write(agent);
	ask_for_a_write(agent);
	/* the textfile of the same write, as Prometheus reads it */
	promtool_check__textfile(agent->textfile_path);
	return load_snapshot(agent->snapshot_path);
}

json_t *agent_runner__process(json_t *snapshot, pid_t pid)
{
	json_t *processes = json_object_get(snapshot, "processes"), *entry;
	size_t index;

	json_array_foreach(processes, index, entry)
	{
		if (json_integer_value(json_object_get(entry, "pid")) == pid)
			return entry;
	}
	return NULL;
}

void agent_runner__stop(struct agent_runner *agent)
{
	char text[4096];
	int status;

	if (agent->pid > 0) {
		status = process__stop(agent->pid, TEST_DEADLINE_SECONDS * 1000);
		agent->pid = 0;
		process__read_text(agent->stderr_path, text, sizeof(text));
		cr_expect(
			WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"the agent did not exit cleanly on SIGTERM (status 0x%x); its stderr:\n%s",
			status, text);
	}
	scratch__remove_tree(agent->dir);
	agent->dir[0] = '\0';
}
