// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "map_holder.h"

#define COMMAND_UNLINK 'U'
#define ANSWER_READY 'R'
#define ANSWER_UNLINKED 'D'
#define ANSWER_FAILED 'E'

static void file_path(const struct map_holder *holder, long index, char *out, size_t size)
{
	snprintf(out, size, "%s/%05ld", holder->directory, index);
}

/*
 * Mapping i goes to page 2i+1 of the reserved region: a PROT_NONE page stays
 * on both sides of it, so the kernel merges none of them into one VMA.
 */
static int map_all(const struct map_holder *holder)
{
	long page = sysconf(_SC_PAGESIZE), mappings = map_holder__mappings(holder);
	char path[PATH_MAX];
	char *region;

	region = mmap(NULL, (size_t)(2 * mappings + 1) * page, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		return -errno;
	for (long f = 0; f < holder->files; f++) {
		int fd;

		file_path(holder, f, path, sizeof(path));
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (ftruncate(fd, page)) {
			close(fd);
			return -errno;
		}
		for (long m = 0; m < holder->maps_per_file; m++) {
			char *address = region + (2 * (f * holder->maps_per_file + m) + 1) * page;

			if (mmap(address, page, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) ==
			    MAP_FAILED) {
				close(fd);
				return -errno;
			}
		}
		/* only the mappings keep the file: unlinking it then orphans them */
		close(fd);
	}
	return 0;
}

static int unlink_all(const struct map_holder *holder)
{
	char path[PATH_MAX];

	for (long f = 0; f < holder->files; f++) {
		file_path(holder, f, path, sizeof(path));
		if (unlink(path))
			return -errno;
	}
	return 0;
}

static void answer(int fd, char byte)
{
	if (write(fd, &byte, 1) != 1)
		_exit(1);
}

static void run_holder(const struct map_holder *holder, pid_t parent, int commands, int answers)
{
	char command;

	prctl(PR_SET_NAME, MAP_HOLDER_COMM);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	answer(answers, map_all(holder) ? ANSWER_FAILED : ANSWER_READY);
	/* EOF: the benchmark is done with us */
	while (read(commands, &command, 1) == 1)
		if (command == COMMAND_UNLINK)
			answer(answers, unlink_all(holder) ? ANSWER_FAILED : ANSWER_UNLINKED);
	_exit(0);
}

long map_holder__mappings(const struct map_holder *holder)
{
	return holder->files * holder->maps_per_file;
}

/* The holder's next answer byte, waited for at most the timeout. */
static int await_answer(struct map_holder *holder, char expected)
{
	struct pollfd ready = { .fd = holder->answer_fd, .events = POLLIN };
	int timeout_ms = (int)(holder->timeout_seconds * 1000);
	char byte;
	int polled;

	polled = poll(&ready, 1, timeout_ms);
	if (polled < 0)
		return -errno;
	if (polled == 0)
		return -ETIMEDOUT;
	if (read(holder->answer_fd, &byte, 1) != 1 || byte != expected)
		return -ECHILD;
	return 0;
}

int map_holder__start(struct map_holder *holder)
{
	pid_t parent = getpid();
	int commands[2], answers[2], err;

	holder->pid = 0;
	holder->command_fd = holder->answer_fd = -1;
	if (pipe2(commands, O_CLOEXEC))
		return -errno;
	if (pipe2(answers, O_CLOEXEC)) {
		err = -errno;
		close(commands[0]);
		close(commands[1]);
		return err;
	}
	holder->pid = fork();
	if (holder->pid == 0) {
		close(commands[1]);
		close(answers[0]);
		run_holder(holder, parent, commands[0], answers[1]);
	}
	err = holder->pid < 0 ? -errno : 0;
	close(commands[0]);
	close(answers[1]);
	holder->command_fd = commands[1];
	holder->answer_fd = answers[0];
	if (holder->pid < 0)
		holder->pid = 0;
	if (!err)
		err = await_answer(holder, ANSWER_READY);
	if (err)
		map_holder__stop(holder);
	return err;
}

int map_holder__unlink_all(struct map_holder *holder)
{
	char command = COMMAND_UNLINK;

	if (write(holder->command_fd, &command, 1) != 1)
		return -ECHILD;
	return await_answer(holder, ANSWER_UNLINKED);
}

void map_holder__kill(const struct map_holder *holder)
{
	if (holder->pid > 0)
		kill(holder->pid, SIGKILL);
}

void map_holder__stop(struct map_holder *holder)
{
	if (holder->pid > 0) {
		map_holder__kill(holder);
		while (waitpid(holder->pid, NULL, 0) < 0 && errno == EINTR)
			;
		holder->pid = 0;
	}
	if (holder->command_fd >= 0)
		close(holder->command_fd);
	if (holder->answer_fd >= 0)
		close(holder->answer_fd);
	holder->command_fd = holder->answer_fd = -1;
}
