/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A walk over every process in /proc, the one-shot view `scan` and seeding use. */
#ifndef MAPWATCH_PROC_SCAN_H
#define MAPWATCH_PROC_SCAN_H

#include <stddef.h>
#include <sys/types.h>
#include "mapwatch_events.h"
#include "proc_maps.h"
#include "stat_cache.h"

struct mw_proc_process {
	pid_t pid;
	char comm[MW_COMM_LEN];
	struct mw_proc_maps_stats stats; /* at end: stats.map_count, every VMA, even skipped ones */
};

struct mw_proc_scan_stats {
	uint64_t processes; /* handed to the callback */
	uint64_t vanished; /* exited between the directory listing and their reading */
	uint64_t unreadable; /* other errors (permissions): skipped */
	uint64_t files_stated; /* over every process read: a file many map is stat'ed once */
};

/*
 * What a scan hands over, process by process, VMA by VMA as they are read:
 * nothing is collected in between, so a process with a million mappings costs
 * the scan no more memory than one with ten. A negative return stops the scan
 * and is returned by proc_scan__each.
 */
struct mw_proc_scan_handlers {
	/* Before the maps are read: 1 reads them, 0 skips the process. */
	int (*begin)(const struct mw_proc_process *process, void *ctx);
	int (*vma)(const struct mw_vma *vma, void *ctx);
	/* The walk was whole; process->stats is filled. */
	int (*end)(const struct mw_proc_process *process, void *ctx);
	/*
	 * After begin, the walk did not finish: the process vanished mid-walk,
	 * could not be read, or has no address space (a kernel thread). What vma
	 * was handed is not to be trusted.
	 */
	void (*abandon)(const struct mw_proc_process *process, void *ctx);
	/* Optional: what the handlers already hold of a file, asked before a stat (stat_cache.h). */
	mw_stat_source_fn known_file;
	/*
	 * No comm is read before the maps: begin gets an empty one, and a
	 * process that cannot be read shows so at its maps. For handlers that
	 * name only the processes they end up showing (scan).
	 */
	bool comm_later;
	/*
	 * Read processes ahead on worker threads, one per CPU this process may
	 * run on (at most 4), while the handlers still get one process at a
	 * time, in /proc's order, on the caller's thread; a process of many
	 * mappings comes in chunks, handed over while the next is read. A stat
	 * costs a syscall per distinct file, and on a host of distinct files
	 * those stats are most of a scan: two cores halve them. Not with
	 * known_file (it asks the handlers' state). Each worker keeps its own
	 * stat cache: a file mapped everywhere is stat'ed once per worker.
	 */
	bool read_ahead;
	/*
	 * Optional, with read_ahead: whether begin could take this process, asked
	 * on a worker thread before its maps are read (so it must touch nothing
	 * the handlers change). @comm is empty with comm_later.
	 */
	bool (*may_begin)(pid_t pid, const char *comm, void *ctx);
};

/*
 * Walks every process (thread group) in /proc, its VMAs read with
 * proc_maps__for_each(@maps_flags). Kernel threads (no VMAs) and processes
 * that vanish mid-scan are abandoned and not counted. @stats may be NULL.
 */
int proc_scan__each(unsigned int maps_flags, const struct mw_proc_scan_handlers *handlers,
		    void *ctx, struct mw_proc_scan_stats *stats);

/* /proc/PID/comm without its newline. -ESRCH when the process is gone. */
int proc_scan__read_comm(pid_t pid, char comm[MW_COMM_LEN]);

#endif
