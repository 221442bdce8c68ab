// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_harness.h"
#include "promtool_check.h"
#include "test_deadline.h"

#define ENV_WORK_DIR "MAPWATCH_TEST_WORK_DIR"
#define ENV_AGENT_PID "MAPWATCH_TEST_AGENT_PID"
#define ENV_AGENT_ERROR "MAPWATCH_TEST_AGENT_ERROR"
#define ENV_EXTERNAL "MAPWATCH_TEST_AGENT_EXTERNAL"
/* Seeding walks every process of the host first; give a busy machine time. */
#define START_TIMEOUT_NS TEST_DEADLINE_NS
/* 10,000 orphans take a while to resolve the first time; still far below this. */
#define WRITE_TIMEOUT_NS TEST_DEADLINE_NS
/* A clean exit frees the BPF programs and the tracker; SIGKILL after this. */
#define STOP_TIMEOUT_NS TEST_DEADLINE_NS
#define POLL_NS 2000000l

static char path_buffer[PATH_MAX];

uint64_t harness__now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static void sleep_ns(long ns)
{
	struct timespec pause = { .tv_sec = 0, .tv_nsec = ns };

	nanosleep(&pause, NULL);
}

const char *harness__work_dir(void)
{
	const char *dir = getenv(ENV_WORK_DIR);

	cr_assert_not_null(dir, "the agent harness did not run");
	return dir;
}

static const char *work_file(const char *name)
{
	snprintf(path_buffer, sizeof(path_buffer), "%s/%s", harness__work_dir(), name);
	return path_buffer;
}

const char *harness__textfile_path(void)
{
	return work_file("metrics.prom");
}

