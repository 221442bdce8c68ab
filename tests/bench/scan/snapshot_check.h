/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whether a JSON snapshot (scan --json, agent --snapshot) shows what the fixture holds. */
#ifndef MAPWATCH_BENCH_SNAPSHOT_CHECK_H
#define MAPWATCH_BENCH_SNAPSHOT_CHECK_H

/*
 * Counts the processes of the snapshot at @path that list exactly one orphan,
 * and that one a file under @directory. Returns the count, or -EBADMSG when the
 * file is not a version 1 snapshot, or -errno when it cannot be read.
 */
long snapshot_check__orphan_holders(const char *path, const char *directory);

/* Lines of the file at @path that contain @text; -errno when it cannot be read. */
long snapshot_check__lines_containing(const char *path, const char *text);

#endif
