/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One screen of `mapwatch top` as lines of text: from the model (snapshot,
 * rates, history) and the view state to exactly what a person sees. Pure, so
 * it is tested without BPF or a terminal; curses (top_terminal.h) and --batch
 * only print the lines.
 */
#ifndef MAPWATCH_TOP_SCREEN_H
#define MAPWATCH_TOP_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include "top_history.h"
#include "top_choices.h"

enum top_style {
	TOP_STYLE_PLAIN = 0,
	TOP_STYLE_TITLE, /* the first header line, the detail's process line */
	TOP_STYLE_COLUMNS, /* column headings */
	TOP_STYLE_SELECTED, /* the selected process */
	TOP_STYLE_PROMPT, /* a prompt or a message */
};

struct mw_top_screen_line {
	char *text; /* safe to draw: every name in it is escaped */
	enum top_style style;
	/* bytes of text to emphasise: the heading of the sort column; length 0 for none */
	size_t mark_start;
	size_t mark_length;
};

struct mw_top_screen {
	struct mw_top_screen_line *lines;
	size_t count;
	size_t capacity;
	bool failed;
};

struct mw_top_screen_layout {
	size_t width; /* columns; every line fits in them */
	size_t height; /* lines; 0: as many as the list needs (--batch) */
	bool utf8; /* the terminal shows UTF-8: names keep their characters, charts use blocks */
	bool interactive; /* the prompt line, the key help line and the selection */
};

/*
 * Builds the frame for @model and @state into @frame (zeroed or cleared).
 * Keeps @state consistent with what is shown: the selection on a listed row
 * (it stays on its process while that process is listed), the scroll
 * positions, page_rows. Returns 0 or -ENOMEM.
 */
int top_screen__build(const struct mw_top_history *model, struct mw_top_choices *state,
		      const struct mw_top_screen_layout *layout, struct mw_top_screen *frame);

void top_screen__clear(struct mw_top_screen *frame);

#endif
