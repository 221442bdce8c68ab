/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPWATCH_CLI_PROC_SEED_H
#define MAPWATCH_CLI_PROC_SEED_H

#include <stdint.h>
#include "proc_scan.h"
#include "process_filter.h"
#include "tracker.h"

/*
 * Reads every process /proc lists that passes the --pid/--comm/--cgroup
 * filters into the tracker, as seen now, with its cgroup; events stamped
 * before scan_started_ns are then ignored for them. stats may be NULL.
 * Returns 0 or -errno.
 */
int proc_seed__all(struct mw_tracker *tracker, const struct mw_process_filter *filter,
		   uint64_t scan_started_ns, struct mw_proc_scan_stats *stats);

#endif
