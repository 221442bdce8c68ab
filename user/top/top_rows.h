/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which processes top lists, in which order: the filter, the sort column, --top. */
#ifndef MAPWATCH_TOP_ROWS_H
#define MAPWATCH_TOP_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include "snapshot.h"
#include "top_choices.h"

/*
 * Indexes into snapshot->processes of the processes whose command name
 * contains state->filter (any case), sorted by state->sort (numbers largest
 * first, pid and name in ascending order, R reversing either), at most
 * state->row_limit of them. *rows_out is malloc'ed; returns 0 or -ENOMEM.
 */
int top_rows__select(const struct mw_snapshot *snapshot, const struct mw_top_choices *state,
		     size_t **rows_out, size_t *count_out);

/* True when one of the process's orphaned files was deleted before mapwatch started. */
bool top_rows__has_orphan_of_unknown_age(const struct mw_process_report *process);

#endif
