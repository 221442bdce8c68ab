// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "terminal_text.h"
#include "top_line.h"

#define ELLIPSIS "..."

void top_line__start(struct mw_top_line_builder *line, size_t width, bool utf8)
{
	memset(line, 0, sizeof(*line));
	line->width = width;
	line->utf8 = utf8;
}

static void put_bytes(struct mw_top_line_builder *line, const char *bytes, size_t length)
{
	if (line->failed)
		return;
	if (line->length + length + 1 > line->capacity) {
		size_t capacity = line->capacity ? line->capacity : 128;
		char *grown;

		while (line->length + length + 1 > capacity)
			capacity *= 2;
		grown = realloc(line->text, capacity);
		if (!grown) {
			line->failed = true;
			return;
		}
		line->text = grown;
		line->capacity = capacity;
	}
	memcpy(line->text + line->length, bytes, length);
	line->length += length;
	line->text[line->length] = '\0';
}

static void put_spaces(struct mw_top_line_builder *line, size_t count)
{
	static const char spaces[] = "                                ";

	while (count) {
		size_t chunk = count < sizeof(spaces) - 1 ? count : sizeof(spaces) - 1;

		put_bytes(line, spaces, chunk);
		line->columns += chunk;
		count -= chunk;
	}
}

static size_t room(const struct mw_top_line_builder *line)
{
	return line->width > line->columns ? line->width - line->columns : 0;
}

void top_line__append(struct mw_top_line_builder *line, const char *text)
{
	size_t width, length = terminal_text__fit(text, room(line), line->utf8, &width);

	put_bytes(line, text, length);
	line->columns += width;
}

void top_line__append_format(struct mw_top_line_builder *line, const char *format, ...)
{
	char *text = NULL;
	va_list arguments;
	int length;

	va_start(arguments, format);
	length = vasprintf(&text, format, arguments);
	va_end(arguments);
	if (length < 0) {
		line->failed = true;
		return;
	}
	top_line__append(line, text);
	free(text);
}

void top_line__append_cell(struct mw_top_line_builder *line, const char *text, size_t width,
			   enum top_align align)
{
	size_t text_width = terminal_text__width(text, line->utf8), cell = width;
	size_t ellipsis = strlen(ELLIPSIS), used;

	if (cell > room(line))
		cell = room(line);
	if (text_width <= cell) {
		if (align == TOP_ALIGN_RIGHT)
			put_spaces(line, cell - text_width);
		top_line__append(line, text);
		if (align != TOP_ALIGN_RIGHT)
			put_spaces(line, cell - text_width);
		return;
	}
	if (align == TOP_ALIGN_LEFT_KEEP_END && cell > ellipsis) {
		size_t start = terminal_text__tail(text, cell - ellipsis, line->utf8);

		top_line__append(line, ELLIPSIS);
		used = line->columns;
		top_line__append(line, text + start);
		/* a wide character may leave one column over */
		put_spaces(line, cell - ellipsis - (line->columns - used));
		return;
	}
	used = line->columns;
	put_bytes(line, text, terminal_text__fit(text, cell, line->utf8, &text_width));
	line->columns += text_width;
	put_spaces(line, cell - (line->columns - used));
}

void top_line__pad(struct mw_top_line_builder *line)
{
	put_spaces(line, room(line));
}

char *top_line__finish(struct mw_top_line_builder *line)
{
	if (!line->failed && !line->text)
		put_bytes(line, "", 0);
	if (line->failed) {
		free(line->text);
		line->text = NULL;
	}
	return line->text;
}
