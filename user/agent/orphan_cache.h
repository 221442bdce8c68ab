/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The memory orphaned files pin: each deleted file's pages in the page cache,
 * charged to the cgroup that faulted them in and never reclaimed while a
 * mapping holds them. Measured once per file per snapshot, however many
 * processes and mappings share it, through one of its mappings: by the
 * kernel (page_cache_reader.h: one program run for every file, no file
 * opened) when the caller has the reader, else, and for any file the kernel
 * could not reach, with cachestat(2) (Linux 6.5) on the file opened through
 * /proc/PID/map_files (CAP_SYS_ADMIN). A file measured by neither stays
 * unknown and counts 0 in the sums. Then the sums per process and per
 * container (snapshot_sums.h).
 */
#ifndef MAPWATCH_AGENT_ORPHAN_CACHE_H
#define MAPWATCH_AGENT_ORPHAN_CACHE_H

#include <stdint.h>
#include "snapshot.h"

struct mw_page_cache_reader;

/*
 * What the agent keeps between snapshots: a file measured less than
 * @min_age_ns ago is not measured again, so a short --interval does not
 * multiply the cost (a second for the agent). @reader may be NULL (cachestat
 * only); the caller keeps it open while the cache lives.
 */
struct mw_orphan_cache;

int orphan_cache__create(uint64_t min_age_ns, struct mw_page_cache_reader *reader,
			 struct mw_orphan_cache **out);
/* Safe on NULL. */
void orphan_cache__destroy(struct mw_orphan_cache *cache);

/*
 * Fills the cached bytes of the snapshot's files, orphans, processes,
 * containers and host, and which source measured how many files; forgets the
 * files no longer in it.
 */
void orphan_cache__fill(struct mw_orphan_cache *cache, struct mw_snapshot *snapshot,
			uint64_t now_ns);

/* The same, every file measured now with cachestat(2) (scan, release). */
void orphan_cache__measure(struct mw_snapshot *snapshot);

#endif
