// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"

/* 10,000 files are created, mapped and unlinked in one step. */
#define STEP_TIMEOUT_MS 120000
#define STOP_TIMEOUT_MS 10000

struct step_reply {
	int32_t error;
	uint64_t value;
};

bool scenario__read_full(int fd, void *buffer, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t got = read(fd, (char *)buffer + done, size - done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		done += (size_t)got;
	}
	return true;
}

bool scenario__write_full(int fd, const void *buffer, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t put = write(fd, (const char *)buffer + done, size - done);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return false;
		done += (size_t)put;
	}
	return true;
}

static void __attribute__((noreturn))
run_child(int command_fd, int reply_fd, scenario_step_fn step_fn, void *state)
{
	int step;

	/* the test may fail and exit without stopping us */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (scenario__read_full(command_fd, &step, sizeof(step))) {
		struct step_reply reply = { 0 };
		int err = step_fn(state, step, &reply.value);

		reply.error = err;
		if (!scenario__write_full(reply_fd, &reply, sizeof(reply)))
			break;
	}
	_exit(0);
}

void scenario__start(struct scenario *scenario, scenario_step_fn step_fn, void *state)
{
	int commands[2], replies[2];

	/* close-on-exec: an exec in the child closes its reply end, which the test sees */
	cr_assert_eq(pipe2(commands, O_CLOEXEC), 0, "pipe: %s", strerror(errno));
	cr_assert_eq(pipe2(replies, O_CLOEXEC), 0, "pipe: %s", strerror(errno));
	scenario->pid = fork();
	cr_assert_geq(scenario->pid, 0, "fork: %s", strerror(errno));
	if (scenario->pid == 0) {
		close(commands[1]);
		close(replies[0]);
		run_child(commands[0], replies[1], step_fn, state);
	}
	close(commands[0]);
	close(replies[1]);
	scenario->command_fd = commands[1];
	scenario->reply_fd = replies[0];
}

static bool wait_readable(int fd, int timeout_ms)
{
	struct pollfd entry = { .fd = fd, .events = POLLIN };
	int ready;

	do
		ready = poll(&entry, 1, timeout_ms);
	while (ready < 0 && errno == EINTR);
	return ready > 0;
}

uint64_t scenario__step(struct scenario *scenario, int step)
{
	struct step_reply reply;

	cr_assert(scenario__write_full(scenario->command_fd, &step, sizeof(step)),
		  "scenario child %d is gone before step %d", scenario->pid, step);
	cr_assert(wait_readable(scenario->reply_fd, STEP_TIMEOUT_MS),
		  "scenario child %d: step %d did not finish in %d ms", scenario->pid, step,
		  STEP_TIMEOUT_MS);
	cr_assert(scenario__read_full(scenario->reply_fd, &reply, sizeof(reply)),
		  "scenario child %d died in step %d", scenario->pid, step);
	cr_assert_eq(reply.error, 0, "scenario child %d: step %d: %s", scenario->pid, step,
		     strerror(-reply.error));
	return reply.value;
}

/*
 * True once the process sits blocked in a system call other than execve:
 * /proc/PID/syscall shows "running" while it runs and the number of the call
 * it blocks in otherwise.
 */
static bool blocked_after_exec(pid_t pid)
{
	char path[64], line[256];
	bool blocked = false;
	FILE *file;
	long number;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	file = fopen(path, "r");
	if (!file)
		return false;
	if (fgets(line, sizeof(line), file) && sscanf(line, "%ld", &number) == 1)
		blocked = number != SYS_execve && number != SYS_execveat;
	fclose(file);
	return blocked;
}

void scenario__step_into_exec(struct scenario *scenario, int step)
{
	uint64_t deadline;
	struct step_reply reply;

	cr_assert(scenario__write_full(scenario->command_fd, &step, sizeof(step)));
	cr_assert(wait_readable(scenario->reply_fd, STEP_TIMEOUT_MS),
		  "scenario child %d: no exec in %d ms", scenario->pid, STEP_TIMEOUT_MS);
	/* a reply means the step failed before the exec */
	if (scenario__read_full(scenario->reply_fd, &reply, sizeof(reply)))
		cr_assert_fail("scenario child %d: exec step failed: %s", scenario->pid,
			       strerror(-reply.error));
	/*
	 * The pipe closes at close-on-exec, early in execve and before the
	 * sched_process_exec tracepoint fires; the exec is over for the agent
	 * only once the new image has returned to user space and blocked.
	 */
	deadline = harness__now_ns() + STEP_TIMEOUT_MS * 1000000ull;
	while (!blocked_after_exec(scenario->pid)) {
		cr_assert(harness__now_ns() < deadline,
			  "scenario child %d: not blocked in its new image after %d ms",
			  scenario->pid, STEP_TIMEOUT_MS);
		usleep(1000);
	}
}

void scenario__stop(struct scenario *scenario)
{
	uint64_t deadline = harness__now_ns() + STOP_TIMEOUT_MS * 1000000ull;
	int status;

	if (scenario->pid <= 0)
		return;
	close(scenario->command_fd);
	close(scenario->reply_fd);
	while (waitpid(scenario->pid, &status, WNOHANG) == 0) {
		if (harness__now_ns() > deadline) {
			kill(scenario->pid, SIGKILL);
			waitpid(scenario->pid, &status, 0);
			break;
		}
		usleep(1000);
	}
	scenario->pid = 0;
}

int scenario__create_file(const char *path, size_t size)
{
	char block[4096];
	size_t written = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	memset(block, 'm', sizeof(block));
	while (written < size) {
		size_t chunk = size - written < sizeof(block) ? size - written : sizeof(block);
		ssize_t put = write(fd, block, chunk);

		if (put <= 0) {
			int err = put < 0 ? -errno : -EIO;

			close(fd);
			return err;
		}
		written += (size_t)put;
	}
	return fd;
}

void *scenario__map_file(int fd, size_t length, off_t offset)
{
	void *address = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);

	return address == MAP_FAILED ? NULL : address;
}

int scenario__inode(int fd, uint64_t *ino)
{
	struct stat status;

	if (fstat(fd, &status))
		return -errno;
	*ino = (uint64_t)status.st_ino;
	return 0;
}

int scenario__orphan_files_step(void *state, int step, uint64_t *value)
{
	struct scenario_orphan_files *files = state;
	char path[PATH_MAX + 64];

	(void)step;
	for (int i = 0; i < files->count; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%020d.index", files->dir, i);
		fd = scenario__create_file(path, files->page);
		if (fd < 0)
			return fd;
		if (!scenario__map_file(fd, files->page, 0)) {
			close(fd);
			return -errno;
		}
		close(fd);
	}
	for (int i = 0; i < files->count; i++) {
		snprintf(path, sizeof(path), "%s/%020d.index", files->dir, i);
		if (unlink(path))
			return -errno;
	}
	*value = harness__now_ns();
	return 0;
}
