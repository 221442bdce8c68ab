/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the agent benchmarks share: the processes they measure against (the
 * real mapwatch agent, the bpftrace peer), each pinned to its own CPU, and
 * what they read of them.
 */
#ifndef MAPWATCH_BENCH_COMMON_H
#define MAPWATCH_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bpf/bpf.h>

#include "bench_table.h"

/* The measuring process runs here; the agent and the peer on the other CPU. */
#define BENCH_WORKLOAD_CPU 0
#define BENCH_OBSERVER_CPU 1

void bench__die(const char *what);
void bench__pin_to_cpu(pid_t pid, int cpu);

/* A process the benchmark started and stops. */
struct bench_process {
	pid_t pid;
	char directory[64]; /* its files: the agent's textfile, bpftrace's output */
};

/*
 * Starts `mapwatch agent` with a textfile in a fresh directory, on the
 * observer CPU, and waits until it has attached and written its first file.
 */
int bench__start_agent(struct bench_process *agent, const char *mapwatch, double interval_seconds);
/* Starts bpftrace on the script and waits until its probes are attached. */
int bench__start_bpftrace(struct bench_process *peer, const char *script);
/* Starts the floor tracer (empty programs on mapwatch's tracepoints) and waits until attached. */
int bench__start_floor(struct bench_process *floor_tracer, const char *binary);
void bench__stop(struct bench_process *process);

/* A sample of the agent's textfile, e.g. ("mapwatch_events_total", "type=\"mmap\""); false if absent. */
bool bench__textfile_value(const struct bench_process *agent, const char *name, const char *labels,
			   double *value);
/* CPU seconds (user + system) the process has used, from /proc/PID/stat. */
double bench__cpu_seconds(pid_t pid);
/* VmRSS of the process in bytes, from /proc/PID/status. */
double bench__rss_bytes(pid_t pid);
/* Bytes of memlock the process's BPF maps hold, from /proc/PID/fdinfo. */
double bench__bpf_map_memlock(pid_t pid);

/* Files to map: a fresh directory, removed with bench__remove_tree(). */
void bench__make_dir(const char *parent, char *path, size_t size);
void bench__remove_tree(const char *path);
int bench__create_file(const char *path, size_t size);

/*
 * A child holding mappings one-page mappings of files files (mapping i maps
 * file i % files, each at offset 0, so no two merge: each is a VMA) in a
 * fresh directory under /dev/shm, until killed; returns once all are made.
 */
pid_t bench__hold_mappings(int mappings, int files, char *dir, size_t dir_size);

/* Calls @visit with the info of every BPF program loaded on the host. */
void bench__for_each_program(void (*visit)(const struct bpf_prog_info *info, void *context),
			     void *context);

/* Tracepoint programs attached that are not ours: they would skew every figure. */
int bench__foreign_tracers(void);

#endif