static void record_failure(const char *fmt, ...)
{
	char message[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	setenv(ENV_AGENT_ERROR, message, 1);
	setenv(ENV_AGENT_PID, "0", 1);
}

/* Fixed arguments, the extra ones, and the terminating NULL. */
#define AGENT_ARGS_MAX 32

static void exec_agent(const char *dir, const char *const *extra_args)
{
	char snapshot[PATH_MAX], textfile[PATH_MAX], log[PATH_MAX];
	/*
	 * A long interval: every write in a test is one the test asked for.
	 * Every orphaned mapping listed (--ranges 0): the checks compare each
	 * with /proc; a test of the cap gives --ranges again among its extras.
	 */
	const char *fixed[] = { "mapwatch",   "agent",	  "--interval", "600",	      "--top",
				"0",	      "--ranges", "0",		"--snapshot", snapshot,
				"--textfile", textfile,	  NULL };
	const char *argv[AGENT_ARGS_MAX];
	size_t argc = 0;
	int fd;

	snprintf(snapshot, sizeof(snapshot), "%s/snapshot.json", dir);
	snprintf(textfile, sizeof(textfile), "%s/metrics.prom", dir);
	snprintf(log, sizeof(log), "%s/agent.stderr", dir);
	/* never outlive the test run, even when it crashes */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	for (size_t i = 0; fixed[i]; i++)
		argv[argc++] = fixed[i];
	for (; extra_args && *extra_args && argc < AGENT_ARGS_MAX - 1; extra_args++)
		argv[argc++] = *extra_args;
	argv[argc] = NULL;
	execv(MAPWATCH_BINARY, (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", MAPWATCH_BINARY, strerror(errno));
	_exit(127);
}

void harness__start_agent(void)
{
	harness__start_agent_with(NULL);
}

void harness__start_agent_with(const char *const *extra_args)
{
	char dir[] = "/tmp/mapwatch-agent-test.XXXXXX";
	char snapshot[PATH_MAX], pid_text[32];
	uint64_t deadline;
	struct stat status;
	pid_t pid;

	/* An agent started by hand (under a debugger, say) is used as it is. */
	if (getenv(ENV_AGENT_PID) && getenv(ENV_WORK_DIR)) {
		setenv(ENV_EXTERNAL, "1", 1);
		return;
	}
	if (!mkdtemp(dir)) {
		record_failure("cannot create a work directory: %s", strerror(errno));
		return;
	}
	setenv(ENV_WORK_DIR, dir, 1);
	snprintf(snapshot, sizeof(snapshot), "%s/snapshot.json", dir);
	pid = fork();
	if (pid < 0) {
		record_failure("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		exec_agent(dir, extra_args);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	deadline = harness__now_ns() + START_TIMEOUT_NS;
	while (stat(snapshot, &status)) {
		int exit_status;

		if (waitpid(pid, &exit_status, WNOHANG) == pid) {
			record_failure("the agent exited with status %d before its first snapshot",
				       WIFEXITED(exit_status) ? WEXITSTATUS(exit_status)
							      : 128 + WTERMSIG(exit_status));
			return;
		}
		if (harness__now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			record_failure("no snapshot after %llu s",
				       START_TIMEOUT_NS / 1000000000ull);
			return;
		}
		sleep_ns(10 * POLL_NS);
	}
	setenv(ENV_AGENT_PID, pid_text, 1);
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	remove(path);
	return 0;
}

void harness__remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void harness__stop_agent(void)
{
	const char *pid_text = getenv(ENV_AGENT_PID);
	const char *dir = getenv(ENV_WORK_DIR);
	pid_t pid = pid_text ? (pid_t)atoi(pid_text) : 0;

	if (getenv(ENV_EXTERNAL))
		return;
	if (pid > 0) {
		uint64_t deadline = harness__now_ns() + STOP_TIMEOUT_NS;
		int exit_status = 0;

		kill(pid, SIGTERM);
		while (waitpid(pid, &exit_status, WNOHANG) == 0) {
			if (harness__now_ns() > deadline) {
				fprintf(stderr, "the agent ignored SIGTERM for %llu s\n",
					STOP_TIMEOUT_NS / 1000000000ull);
				kill(pid, SIGKILL);
				waitpid(pid, &exit_status, 0);
				break;
			}
			sleep_ns(10 * POLL_NS);
		}
		if (!WIFEXITED(exit_status) || WEXITSTATUS(exit_status) != 0)
			fprintf(stderr, "the agent ended with wait status %#x\n", exit_status);
	}
	if (dir && getenv("MAPWATCH_TEST_KEEP") == NULL)
		harness__remove_tree(dir);
}

void harness__kill_agent(void)
{
	const char *pid_text = getenv(ENV_AGENT_PID);
	const char *dir = getenv(ENV_WORK_DIR);
	pid_t pid = pid_text ? (pid_t)atoi(pid_text) : 0;

	cr_assert_gt(pid, 0, "no agent to kill");
	cr_assert_eq(kill(pid, SIGKILL), 0, "kill: %s", strerror(errno));
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	unsetenv(ENV_AGENT_PID);
	if (dir && getenv("MAPWATCH_TEST_KEEP") == NULL)
		harness__remove_tree(dir);
	unsetenv(ENV_WORK_DIR);
}

pid_t harness__agent_pid(void)
{
	const char *pid_text = getenv(ENV_AGENT_PID);

	return pid_text ? (pid_t)atoi(pid_text) : 0;
}

json_t *harness__current_snapshot(void)
{
	const char *snapshot = work_file("snapshot.json");
	json_error_t error;
	json_t *root = json_load_file(snapshot, 0, &error);

	cr_assert_not_null(root, "%s: line %d: %s", snapshot, error.line, error.text);
	return root;
}

static void read_agent_stderr(char *text, size_t size)
{
	FILE *log = fopen(work_file("agent.stderr"), "r");
	size_t length = 0;

	text[0] = '\0';
	if (!log)
		return;
	length = fread(text, 1, size - 1, log);
	text[length] = '\0';
	fclose(log);
}

static bool agent_alive(pid_t pid, char *state_out)
{
	char stat_path[64], line[512], *close_paren;
	FILE *file;

	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)pid);
	file = fopen(stat_path, "r");
	if (!file)
		return false;
	if (!fgets(line, sizeof(line), file)) {
		fclose(file);
		return false;
	}
	fclose(file);
	/* a zombie still answers kill(pid, 0): look at the state letter */
	close_paren = strrchr(line, ')');
	*state_out = close_paren && close_paren[1] ? close_paren[2] : '?';
	return *state_out != 'Z' && *state_out != 'X';
}

void harness__require_agent(void)
{
	const char *pid_text = getenv(ENV_AGENT_PID);
	const char *error = getenv(ENV_AGENT_ERROR);
	const char *ci = getenv("CI");
	pid_t pid = pid_text ? (pid_t)atoi(pid_text) : 0;
	char log[4096], state = '?';

	if (pid > 0 && agent_alive(pid, &state))
		return;
	if (getenv(ENV_WORK_DIR))
		read_agent_stderr(log, sizeof(log));
	else
		log[0] = '\0';
	if (!error)
		error = pid > 0 ? "the agent is no longer running" : "the agent was not started";
	if (ci && !strcmp(ci, "true"))
		cr_assert_fail("mapwatch agent unavailable: %s; its stderr:\n%s", error, log);
	cr_skip_test("mapwatch agent unavailable (set CI=true to fail): %s; its stderr: %s", error,
		     log);
}

/* One SIGUSR1, and until the snapshot file is replaced. */
static void ask_for_a_write(pid_t pid, const char *snapshot)
{
	char log[4096], state = '?';
	struct stat before, after;
	uint64_t deadline;

	cr_assert_eq(stat(snapshot, &before), 0, "%s: %s", snapshot, strerror(errno));
	cr_assert_eq(kill(pid, SIGUSR1), 0, "kill: %s", strerror(errno));
	deadline = harness__now_ns() + WRITE_TIMEOUT_NS;
	/* Written by rename over the old one: a new inode while the old one still existed. */
	for (;;) {
		if (!stat(snapshot, &after) && after.st_ino != before.st_ino)
			return;
		if (harness__now_ns() > deadline || !agent_alive(pid, &state)) {
			read_agent_stderr(log, sizeof(log));
			cr_assert_fail("the agent (state %c) did not replace %s within %llu s; "
				       "its stderr:\n%s",
				       state, snapshot, WRITE_TIMEOUT_NS / 1000000000ull, log);
		}
		sleep_ns(POLL_NS);
	}
}

json_t *harness__fresh_snapshot(void)
{
	const char *pid_text = getenv(ENV_AGENT_PID);
	pid_t pid = pid_text ? (pid_t)atoi(pid_text) : 0;
	char snapshot[PATH_MAX];
	json_error_t error;
	json_t *root;

	cr_assert_gt(pid, 0, "no agent");
	snprintf(snapshot, sizeof(snapshot), "%s", work_file("snapshot.json"));
	/*
	 * Asked twice: a write the agent made on its own (orphans appeared) may
	 * be under way when the first ask comes, holding less than the test did;
	 * the second ask comes once a write was seen, so the write it waits for
	 * began after the first ask was read.
	 */
	ask_for_a_write(pid, snapshot);
	ask_for_a_write(pid, snapshot);
	/* the textfile of the same write is already in place: it goes first */
	promtool_check__textfile(harness__textfile_path());
	root = json_load_file(snapshot, 0, &error);
	cr_assert_not_null(root, "%s: line %d: %s", snapshot, error.line, error.text);
	cr_assert_eq(json_integer_value(json_object_get(root, "version")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(root, "source")), "agent");
	cr_assert(json_is_array(json_object_get(root, "processes")));
	return root;
}

/* The id of the BPF ring buffer among the agent's open fds, from their fdinfo; 0 when none. */
static unsigned int ring_buffer_map_id(pid_t pid)
{
	char path[64], line[128];
	unsigned int found = 0;
	struct dirent *entry;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(path);
	if (!fds)
		return 0;
	while (!found && (entry = readdir(fds))) {
		unsigned int type = 0, id = 0;
		FILE *info;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%.32s", (int)pid, entry->d_name);
		info = fopen(path, "r");
		if (!info)
			continue;
		while (fgets(line, sizeof(line), info))
			if (sscanf(line, "map_type: %u", &type) != 1)
				(void)sscanf(line, "map_id: %u", &id);
		fclose(info);
		if (type == BPF_MAP_TYPE_RINGBUF)
			found = id;
	}
	closedir(fds);
	return found;
}

void harness__wait_ring_drained(void)
{
	pid_t pid = harness__agent_pid();
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	union bpf_attr attr = { 0 };
	unsigned long *consumer, *producer, target, position;
	char log[4096], state = '?';
	uint64_t deadline;
	int fd;

	cr_assert_gt(pid, 0, "no agent");
	attr.map_id = ring_buffer_map_id(pid);
	cr_assert_neq(attr.map_id, 0, "the agent (pid %d) holds no BPF ring buffer", (int)pid);
	fd = (int)syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));
	cr_assert_geq(fd, 0, "BPF_MAP_GET_FD_BY_ID %u: %s", attr.map_id, strerror(errno));
	/* the ring's first page holds the consumer position, the second the producer's */
	consumer = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	producer = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, (off_t)page);
	cr_assert(consumer != MAP_FAILED && producer != MAP_FAILED, "mmap of the ring buffer: %s",
		  strerror(errno));
	target = __atomic_load_n(producer, __ATOMIC_ACQUIRE);
	deadline = harness__now_ns() + WRITE_TIMEOUT_NS;
	for (;;) {
		position = __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
		/* both only grow; the difference stays right when they wrap */
		if ((long)(position - target) >= 0)
			break;
		if (harness__now_ns() > deadline || !agent_alive(pid, &state)) {
			read_agent_stderr(log, sizeof(log));
			cr_assert_fail(
				"the agent (state %c) consumed its ring buffer up to %lu of %lu "
				"in %llu s; its stderr:\n%s",
				state, position, target, WRITE_TIMEOUT_NS / 1000000000ull, log);
		}
		sleep_ns(POLL_NS);
	}
	munmap(consumer, page);
	munmap(producer, page);
	close(fd);
}

