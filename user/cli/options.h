/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-line options of every mapwatch command, checked before anything is loaded. */
#ifndef MAPWATCH_CLI_OPTIONS_H
#define MAPWATCH_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "clock.h"
#include "mapwatch_events.h"

enum mw_command {
	MW_COMMAND_NONE = 0,
	MW_COMMAND_AGENT,
	MW_COMMAND_TOP,
	MW_COMMAND_SCAN,
	MW_COMMAND_TRACE,
	MW_COMMAND_RELEASE,
};

struct mw_options {
	enum mw_command command;
	uint32_t pids[MW_FILTER_PIDS_MAX];
	size_t pid_count;
	char comms[MW_FILTER_COMMS_MAX][MW_COMM_LEN];
	size_t comm_count;
	double interval_seconds;
	const char *textfile_path;
	const char *snapshot_path;
	size_t top; /* cap on per-process series; 0: no cap */
	bool json;
	bool batch; /* top: plain-text frames on stdout instead of the terminal view */
	size_t iterations; /* top: stop after this many frames; 0: until told to stop */
	/* --cgroup: only processes in these cgroup v2 subtrees (paths as given) */
	const char *cgroups[MW_FILTER_CGROUPS_MAX];
	size_t cgroup_count;
	uint32_t ring_buffer_bytes; /* agent, trace: 0 for the default */
	uint32_t max_inodes; /* agent, trace: tracked inodes the kernel holds; 0 for the default */
	bool check; /* scan: exit MW_EXIT_ORPHANS_FOUND when an orphaned mapping is found */
	bool by_file; /* scan: one line per orphaned file, across processes */
	size_t ranges; /* agent, scan: orphaned mappings listed per process; 0: all */
	const char *listen; /* agent: ADDR:PORT to serve /metrics at, checked; NULL: no server */
	double wait_seconds; /* release: how long to watch the orphans go after the GC */
	int verbosity;
	bool help;
	bool version;
};

/*
 * Parses argv into *options. On a bad option or value writes one line to
 * error (no trailing newline) and returns -EINVAL; the caller prints it and
 * exits with status 2.
 */
int options__parse(struct mw_options *options, int argc, char **argv, char *error,
		   size_t error_size);

/* True when the filters let this process through (no filters: always). */
bool options__process_matches(const struct mw_options *options, uint32_t pid, const char *comm);

void options__print_usage(FILE *stream, enum mw_command command);

const char *options__command_name(enum mw_command command);

#endif
