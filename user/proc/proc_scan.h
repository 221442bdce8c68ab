/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A walk over every process in /proc, the one-shot view `scan` and seeding use. */
#ifndef MAPWATCH_PROC_SCAN_H
#define MAPWATCH_PROC_SCAN_H

#include <stddef.h>
#include <sys/types.h>
#include "mapwatch_events.h"
#include "proc_maps.h"

struct mw_proc_process {
	pid_t pid;
	char comm[MW_COMM_LEN];
	const struct mw_vma *vmas; /* valid during the callback only */
	size_t vma_count;
	struct mw_proc_maps_stats stats; /* stats.map_count: every VMA, even skipped ones */
};

struct mw_proc_scan_stats {
	uint64_t processes; /* handed to the callback */
	uint64_t vanished; /* exited between the directory listing and their reading */
	uint64_t unreadable; /* other errors (permissions): skipped */
};

/* A nonzero return stops the scan and is returned by proc_scan__each. */
typedef int (*proc_scan_fn)(const struct mw_proc_process *process, void *ctx);

/*
 * Calls @fn for every process (thread group) with an address space, its VMAs
 * read with proc_maps__read(@maps_flags). Kernel threads (no VMAs) and
 * processes that vanish mid-scan are skipped. @stats may be NULL.
 */
int proc_scan__each(unsigned int maps_flags, proc_scan_fn fn, void *ctx,
		    struct mw_proc_scan_stats *stats);

/* /proc/PID/comm without its newline. -ESRCH when the process is gone. */
int proc_scan__read_comm(pid_t pid, char comm[MW_COMM_LEN]);

#endif
