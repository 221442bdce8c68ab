/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the two readers of /proc/PID/maps; not part of the library's API. */
#ifndef MAPWATCH_PROC_MAPS_INTERNAL_H
#define MAPWATCH_PROC_MAPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vma.h"

/* What the kernel appends, once, to the name of a file unlinked while mapped. */
#define MAPS_DELETED_SUFFIX " (deleted)"

/* Receives each VMA a reader produced; a nonzero return stops the reader. */
typedef int (*maps_sink_fn)(struct mw_vma *vma, void *ctx);

/*
 * Sets vma->path, vma->deleted and vma->kind from the name the kernel gave
 * (not NUL-terminated, @length bytes; empty for no name).
 */
void proc_maps_name__set(struct mw_vma *vma, const char *name, size_t length);

/* memfd, SysV shm, shared anonymous memory: shmem files inside, never file mappings. */
bool proc_maps_name__is_shared_memory(const struct mw_vma *vma);

/*
 * Reads "maps" under the /proc/PID directory @pid_dir as text. The text of a
 * process that exits mid-read just ends: with @alive, the walk asks at its end
 * whether the address space is still there (proc_maps_query__alive) and sets
 * *@alive to the answer; left alone (NULL) nobody is asked.
 */
int proc_maps_text__walk(int pid_dir, maps_sink_fn sink, void *ctx, int *alive);

/*
 * Whether the address space an open maps file reads from still exists, by
 * one PROCMAP_QUERY: 1 yes, 0 no (the process exited, or never had one: a
 * kernel thread), -ENOTTY or -EINVAL when the kernel lacks the ioctl.
 */
int proc_maps_query__alive(int maps_fd);

/*
 * The VMA that starts at @start, from the text: the one reader that prints a
 * name of any length. Returns 0, or -ENOENT when no VMA starts there (now).
 */
int proc_maps_text__find(int pid_dir, uint64_t start, struct mw_vma *vma);

/* The same through PROCMAP_QUERY; -ENOTTY or -EINVAL when the kernel lacks it. */
int proc_maps_query__walk(int pid_dir, maps_sink_fn sink, void *ctx);

#endif
