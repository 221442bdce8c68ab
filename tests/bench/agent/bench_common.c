// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench_common.h"

void bench__die(const char *what)
{
	fprintf(stderr, "benchmark: %s: %s\n", what, strerror(errno));
	exit(1);
}

void bench__pin_to_cpu(pid_t pid, int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) <= cpu)
		return; /* one CPU: nothing to separate */
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof(set), &set);
}

/*
 * Waits until path exists (and holds needle) or the process exits. The limit is
 * wall time, generous: seeding reads every process, which takes long on a host
 * whose cores are busy, and only a hang should end the benchmark.
 */
static int wait_for_file(const char *path, const char *needle, int timeout_ms, pid_t pid)
{
	uint64_t deadline_ns = bench__now_ns() + (uint64_t)timeout_ms * 1000000;

	while (bench__now_ns() < deadline_ns) {
		char buffer[4096];
		ssize_t length;
		int fd = open(path, O_RDONLY);

		if (fd >= 0) {
			length = read(fd, buffer, sizeof(buffer) - 1);
			close(fd);
			if (length > 0) {
				buffer[length] = '\0';
				if (!needle || strstr(buffer, needle))
					return 0;
			}
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static pid_t spawn(char *const argv[], const char *output_path)
{
	pid_t pid = fork();

	if (pid < 0)
		bench__die("fork");
	if (pid == 0) {
		int fd = open(output_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		bench__pin_to_cpu(0, BENCH_OBSERVER_CPU);
		execvp(argv[0], argv);
		/* the log the parent names then says why, e.g. bpftrace not installed */
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* A process that did not start: killed and reaped; its directory stays for its log. */
static void abandon(pid_t *pid)
{
	if (*pid > 0 && kill(*pid, SIGKILL) == 0)
		waitpid(*pid, NULL, 0);
	*pid = 0;
}

int bench__start_agent(struct bench_process *agent, const char *mapwatch, double interval_seconds)
{
	char textfile[128], output[128], interval[32];
	char *argv[] = { (char *)mapwatch, "agent",  "--interval", interval,
			 "--textfile",	   textfile, NULL };
	int err;

	snprintf(agent->directory, sizeof(agent->directory), "/tmp/mapwatch-bench-agent.XXXXXX");
	if (!mkdtemp(agent->directory))
		bench__die("mkdtemp");
	snprintf(textfile, sizeof(textfile), "%s/metrics.prom", agent->directory);
	snprintf(output, sizeof(output), "%s/agent.log", agent->directory);
	snprintf(interval, sizeof(interval), "%g", interval_seconds);
	agent->pid = spawn(argv, output);
	/* written by rename: once it is there, it is whole */
	err = wait_for_file(textfile, NULL, 180000, agent->pid);
	if (err) {
		fprintf(stderr, "benchmark: the agent did not start (%s), see %s\n", strerror(-err),
			output);
		abandon(&agent->pid);
		return err;
	}
	return 0;
}

int bench__start_bpftrace(struct bench_process *peer, const char *script)
{
	char output[128];
	char *argv[] = { "bpftrace", (char *)script, NULL };
	int err;

	snprintf(peer->directory, sizeof(peer->directory), "/tmp/mapwatch-bench-peer.XXXXXX");
	if (!mkdtemp(peer->directory))
		bench__die("mkdtemp");
	snprintf(output, sizeof(output), "%s/bpftrace.log", peer->directory);
	peer->pid = spawn(argv, output);
	err = wait_for_file(output, "Attaching", 180000, peer->pid);
	if (err) {
		fprintf(stderr, "benchmark: bpftrace did not attach (%s), see %s\n", strerror(-err),
			output);
		abandon(&peer->pid);
		return err;
	}
	usleep(300000); /* "Attaching" comes just before the probes are */
	return 0;
}

int bench__start_floor(struct bench_process *floor_tracer, const char *binary)
{
	char output[128];
	char *argv[] = { (char *)binary, NULL };
	int err;

	snprintf(floor_tracer->directory, sizeof(floor_tracer->directory),
		 "/tmp/mapwatch-bench-floor.XXXXXX");
	if (!mkdtemp(floor_tracer->directory))
		bench__die("mkdtemp");
	snprintf(output, sizeof(output), "%s/floor.log", floor_tracer->directory);
	floor_tracer->pid = spawn(argv, output);
	err = wait_for_file(output, "attached", 180000, floor_tracer->pid);
	if (err) {
		fprintf(stderr, "benchmark: the floor tracer did not attach (%s), see %s\n",
			strerror(-err), output);
		abandon(&floor_tracer->pid);
	}
	return err;
}

void bench__stop(struct bench_process *process)
{
	if (process->pid > 0) {
		kill(process->pid, SIGINT);
		for (int waited = 0; waited < 5000; waited += 10) {
			if (waitpid(process->pid, NULL, WNOHANG) == process->pid) {
				process->pid = 0;
				break;
			}
			usleep(10000);
		}
		if (process->pid > 0) {
			kill(process->pid, SIGKILL);
			waitpid(process->pid, NULL, 0);
		}
		process->pid = 0;
	}
	if (process->directory[0])
		bench__remove_tree(process->directory);
	process->directory[0] = '\0';
}

bool bench__textfile_value(const struct bench_process *agent, const char *name, const char *labels,
			   double *value)
{
	char path[128], line[1024], wanted[512];
	bool found = false;
	FILE *file;

	snprintf(path, sizeof(path), "%s/metrics.prom", agent->directory);
	if (labels && labels[0])
		snprintf(wanted, sizeof(wanted), "%s{%s} ", name, labels);
	else
		snprintf(wanted, sizeof(wanted), "%s ", name);
	file = fopen(path, "r");
	if (!file)
		return false;
	while (!found && fgets(line, sizeof(line), file)) {
		if (!strncmp(line, wanted, strlen(wanted))) {
			*value = strtod(line + strlen(wanted), NULL);
			found = true;
		}
	}
	fclose(file);
	return found;
}

double bench__cpu_seconds(pid_t pid)
{
	char path[64], buffer[2048], *field;
	unsigned long long user = 0, system = 0;
	ssize_t length;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	length = read(fd, buffer, sizeof(buffer) - 1);
	close(fd);
	if (length <= 0)
		return 0;
	buffer[length] = '\0';
	/* after "(comm)", which may hold spaces: state is field 3, utime 14, stime 15 */
	field = strrchr(buffer, ')');
	if (!field || sscanf(field + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			     &user, &system) != 2)
		return 0;
	return (double)(user + system) / (double)sysconf(_SC_CLK_TCK);
}

double bench__rss_bytes(pid_t pid)
{
	char path[64], line[256];
	double kib = 0;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	file = fopen(path, "r");
	if (!file)
		return 0;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "VmRSS: %lf kB", &kib) == 1)
			break;
	fclose(file);
	return kib * 1024;
}

double bench__bpf_map_memlock(pid_t pid)
{
	char path[128], line[256];
	double total = 0;

	for (int fd = 0; fd < 4096; fd++) {
		bool is_map = false;
		double memlock = 0;
		FILE *file;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		file = fopen(path, "r");
		if (!file)
			continue;
		while (fgets(line, sizeof(line), file)) {
			if (!strncmp(line, "map_type:", 9))
				is_map = true;
			sscanf(line, "memlock: %lf", &memlock);
		}
		fclose(file);
		if (is_map)
			total += memlock;
	}
	return total;
}

void bench__make_dir(const char *parent, char *path, size_t size)
{
	snprintf(path, size, "%s/mapwatch-bench.XXXXXX", parent);
	if (!mkdtemp(path))
		bench__die("mkdtemp");
}

static int remove_entry(const char *path, const struct stat *status, int flag, struct FTW *walk)
{
	(void)status;
	(void)flag;
	(void)walk;
	remove(path);
	return 0;
}

void bench__remove_tree(const char *path)
{
	nftw(path, remove_entry, 64, FTW_DEPTH | FTW_PHYS);
}

int bench__create_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		bench__die(path);
	return fd;
}

pid_t bench__hold_mappings(int mappings, int files, char *dir, size_t dir_size)
{
	int ready[2];
	pid_t child;
	char byte;

	bench__make_dir("/dev/shm", dir, dir_size);
	if (pipe(ready))
		bench__die("pipe");
	child = fork();
	if (child < 0)
		bench__die("fork");
	if (child == 0) {
		char path[320];

		close(ready[0]);
		for (int i = 0; i < mappings; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/%020d.index", dir, i % files);
			fd = i < files ? bench__create_file(path, 4096) : open(path, O_RDONLY);
			if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
				_exit(1);
			close(fd);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1)
		bench__die("the mapping child failed");
	close(ready[0]);
	return child;
}

void bench__for_each_program(void (*visit)(const struct bpf_prog_info *info, void *context),
			     void *context)
{
	uint32_t id = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = { 0 };
		uint32_t length = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue; /* unloaded meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &info, &length))
			visit(&info, context);
		close(fd);
	}
}

static void count_tracer(const struct bpf_prog_info *info, void *context)
{
	if (info->type == BPF_PROG_TYPE_TRACEPOINT || info->type == BPF_PROG_TYPE_RAW_TRACEPOINT)
		++*(int *)context;
}

int bench__foreign_tracers(void)
{
	int count = 0;

	bench__for_each_program(count_tracer, &count);
	return count;
}
