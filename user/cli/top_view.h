/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Drawing for `mapwatch top`: reads a snapshot and the view state, writes the
 * screen. It never collects; the collector never draws.
 */
#ifndef MAPWATCH_CLI_TOP_VIEW_H
#define MAPWATCH_CLI_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "snapshot.h"

enum mw_top_sort {
	MW_TOP_SORT_ORPHANED_BYTES = 0,
	MW_TOP_SORT_MAP_COUNT,
	MW_TOP_SORT_RESIZE_REMAPS,
	MW_TOP_SORT_PID,
	MW_TOP_SORT_COUNT
};

struct mw_top_state {
	enum mw_top_sort sort;
	size_t selected; /* row in the sorted list */
	size_t first_row; /* scrolling */
	bool detail; /* showing the selected process's orphans */
	uint32_t detail_pid;
	size_t row_limit; /* --top: 0 for all */
};

/* Sorted row order for the state's sort key; returns a malloc'ed index array. */
size_t *top_view__order(const struct mw_snapshot *snapshot, enum mw_top_sort sort);

const char *top_view__sort_name(enum mw_top_sort sort);

/* Draws the whole screen (curses must be initialised). */
void top_view__draw(const struct mw_snapshot *snapshot, struct mw_top_state *state);

#endif
