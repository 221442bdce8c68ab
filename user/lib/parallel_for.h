/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Independent items spread over the CPUs this process may run on: for the
 * one-shot reads a report makes per process or per file (a comm, a cgroup, a
 * file's cached pages), each a few syscalls, which on a host of thousands of
 * processes add up to the longest serial part of a scan.
 */
#ifndef MAPWATCH_LIB_PARALLEL_FOR_H
#define MAPWATCH_LIB_PARALLEL_FOR_H

#include <stddef.h>

/* Works on item @index; touches nothing another item may touch. 0 or -errno. */
typedef int (*parallel_for_fn)(size_t index, void *ctx);

/*
 * Calls @fn for every index below @count, on the caller's thread and up to
 * one more thread per other CPU (at most 3 more), none at all below
 * @serial_below items (a thread costs more than a few items). Threads take
 * no signals. Returns 0, or the first error @fn returned (items not yet
 * started are then skipped).
 */
int parallel_for__each(size_t count, size_t serial_below, parallel_for_fn fn, void *ctx);

/* The threads a parallel part may use besides the caller's: one per other CPU, at most @max. */
unsigned int parallel_for__helpers(unsigned int max);

#endif
