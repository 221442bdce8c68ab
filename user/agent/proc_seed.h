/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPWATCH_AGENT_PROC_SEED_H
#define MAPWATCH_AGENT_PROC_SEED_H

#include <stdbool.h>
#include <stdint.h>
#include "proc_scan.h"
#include "process_filter.h"
#include "tracker.h"

/*
 * Reads every process /proc lists that passes the --pid/--comm/--cgroup
 * filters into the tracker, as seen now, with its comm and cgroup; events
 * stamped before scan_started_ns are then ignored for them. With
 * @names_later, neither comm nor cgroup is read (the filter must have no
 * --comm or --cgroup): the caller names what it shows (report_names.h).
 * stats may be NULL. Returns 0 or -errno.
 */
int proc_seed__all(struct mw_tracker *tracker, const struct mw_process_filter *filter,
		   bool names_later, uint64_t scan_started_ns, struct mw_proc_scan_stats *stats);

/*
 * Reads one process's VMAs from /proc into the tracker as they come, with
 * @comm. A process without VMAs (a kernel thread, a zombie) is only kept when
 * @keep_empty. Returns what tracker__seed_end returns (the mappings that
 * differed), -ESRCH when the process is gone or went mid-walk (what the walk
 * had applied to a process the tracker already knew stays: drop it), or -errno.
 */
int proc_seed__process(struct mw_tracker *tracker, uint32_t pid, const char *comm,
		       uint64_t scan_started_ns, bool keep_empty);

#endif
