/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One line of a top frame, built cell by cell to a fixed number of terminal
 * columns. Text handed in is already safe to draw (terminal_text__escape);
 * the builder only measures, cuts and pads it.
 */
#ifndef MAPWATCH_TOP_LINE_H
#define MAPWATCH_TOP_LINE_H

#include <stdbool.h>
#include <stddef.h>

enum top_align {
	TOP_ALIGN_LEFT,
	TOP_ALIGN_RIGHT,
	TOP_ALIGN_LEFT_KEEP_END, /* cut from the start, behind "...": paths end in the file name */
};

struct mw_top_line_builder {
	char *text;
	size_t length;
	size_t capacity;
	size_t columns; /* taken so far */
	size_t width; /* the line's columns */
	bool utf8;
	bool failed; /* out of memory: top_line__finish returns NULL */
};

void top_line__start(struct mw_top_line_builder *line, size_t width, bool utf8);

/* Appends as much of @text as fits in the line. */
void top_line__append(struct mw_top_line_builder *line, const char *text);

__attribute__((format(printf, 2, 3))) void top_line__append_format(struct mw_top_line_builder *line,
								   const char *format, ...);

/* @text cut or padded to exactly @width columns (less at the end of the line). */
void top_line__append_cell(struct mw_top_line_builder *line, const char *text, size_t width,
			   enum top_align align);

/* Spaces up to the line's width. */
void top_line__pad(struct mw_top_line_builder *line);

/* The text, malloc'ed and owned by the caller; NULL when out of memory. */
char *top_line__finish(struct mw_top_line_builder *line);

#endif
