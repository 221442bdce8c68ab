// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent_run.h"
#include "timed_run.h"

#define STOP_GRACE_SECONDS 30.0
/* Often enough to time an interval to a fraction of a percent, rarely enough to cost nothing. */
#define SNAPSHOT_POLL_NS (5 * 1000 * 1000)
#define TEXTFILE_POLL_NS (20 * 1000 * 1000)

static void pause_ns(long nanoseconds)
{
	struct timespec pause = { 0, nanoseconds };

	nanosleep(&pause, NULL);
}

static bool agent_exited(struct agent_run *run)
{
	if (run->process.pid <= 0)
		return true;
	if (timed_run__try_wait(run->process.pid) == -EAGAIN)
		return false;
	run->process.pid = 0;
	return true;
}

int agent_run__start(struct agent_run *run, const char *directory)
{
	char interval[32];
	char *argv[] = { (char *)run->mapwatch, "agent",      "--interval",  interval, "--textfile",
			 run->textfile,		"--snapshot", run->snapshot, NULL };
	pid_t pid;

	snprintf(run->process.directory, sizeof(run->process.directory), "%s", directory);
	snprintf(run->textfile, sizeof(run->textfile), "%s/metrics.prom", directory);
	snprintf(run->snapshot, sizeof(run->snapshot), "%s/snapshot.json", directory);
	snprintf(run->stderr_path, sizeof(run->stderr_path), "%s/agent.err", directory);
	snprintf(interval, sizeof(interval), "%g", run->interval_seconds);
	unlink(run->textfile);
	unlink(run->snapshot);
	run->snapshot_inode = 0;
	run->snapshot_mtime = (struct timespec){ 0, 0 };
	run->started = timed_run__now();
	pid = timed_run__start(argv, "/dev/null", run->stderr_path);
	if (pid < 0)
		return pid;
	run->process.pid = pid;
	return 0;
}

/* The snapshot is another file than when last looked at. */
static bool snapshot_replaced(struct agent_run *run)
{
	struct stat st;

	if (stat(run->snapshot, &st))
		return false;
	if (st.st_ino == run->snapshot_inode && st.st_mtim.tv_sec == run->snapshot_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == run->snapshot_mtime.tv_nsec)
		return false;
	run->snapshot_inode = st.st_ino;
	run->snapshot_mtime = st.st_mtim;
	return true;
}

static int await_replacement(struct agent_run *run, double *at)
{
	double deadline = timed_run__now() + run->timeout_seconds;

	while (!snapshot_replaced(run)) {
		if (agent_exited(run))
			return -ECHILD;
		if (timed_run__now() > deadline)
			return -ETIMEDOUT;
		pause_ns(SNAPSHOT_POLL_NS);
	}
	*at = timed_run__now();
	return 0;
}

int agent_run__first_snapshot(struct agent_run *run, double *seconds)
{
	double at;
	int err = await_replacement(run, &at);

	if (!err)
		*seconds = at - run->started;
	return err;
}

int agent_run__intervals(struct agent_run *run, int intervals, double *at)
{
	int err = 0;

	for (int i = 0; !err && i < intervals; i++)
		err = await_replacement(run, at);
	return err;
}

bool agent_run__metric(const struct agent_run *run, const char *name, double *value)
{
	return bench__textfile_value(&run->process, name, NULL, value);
}

int agent_run__await_metric(struct agent_run *run, const char *name, double minimum,
			    double timeout_seconds, double *at, double *last)
{
	double deadline = timed_run__now() + timeout_seconds, value;

	*last = BENCH_NONE;
	for (;;) {
		/* the textfile is renamed into place: every read sees a whole one */
		if (agent_run__metric(run, name, &value)) {
			*last = value;
			if (value >= minimum) {
				*at = timed_run__now();
				return 0;
			}
		}
		if (agent_exited(run))
			return -ECHILD;
		if (timed_run__now() > deadline)
			return -ETIMEDOUT;
		pause_ns(TEXTFILE_POLL_NS);
	}
}

double agent_run__status_bytes(const struct agent_run *run, const char *field)
{
	char path[64], line[256];
	size_t length = strlen(field);
	double kib = 0;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/status", run->process.pid);
	file = fopen(path, "re");
	if (!file)
		return 0;
	while (fgets(line, sizeof(line), file))
		if (!strncmp(line, field, length) && line[length] == ':' &&
		    sscanf(line + length + 1, "%lf", &kib) == 1)
			break;
	fclose(file);
	return kib * 1024;
}

double agent_run__cpu_seconds(const struct agent_run *run)
{
	return bench__cpu_seconds(run->process.pid);
}

long long agent_run__snapshot_bytes(const struct agent_run *run)
{
	struct stat st;

	return stat(run->snapshot, &st) ? -1 : (long long)st.st_size;
}

void agent_run__kill(const struct agent_run *run)
{
	if (run->process.pid > 0)
		kill(run->process.pid, SIGKILL);
}

void agent_run__stop(struct agent_run *run)
{
	double deadline = timed_run__now() + STOP_GRACE_SECONDS;

	if (run->process.pid <= 0)
		return;
	kill(run->process.pid, SIGTERM);
	while (!agent_exited(run)) {
		if (timed_run__now() > deadline) {
			agent_run__kill(run);
			timed_run__wait(run->process.pid);
			break;
		}
		pause_ns(TEXTFILE_POLL_NS);
	}
	run->process.pid = 0;
}

void agent_run__print_stderr(const struct agent_run *run)
{
	char line[512];
	FILE *file = fopen(run->stderr_path, "re");

	for (int i = 0; file && i < 5 && fgets(line, sizeof(line), file); i++)
		fprintf(stderr, "  agent: %s", line);
	if (file)
		fclose(file);
}
