// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "top_choices.h"

void top_choices__init(struct mw_top_choices *state, double interval_seconds, size_t row_limit)
{
	memset(state, 0, sizeof(*state));
	state->sort = TOP_SORT_ORPHANED_BYTES;
	state->interval_seconds = interval_seconds;
	state->row_limit = row_limit;
}

const char *top_choices__sort_name(enum top_sort sort)
{
	static const char *const names[TOP_SORT_COUNT] = {
		[TOP_SORT_PID] = "pid",
		[TOP_SORT_COMM] = "command",
		[TOP_SORT_MAP_COUNT] = "map count",
		[TOP_SORT_ORPHANS] = "orphans",
		[TOP_SORT_ORPHANED_BYTES] = "orphaned bytes",
		[TOP_SORT_OLDEST] = "oldest orphan",
		[TOP_SORT_RESIZE_REMAPS] = "resize remaps",
		[TOP_SORT_STALE] = "stale mappings",
	};

	return sort < TOP_SORT_COUNT ? names[sort] : "?";
}
