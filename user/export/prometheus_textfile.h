/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The metrics of deploy/reference.md ("Metrics") in the Prometheus text
 * format, for node_exporter's textfile collector: # HELP and # TYPE for every
 * family, base units, no timestamps, host totals never capped.
 */
#ifndef MAPWATCH_EXPORT_PROMETHEUS_TEXTFILE_H
#define MAPWATCH_EXPORT_PROMETHEUS_TEXTFILE_H

#include <stddef.h>
#include <stdio.h>
#include "snapshot.h"

/*
 * Writes every family to @file. Per-process series come from the first @top
 * processes of the snapshot (already sorted, highest orphaned bytes first);
 * @top 0 means no cap. The agent's own counters (events, reconcile, the
 * unlink-to-unmap histogram) only when snapshot->has_agent_counters.
 * Returns 0 or -errno.
 */
int prometheus_textfile__write_stream(const struct mw_snapshot *snapshot, size_t top, FILE *file);

/* Replaces @path atomically (see atomic_file.h). Returns 0 or -errno. */
int prometheus_textfile__write_path(const struct mw_snapshot *snapshot, size_t top,
				    const char *path);

/*
 * The whole exposition in memory: *text (malloc'd, the caller frees it) and
 * its *length, for the file and `agent --listen` to give out the same bytes.
 * Returns 0 or -errno, *text NULL then.
 */
int prometheus_textfile__render(const struct mw_snapshot *snapshot, size_t top, char **text,
				size_t *length);

/* Replaces @path atomically with @length bytes of @text, as rendered. Returns 0 or -errno. */
int prometheus_textfile__write_text(const char *text, size_t length, const char *path);

/* A label value with \\, \" and \n escaped as the text format wants, into @file. */
void prometheus_textfile__write_label_value(FILE *file, const char *value);

#endif
