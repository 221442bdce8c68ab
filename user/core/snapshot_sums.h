/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The page cache of orphaned files summed per process and per container from
 * the snapshot's files, each file once per process and once per container
 * however many of its processes map it. Pure: reads the snapshot only.
 */
#ifndef MAPWATCH_CORE_SNAPSHOT_SUMS_H
#define MAPWATCH_CORE_SNAPSHOT_SUMS_H

#include "snapshot.h"

/*
 * From files[] (their cached bytes, disk bytes and pids): each process's
 * orphaned_files_cached_bytes, and containers[] (replaced), most page cache
 * first. Processes outside containers are in no container's sums. 0 or
 * -ENOMEM (containers[] then empty).
 */
int snapshot_sums__fill(struct mw_snapshot *snapshot);

#endif
