// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process_util.h"

pid_t process__spawn(char *const argv[], int stdout_fd, const char *stderr_path)
{
	int stderr_fd, null_fd;
	pid_t pid;

	stderr_fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(stderr_fd, 0, "%s: %s", stderr_path, strerror(errno));
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert_geq(null_fd, 0, "/dev/null: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* dup2 clears close-on-exec on the copies. */
		if (dup2(null_fd, STDIN_FILENO) < 0 ||
		    dup2(stdout_fd >= 0 ? stdout_fd : null_fd, STDOUT_FILENO) < 0 ||
		    dup2(stderr_fd, STDERR_FILENO) < 0)
			_exit(126);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(stderr_fd);
	close(null_fd);
	return pid;
}

bool process__exited(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

int process__stop(pid_t pid, int grace_ms)
{
	double deadline = clock__monotonic_seconds() + grace_ms / 1000.0;
	int status = 0;

	if (kill(pid, SIGTERM) < 0 && errno == ESRCH)
		return waitpid(pid, &status, 0) == pid ? status : -1;
	/* returns as soon as it exits; a busy machine may take a while to let it */
	while (clock__monotonic_seconds() < deadline) {
		if (process__exited(pid, &status))
			return status;
		usleep(10 * 1000);
	}
	if (process__exited(pid, &status))
		return status;
	kill(pid, SIGKILL);
	return waitpid(pid, &status, 0) == pid ? status : -1;
}

void process__read_text(const char *path, char *text, size_t size)
{
	FILE *file = fopen(path, "r");
	size_t got = 0;

	if (file) {
		got = fread(text, 1, size - 1, file);
		fclose(file);
	}
	text[got] = '\0';
}

void scratch__make_dir(const char *prefix, char *path, size_t size)
{
	cr_assert_lt((size_t)snprintf(path, size, "/tmp/%s-XXXXXX", prefix), size);
	cr_assert_not_null(mkdtemp(path), "mkdtemp %s: %s", path, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void scratch__remove_tree(const char *path)
{
	if (path[0])
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static double clock_seconds(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

double clock__wall_seconds(void)
{
	return clock_seconds(CLOCK_REALTIME);
}

double clock__monotonic_seconds(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}
