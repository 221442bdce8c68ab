/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whole-file replacement that a reader never sees half done: write a temp file
 * beside the target, make it durable, rename it over the target.
 */
#ifndef MAPWATCH_EXPORT_ATOMIC_FILE_H
#define MAPWATCH_EXPORT_ATOMIC_FILE_H

#include <stdio.h>

/* Writes the whole content to @file; returns 0 or -errno. */
typedef int (*atomic_file_writer)(FILE *file, void *ctx);

/*
 * Replaces @path with what @writer produces, mode 0644. The temp file is
 * "<path>.tmp.XXXXXX" in the same directory (rename is atomic only within one
 * filesystem; node_exporter ignores names not ending in .prom). On any error
 * the temp file is removed, the old @path is left as it was, and -errno (or
 * the writer's error) is returned.
 */
int atomic_file__write(const char *path, atomic_file_writer writer, void *ctx);

/*
 * Removes the temp files of @path a writer killed mid-write left behind
 * ("<path>.tmp.XXXXXX", nothing else). Returns how many, or -errno when the
 * directory cannot be read.
 */
int atomic_file__remove_stale(const char *path);

#endif
