/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the person at `mapwatch top` chose: sort column, selection, filter,
 * pause, refresh interval, list, detail or files. Keys change it (top_keys.h); the
 * frame reads it and keeps the selection on a row that exists (top_screen.h).
 */
#ifndef MAPWATCH_TOP_CHOICES_H
#define MAPWATCH_TOP_CHOICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In the table's column order, so < and > move along the columns. */
enum top_sort {
	TOP_SORT_PID = 0,
	TOP_SORT_COMM,
	TOP_SORT_MAP_COUNT,
	TOP_SORT_ORPHANS,
	TOP_SORT_ORPHANED_BYTES,
	TOP_SORT_OLDEST,
	TOP_SORT_RESIZE_REMAPS,
	TOP_SORT_STALE,
	TOP_SORT_COUNT
};

enum top_prompt {
	TOP_PROMPT_NONE = 0,
	TOP_PROMPT_FILTER,
	TOP_PROMPT_INTERVAL,
};

#define TOP_FILTER_MAX 32
#define TOP_INPUT_MAX 32
#define TOP_MESSAGE_MAX 128

struct mw_top_choices {
	enum top_sort sort;
	bool reverse;
	/* the selection: a row of the filtered, sorted list, and the process on it */
	size_t selected_row;
	uint32_t selected_pid;
	bool follow_pid; /* keep the selection on selected_pid while it is listed */
	size_t first_row; /* the list's first row on screen */
	size_t page_rows; /* list rows the last frame had room for (Page Up, Page Down) */
	bool detail; /* showing detail_pid's orphaned files and history */
	bool by_file; /* showing every orphaned file, across processes */
	size_t by_file_first; /* the first file on screen */
	uint32_t detail_pid; /* 0: the selected process, once the frame has settled the selection */
	size_t detail_first_orphan;
	bool paused; /* the view keeps its snapshot; collecting goes on */
	double interval_seconds;
	bool interval_changed; /* a key changed it; the loop re-arms its timer and clears this */
	size_t row_limit; /* --top: at most this many processes listed; 0: all */
	char filter[TOP_FILTER_MAX]; /* part of the command name, any case; "" for all */
	enum top_prompt prompt;
	char input[TOP_INPUT_MAX]; /* what is typed at the prompt */
	char message[TOP_MESSAGE_MAX]; /* one line of feedback, until the next key */
	bool quit;
};

/* The default view: most orphaned bytes first, first row selected. */
void top_choices__init(struct mw_top_choices *state, double interval_seconds, size_t row_limit);

/* "orphaned bytes", "map count", ... as the header says it. */
const char *top_choices__sort_name(enum top_sort sort);

#endif
