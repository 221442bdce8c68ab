// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "agent_start.h"
#include "snapshot_check.h"
#include "timed_run.h"

#define STOP_GRACE_SECONDS 10.0

static bool exited(pid_t pid)
{
	return timed_run__try_wait(pid) != -EAGAIN;
}

/* SIGTERM, then SIGKILL if it does not go within the grace time. */
static void stop_agent(pid_t pid)
{
	double deadline = timed_run__now() + STOP_GRACE_SECONDS;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	kill(pid, SIGTERM);
	while (!exited(pid)) {
		if (timed_run__now() > deadline) {
			kill(pid, SIGKILL);
			timed_run__wait(pid);
			return;
		}
		nanosleep(&pause, NULL);
	}
}

/* The file changed since it was last looked at (the agent renames a new one over it). */
static bool changed(const char *path, struct timespec *last_change, ino_t *last_inode)
{
	struct stat st;

	if (stat(path, &st))
		return false;
	if (st.st_ino == *last_inode && st.st_mtim.tv_sec == last_change->tv_sec &&
	    st.st_mtim.tv_nsec == last_change->tv_nsec)
		return false;
	*last_inode = st.st_ino;
	*last_change = st.st_mtim;
	return true;
}

int agent_start__time(const struct agent_start *run, double *seconds)
{
	char *argv[] = { (char *)run->mapwatch,	     "agent", "--interval", "1", "--snapshot",
			 (char *)run->snapshot_path, NULL };
	struct timespec poll = { 0, 1000 * 1000 }, last_change = { 0, 0 };
	double start = timed_run__now(), found;
	ino_t last_inode = 0;
	pid_t pid;

	pid = timed_run__start(argv, "/dev/null", run->stderr_path);
	if (pid < 0)
		return pid;
	for (;;) {
		if (changed(run->snapshot_path, &last_change, &last_inode)) {
			found = timed_run__now();
			if (snapshot_check__orphan_holders(run->snapshot_path, run->directory) ==
			    run->orphan_holders)
				break;
		}
		if (exited(pid))
			return -ECHILD;
		if (timed_run__now() - start > run->timeout_seconds) {
			stop_agent(pid);
			return -ETIMEDOUT;
		}
		nanosleep(&poll, NULL);
	}
	*seconds = found - start;
	stop_agent(pid);
	return 0;
}
