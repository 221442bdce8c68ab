// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "timed_run.h"

static volatile sig_atomic_t running;

double timed_run__now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void redirect(int target, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || dup2(fd, target) < 0)
		_exit(126);
	close(fd);
}

pid_t timed_run__start(char *const argv[], const char *stdout_path, const char *stderr_path)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126);
		redirect(STDOUT_FILENO, stdout_path);
		redirect(STDERR_FILENO, stderr_path);
		execvp(argv[0], argv);
		_exit(127);
	}
	running = pid;
	return pid;
}

static int reap(pid_t pid, int options)
{
	pid_t reaped;
	int status;

	while ((reaped = waitpid(pid, &status, options)) < 0 && errno == EINTR)
		;
	if (reaped == 0)
		return -EAGAIN;
	running = 0;
	if (reaped < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int timed_run__wait(pid_t pid)
{
	return reap(pid, 0);
}

int timed_run__try_wait(pid_t pid)
{
	return reap(pid, WNOHANG);
}

int timed_run__run(char *const argv[], const char *stdout_path, const char *stderr_path,
		   double *seconds)
{
	double start = timed_run__now();
	pid_t pid = timed_run__start(argv, stdout_path, stderr_path);
	int status;

	if (pid < 0)
		return pid;
	status = timed_run__wait(pid);
	*seconds = timed_run__now() - start;
	return status;
}

void timed_run__kill_running(void)
{
	if (running > 0)
		kill(running, SIGKILL);
}
