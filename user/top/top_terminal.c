// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <curses.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "top_terminal.h"

/* Esc alone goes back; keys arriving as escape sequences are still read whole. */
#define ESCAPE_DELAY_MS 25

void top_terminal__open(void)
{
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESCAPE_DELAY_MS);
	curs_set(0);
}

void top_terminal__close(void)
{
	endwin();
}

void top_terminal__resize(void)
{
	struct winsize size;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) && size.ws_row && size.ws_col)
		resizeterm(size.ws_row, size.ws_col);
}

void top_terminal__size(size_t *width, size_t *height)
{
	*width = COLS > 0 ? (size_t)COLS : 0;
	*height = LINES > 0 ? (size_t)LINES : 0;
}

static attr_t attributes_of(enum top_style style)
{
	switch (style) {
	case TOP_STYLE_TITLE:
	case TOP_STYLE_PROMPT:
		return A_BOLD;
	case TOP_STYLE_COLUMNS:
		return A_REVERSE;
	case TOP_STYLE_SELECTED:
		return A_REVERSE | A_BOLD;
	default:
		return A_NORMAL;
	}
}

void top_terminal__draw(const struct mw_top_screen *frame)
{
	erase();
	for (size_t i = 0; i < frame->count && i < (size_t)LINES; i++) {
		const struct mw_top_screen_line *line = &frame->lines[i];
		attr_t attributes = attributes_of(line->style);

		/* the last cell of the screen cannot take a character without scrolling: ERR, ignored */
		attrset(attributes);
		if (line->mark_length) {
			mvaddnstr((int)i, 0, line->text, (int)line->mark_start);
			attrset(attributes | A_BOLD | A_UNDERLINE);
			addnstr(line->text + line->mark_start, (int)line->mark_length);
			attrset(attributes);
			addstr(line->text + line->mark_start + line->mark_length);
		} else {
			mvaddstr((int)i, 0, line->text);
		}
	}
	attrset(A_NORMAL);
	refresh();
}

int top_terminal__key(void)
{
	return getch();
}
