/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the walk over /proc and its read-ahead; not part of the library's API. */
#ifndef MAPWATCH_PROC_SCAN_INTERNAL_H
#define MAPWATCH_PROC_SCAN_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>
#include "proc_maps.h"
#include "proc_scan.h"

/*
 * Gives one process's VMAs to @fn, as proc_maps__for_each_cached does: a walk
 * of its maps, or the replay of one a worker made ahead.
 */
typedef int (*proc_scan_source_fn)(void *source, pid_t pid, proc_maps_fn fn, void *fn_ctx,
				   struct mw_proc_maps_stats *stats);

/*
 * Hands one process to the handlers: @comm_err is what reading its comm gave
 * (0 with comm_later), then its VMAs from @source. Returns 0 or the error
 * that stops the scan.
 */
int proc_scan__hand_process(struct mw_proc_process *process, int comm_err,
			    proc_scan_source_fn source_fn, void *source,
			    const struct mw_proc_scan_handlers *handlers, void *ctx,
			    struct mw_proc_scan_stats *stats);

/* A source that walks the maps now, stat results kept in @source, a struct proc_scan_walk. */
struct proc_scan_walk {
	unsigned int maps_flags;
	struct mw_stat_cache *cache;
};
int proc_scan__walk_now(void *source, pid_t pid, proc_maps_fn fn, void *fn_ctx,
			struct mw_proc_maps_stats *stats);

/*
 * Hands the processes of @pids to the handlers in that order, their maps read
 * ahead on worker threads (with @walk's flags). Returns 0, the error that
 * stopped the scan, or PROC_SCAN_AHEAD_NOT_STARTED when no thread could be
 * had (one CPU, or none started): nothing was handed.
 */
#define PROC_SCAN_AHEAD_NOT_STARTED 1
int proc_scan_ahead__each(const pid_t *pids, size_t count, const struct proc_scan_walk *walk,
			  const struct mw_proc_scan_handlers *handlers, void *ctx,
			  struct mw_proc_scan_stats *stats);

#endif
