/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Human-readable views of a snapshot, for terminals (scan, the agent's summary line). */
#ifndef MAPWATCH_EXPORT_TEXT_REPORT_H
#define MAPWATCH_EXPORT_TEXT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "snapshot.h"

/* "20.0 MiB": binary units, one decimal. */
void text_report__format_bytes(uint64_t bytes, char *out, size_t size);
/* The same, or "-" when the figure is not @known (a file no stat reached). */
void text_report__format_bytes_known(bool known, uint64_t bytes, char *out, size_t size);

/*
 * The processes with an orphan, a resize remap or a stale mapping, each with
 * the disk space its deleted files hold, its container or cgroup, and its
 * orphaned mappings; then the processes nearest vm.max_map_count; then host
 * totals. Names and paths are escaped (terminal_text__escape; @utf8: the
 * terminal shows UTF-8). Returns 0 or -ENOMEM.
 */
int text_report__print(FILE *stream, const struct mw_snapshot *snapshot, size_t nearest_limit,
		       bool utf8);

/*
 * One line per orphaned file across processes (snapshot->files): its disk
 * space, size, deletion age, mappings, the pids that map it and its path;
 * then host totals. Returns 0 or -ENOMEM.
 */
int text_report__print_files(FILE *stream, const struct mw_snapshot *snapshot, bool utf8);

/*
 * "4242,4243,4244 +96": the first @shown pids that map @file and how many
 * more, so a file a whole fleet of workers maps stays on one line.
 */
void text_report__format_pids(const struct mw_orphaned_file *file, size_t shown, char *out,
			      size_t size);

/* One line: totals and the agent's counters, for the agent's log. */
void text_report__print_summary(FILE *stream, const struct mw_snapshot *snapshot);

#endif