json_t *harness__snapshot_process(json_t *snapshot, pid_t pid)
{
	json_t *processes = json_object_get(snapshot, "processes");
	json_t *process;
	size_t index;

	json_array_foreach(processes, index, process)
	{
		if (json_integer_value(json_object_get(process, "pid")) == pid)
			return process;
	}
	return NULL;
}

bool harness__textfile_sample(const char *name, const char *labels, double *value)
{
	FILE *file = fopen(harness__textfile_path(), "r");
	char line[4096], wanted[1024];
	size_t wanted_length;
	bool found = false;

	cr_assert_not_null(file, "%s: %s", harness__textfile_path(), strerror(errno));
	if (labels && labels[0])
		snprintf(wanted, sizeof(wanted), "%s{%s} ", name, labels);
	else
		snprintf(wanted, sizeof(wanted), "%s ", name);
	wanted_length = strlen(wanted);
	while (fgets(line, sizeof(line), file)) {
		char *end;

		if (strncmp(line, wanted, wanted_length))
			continue;
		*value = strtod(line + wanted_length, &end);
		cr_assert_neq(end, line + wanted_length, "no value in: %s", line);
		found = true;
		break;
	}
	fclose(file);
	return found;
}

void harness__make_dir(const char *parent, char *path, size_t size)
{
	snprintf(path, size, "%s/scenario.XXXXXX", parent);
	cr_assert_not_null(mkdtemp(path), "mkdtemp in %s: %s", parent, strerror(errno));
}
