/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page cache of deleted files, read by the kernel (mapwatch_cache.bpf.c):
 * each file named by one of its mappings, answered in one program run per
 * batch of MW_CACHE_QUERY_MAX files. Loaded apart from the tracer's
 * programs: a kernel that refuses it leaves the caller its fallback.
 */
#ifndef MAPWATCH_KERNEL_PAGE_CACHE_READER_H
#define MAPWATCH_KERNEL_PAGE_CACHE_READER_H

#include <stddef.h>

#include "mapwatch_cache.h"

struct mw_page_cache_reader;

/*
 * Loads the program. -errno on failure, with a line for the user in error
 * (the libbpf message when there is one).
 */
int page_cache_reader__open(struct mw_page_cache_reader **out, char *error, size_t error_size);
/* Safe on NULL. */
void page_cache_reader__destroy(struct mw_page_cache_reader *reader);

/*
 * Fills pages and status of probes[0, count) (any count: batched inside).
 * 0, or -errno when a run failed (the statuses of its batch stay UNREAD).
 */
int page_cache_reader__read(struct mw_page_cache_reader *reader, struct mw_cache_probe *probes,
			    size_t count);

#endif /* MAPWATCH_KERNEL_PAGE_CACHE_READER_H */
