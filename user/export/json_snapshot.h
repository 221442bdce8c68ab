/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The JSON snapshot, version 3: fields, order and spelling are the contract
 * (deploy/reference.md, "JSON snapshot"; mapwatch(8)), which readers parse.
 * Version 2 groups a process's orphaned mappings by deleted file, with their
 * ranges, where version 1 listed every orphaned mapping as an object of its
 * own. Version 3 adds, and renames or drops nothing: the page cache orphaned
 * files pin (cached_bytes, orphaned_files_cached_bytes) and each process's
 * leak cause.
 */
#ifndef MAPWATCH_EXPORT_JSON_SNAPSHOT_H
#define MAPWATCH_EXPORT_JSON_SNAPSHOT_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"

#define MW_JSON_SNAPSHOT_VERSION 3

/* Whether the snapshot lists the process: an orphan, a resize remap or a stale mapping. */
bool json_snapshot__lists_process(const struct mw_process_report *process);

/* Indented JSON and a final newline to @file. Returns 0 or -errno. */
int json_snapshot__write_stream(const struct mw_snapshot *snapshot, FILE *file);

/* Replaces @path atomically (see atomic_file.h). Returns 0 or -errno. */
int json_snapshot__write_path(const struct mw_snapshot *snapshot, const char *path);

#endif
