/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The memory orphaned files pin: each deleted file's pages in the page cache,
 * charged to the cgroup that faulted them in and never reclaimed while a
 * mapping holds them. Measured once per file per snapshot with cachestat(2)
 * (Linux 6.5) on the file opened through /proc/PID/map_files of one of its
 * listed mappings: one open and one system call per file, however many
 * processes and mappings share it. Needs CAP_SYS_ADMIN (map_files); a file
 * that cannot be opened, or whose mappings are all past the --ranges cap,
 * stays unknown and counts 0 in the sums.
 */
#ifndef MAPWATCH_CLI_ORPHAN_CACHE_H
#define MAPWATCH_CLI_ORPHAN_CACHE_H

#include <stdint.h>
#include "snapshot.h"

/*
 * What the agent keeps between snapshots: a file measured less than
 * @min_age_ns ago is not measured again, so a short --interval does not
 * multiply the cost (a second for the agent).
 */
struct mw_orphan_cache;

int orphan_cache__create(uint64_t min_age_ns, struct mw_orphan_cache **out);
/* Safe on NULL. */
void orphan_cache__destroy(struct mw_orphan_cache *cache);

/*
 * Fills the cached bytes of the snapshot's orphans, processes, files and
 * host; forgets the files no longer in it.
 */
void orphan_cache__fill(struct mw_orphan_cache *cache, struct mw_snapshot *snapshot,
			uint64_t now_ns);

/* The same, every file measured now (scan, release). */
void orphan_cache__measure(struct mw_snapshot *snapshot);

#endif
