/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* PRODUCT.md "JSON snapshot (version 1)": fields, order and spelling are the contract. */
#ifndef MAPWATCH_EXPORT_JSON_SNAPSHOT_H
#define MAPWATCH_EXPORT_JSON_SNAPSHOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"

#define MW_JSON_SNAPSHOT_VERSION 1

/* Whether the snapshot lists the process: an orphan, a resize remap or a stale mapping. */
bool json_snapshot__lists_process(const struct mw_process_report *process);

/* The document as a jansson object (the caller json_decref()s it); NULL when out of memory. */
json_t *json_snapshot__build(const struct mw_snapshot *snapshot);

/* Indented JSON and a final newline to @file. Returns 0 or -errno. */
int json_snapshot__write_stream(const struct mw_snapshot *snapshot, FILE *file);

/* Replaces @path atomically (see atomic_file.h). Returns 0 or -errno. */
int json_snapshot__write_path(const struct mw_snapshot *snapshot, const char *path);

#endif
