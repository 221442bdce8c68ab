// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "top_rows.h"

struct sort_context {
	const struct mw_snapshot *snapshot;
	enum top_sort sort;
	bool reverse;
};

bool top_rows__has_orphan_of_unknown_age(const struct mw_process_report *process)
{
	return process->orphan_age_unknown;
}

/* Deleted before mapwatch started is older than any age it measured. */
static double oldest_key(const struct mw_process_report *process)
{
	if (!process->orphaned_mappings)
		return -1;
	if (top_rows__has_orphan_of_unknown_age(process))
		return INFINITY;
	return process->oldest_orphan_age_known ? process->oldest_orphan_age_seconds : 0;
}

static int descending(double a, double b)
{
	return a > b ? -1 : a < b;
}

static int compare_by_key(const struct mw_process_report *a, const struct mw_process_report *b,
			  enum top_sort sort)
{
	int order = 0;

	switch (sort) {
	case TOP_SORT_PID:
		return 0;
	case TOP_SORT_COMM:
		return strncmp(a->comm, b->comm, MW_COMM_LEN);
	case TOP_SORT_MAP_COUNT:
		return descending((double)a->map_count, (double)b->map_count);
	case TOP_SORT_ORPHANS:
		order = descending((double)a->orphaned_mappings, (double)b->orphaned_mappings);
		break;
	case TOP_SORT_ORPHANED_BYTES:
		order = descending((double)a->orphaned_bytes, (double)b->orphaned_bytes);
		break;
	case TOP_SORT_OLDEST:
		order = descending(oldest_key(a), oldest_key(b));
		break;
	case TOP_SORT_RESIZE_REMAPS:
		order = descending((double)a->resize_remaps, (double)b->resize_remaps);
		break;
	case TOP_SORT_STALE:
		order = descending((double)a->stale_mappings, (double)b->stale_mappings);
		break;
	default:
		break;
	}
	/* ties: the fuller address space first, as the agent's own order does */
	return order ? order : descending((double)a->map_count, (double)b->map_count);
}

static int compare_rows(const void *left, const void *right, void *context)
{
	const struct sort_context *sort = context;
	const struct mw_process_report *a = &sort->snapshot->processes[*(const size_t *)left];
	const struct mw_process_report *b = &sort->snapshot->processes[*(const size_t *)right];
	int order = compare_by_key(a, b, sort->sort);

	if (!order)
		order = a->pid < b->pid ? -1 : a->pid > b->pid;
	return sort->reverse ? -order : order;
}

static bool matches(const struct mw_process_report *process, const char *filter)
{
	char comm[MW_COMM_LEN + 1];

	if (!filter[0])
		return true;
	memcpy(comm, process->comm, MW_COMM_LEN);
	comm[MW_COMM_LEN] = '\0';
	return strcasestr(comm, filter) != NULL;
}

int top_rows__select(const struct mw_snapshot *snapshot, const struct mw_top_choices *state,
		     size_t **rows_out, size_t *count_out)
{
	struct sort_context context = { snapshot, state->sort, state->reverse };
	size_t *rows =
		malloc((snapshot->process_count ? snapshot->process_count : 1) * sizeof(*rows));
	size_t count = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < snapshot->process_count; i++)
		if (matches(&snapshot->processes[i], state->filter))
			rows[count++] = i;
	if (count)
		qsort_r(rows, count, sizeof(*rows), compare_rows, &context);
	if (state->row_limit && count > state->row_limit)
		count = state->row_limit;
	*rows_out = rows;
	*count_out = count;
	return 0;
}
