/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ground truth tests compare mapwatch with, computed independently of the
 * fast paths: the orphaned mappings of deploy/reference.md ("Terms") read
 * from /proc/PID/maps text.
 */
#ifndef MAPWATCH_PROC_TRUTH_H
#define MAPWATCH_PROC_TRUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "vma.h"

struct mw_truth_summary {
	uint64_t map_count;
	uint64_t orphaned_mappings;
	uint64_t orphaned_bytes;
};

/*
 * The orphaned mappings of @pid in address order: lines marked " (deleted)"
 * of regular files whose inode has no links left (stat through map_files;
 * memfd, SysV shm and /dev/zero excluded). Needs CAP_SYS_ADMIN: a deleted
 * file that cannot be stat'ed is an error (-EPERM...), never a guess.
 * *orphans is malloc'ed (NULL when none); @summary may be NULL.
 */
int proc_truth__orphans(pid_t pid, struct mw_vma **orphans, size_t *count,
			struct mw_truth_summary *summary);

#endif
