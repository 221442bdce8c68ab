// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <curses.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include "text_report.h"
#include "top_view.h"

static const struct mw_snapshot *sort_snapshot;
static enum mw_top_sort sort_key;

static int compare_rows(const void *left, const void *right)
{
	const struct mw_process_report *a = &sort_snapshot->processes[*(const size_t *)left];
	const struct mw_process_report *b = &sort_snapshot->processes[*(const size_t *)right];
	uint64_t x = 0, y = 0;

	switch (sort_key) {
	case MW_TOP_SORT_ORPHANED_BYTES:
		x = a->orphaned_bytes, y = b->orphaned_bytes;
		if (x == y)
			x = a->map_count, y = b->map_count;
		break;
	case MW_TOP_SORT_MAP_COUNT:
		x = a->map_count, y = b->map_count;
		break;
	case MW_TOP_SORT_RESIZE_REMAPS:
		x = a->resize_remaps, y = b->resize_remaps;
		break;
	default:
		return a->pid < b->pid ? -1 : a->pid > b->pid;
	}
	if (x != y)
		return x < y ? 1 : -1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

size_t *top_view__order(const struct mw_snapshot *snapshot, enum mw_top_sort sort)
{
	size_t *order = malloc((snapshot->process_count ? snapshot->process_count : 1) *
			       sizeof(*order));

	if (!order)
		return NULL;
	for (size_t i = 0; i < snapshot->process_count; i++)
		order[i] = i;
	/* qsort has no context argument; drawing is single-threaded. */
	sort_snapshot = snapshot;
	sort_key = sort;
	qsort(order, snapshot->process_count, sizeof(*order), compare_rows);
	return order;
}

const char *top_view__sort_name(enum mw_top_sort sort)
{
	static const char *const names[] = { "orphaned bytes", "map count", "resize remaps", "pid" };

	return sort < MW_TOP_SORT_COUNT ? names[sort] : "?";
}

static void draw_header(const struct mw_snapshot *snapshot, const struct mw_top_state *state)
{
	char bytes[32], when[32];
	time_t seconds = (time_t)snapshot->timestamp;
	struct tm local;

	localtime_r(&seconds, &local);
	strftime(when, sizeof(when), "%H:%M:%S", &local);
	text_report__format_bytes(snapshot->orphaned_bytes, bytes, sizeof(bytes));
	attron(A_BOLD);
	mvprintw(0, 0, "mapwatch top  %s  orphaned %" PRIu64 " mappings (%s)  tracked %" PRIu64
		       "  vm.max_map_count %" PRIu64,
		 when, snapshot->orphaned_mappings, bytes, snapshot->tracked_mappings,
		 snapshot->max_map_count);
	attroff(A_BOLD);
	mvprintw(1, 0, "events lost %" PRIu64 "  corrections %" PRIu64 "  sort: %s",
		 snapshot->events_lost, snapshot->reconcile_corrections,
		 top_view__sort_name(state->sort));
}

static void draw_detail(const struct mw_snapshot *snapshot, const struct mw_top_state *state)
{
	const struct mw_process_report *process = NULL;
	int row = 3;

	for (size_t i = 0; i < snapshot->process_count; i++)
		if (snapshot->processes[i].pid == state->detail_pid)
			process = &snapshot->processes[i];
	if (!process) {
		mvprintw(row, 0, "process %u has exited", state->detail_pid);
		return;
	}
	mvprintw(row++, 0, "pid %u  %s  maps %" PRIu64 "  orphans %" PRIu64 "  resize remaps %" PRIu64
			   "  stale %" PRIu64,
		 process->pid, process->comm, process->map_count, process->orphaned_mappings,
		 process->resize_remaps, process->stale_mappings);
	if (process->map_count_growing)
		mvprintw(row++, 0, "map limit in %.0f s at the recent growth rate",
			 process->seconds_to_map_limit);
	row++;
	attron(A_REVERSE);
	mvprintw(row++, 0, "%-27s %-6s %-10s %-12s %s", "ADDRESS", "DEV", "INODE", "DELETED", "PATH");
	attroff(A_REVERSE);
	for (size_t i = 0; i < process->orphan_count && row < LINES - 1; i++, row++) {
		const struct mw_orphan *orphan = &process->orphans[i];
		char age[32];

		if (orphan->deleted_age_known)
			snprintf(age, sizeof(age), "%.1fs ago", orphan->deleted_seconds_ago);
		else
			snprintf(age, sizeof(age), "before start");
		mvprintw(row, 0, "%012" PRIx64 "-%012" PRIx64 " %02x:%02x  %-10" PRIu64 " %-12s %s",
			 orphan->start, orphan->end, orphan->dev >> 20, orphan->dev & 0xfffff,
			 orphan->ino, age, orphan->path ? orphan->path : "");
	}
	mvprintw(LINES - 1, 0, "Esc/Backspace: back   q: quit");
}

static void draw_list(const struct mw_snapshot *snapshot, struct mw_top_state *state)
{
	size_t *order = top_view__order(snapshot, state->sort);
	size_t rows = snapshot->process_count;
	int screen_rows = LINES - 5;

	if (!order)
		return;
	if (state->row_limit && rows > state->row_limit)
		rows = state->row_limit;
	if (rows && state->selected >= rows)
		state->selected = rows - 1;
	if (screen_rows < 1)
		screen_rows = 1;
	if (state->selected < state->first_row)
		state->first_row = state->selected;
	if (state->selected >= state->first_row + (size_t)screen_rows)
		state->first_row = state->selected - (size_t)screen_rows + 1;

	attron(A_REVERSE);
	mvprintw(3, 0, "%-8s %-16s %8s %7s %8s %12s %8s %6s %12s", "PID", "COMM", "MAPS", "LIMIT%",
		 "ORPHANS", "ORPHANED", "REMAPS", "STALE", "LIMIT IN");
	attroff(A_REVERSE);
	for (size_t i = state->first_row; i < rows && (int)(i - state->first_row) < screen_rows; i++) {
		const struct mw_process_report *process = &snapshot->processes[order[i]];
		double ratio = snapshot->max_map_count ? 100.0 * (double)process->map_count /
								 (double)snapshot->max_map_count :
							 0;
		char bytes[32], limit[32] = "-";

		text_report__format_bytes(process->orphaned_bytes, bytes, sizeof(bytes));
		if (process->map_count_growing)
			snprintf(limit, sizeof(limit), "%.0fs", process->seconds_to_map_limit);
		if (i == state->selected) {
			attron(A_BOLD | A_UNDERLINE);
			state->detail_pid = process->pid;
		}
		mvprintw(4 + (int)(i - state->first_row), 0,
			 "%-8u %-16s %8" PRIu64 " %6.1f%% %8" PRIu64 " %12s %8" PRIu64 " %6" PRIu64
			 " %12s",
			 process->pid, process->comm, process->map_count, ratio,
			 process->orphaned_mappings, bytes, process->resize_remaps,
			 process->stale_mappings, limit);
		if (i == state->selected)
			attroff(A_BOLD | A_UNDERLINE);
	}
	mvprintw(LINES - 1, 0, "Up/Down: select   Enter: orphaned files   s: sort   q: quit");
	free(order);
}

void top_view__draw(const struct mw_snapshot *snapshot, struct mw_top_state *state)
{
	erase();
	draw_header(snapshot, state);
	if (state->detail)
		draw_detail(snapshot, state);
	else
		draw_list(snapshot, state);
	refresh();
}
