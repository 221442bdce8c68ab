/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel records, checked and copied out of the ring buffer. */
#ifndef MAPWATCH_CORE_EVENT_H
#define MAPWATCH_CORE_EVENT_H

#include <stddef.h>
#include "mapwatch_events.h"

union mw_event {
	struct mw_event_header header;
	struct mw_mmap_event mmap;
	struct mw_munmap_event munmap;
	struct mw_mremap_event mremap;
	struct mw_mprotect_event mprotect;
	struct mw_file_event file; /* MW_EVENT_TRUNCATE, MW_EVENT_UNLINK */
	struct mw_rename_event rename;
	struct mw_check_event check;
	struct mw_fork_event fork;
	struct mw_exec_event exec;
	struct mw_exit_event exit;
	struct mw_range_event range;
};

/*
 * Checks a raw record (type known, size exactly the type's, or for MMAP
 * without a name MW_MMAP_EVENT_FILED_SIZE; header.size agrees, names
 * NUL-terminated, a FORK's child not its parent) and copies it into *out,
 * zero-filled past the record. Returns 0, or -EBADMSG for a malformed record,
 * which the caller counts and drops.
 */
int event__decode(const void *data, size_t size, union mw_event *out);

/* "mmap", "munmap", ...; "unknown" for anything else. */
const char *event__type_name(unsigned int type);

#endif
