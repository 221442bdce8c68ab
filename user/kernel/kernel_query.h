/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a program of ours that answers a query (bpf/mapwatch_query.bpf.h):
 * the items asked about go into the query in the object's mmap()ed .bss,
 * the program runs once (BPF_PROG_RUN), the answers come back out of .bss.
 * A query has room for so many items: more are asked in batches. Used by the
 * kernel tracer and the page cache reader; not for callers outside them.
 */
#ifndef MAPWATCH_KERNEL_QUERY_H
#define MAPWATCH_KERNEL_QUERY_H

#include <stddef.h>

/* Copies the caller's items [first, first + count) into the query, or their answers out. */
typedef void (*kernel_query_copy_fn)(void *context, size_t first, size_t count);

/*
 * Answers count items (any count) with one run of program_fd per batch of at
 * most room: ask fills the query (its count too), answer copies the answers
 * out. 0, or -errno of the first run that failed (its batch is not answered,
 * and no later one asked).
 */
int kernel_query__run(int program_fd, size_t count, size_t room, kernel_query_copy_fn ask,
		      kernel_query_copy_fn answer, void *context);

#endif /* MAPWATCH_KERNEL_QUERY_H */
