// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <curses.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "top_keys.h"

#define KEY_ESCAPE 27
#define KEY_DELETE 127
#define KEY_CONTROL_H 8

static size_t moved(size_t position, long delta)
{
	if (delta < 0)
		return position < (size_t)-delta ? 0 : position - (size_t)-delta;
	return position > SIZE_MAX - (size_t)delta ? SIZE_MAX : position + (size_t)delta;
}

/* Up and Down move the selection in the list, and scroll the orphaned files in the detail. */
static void move_by(struct mw_top_choices *state, long delta)
{
	if (state->by_file) {
		state->by_file_first = moved(state->by_file_first, delta);
		return;
	}
	if (state->detail) {
		state->detail_first_orphan = moved(state->detail_first_orphan, delta);
		return;
	}
	state->selected_row = moved(state->selected_row, delta);
	state->follow_pid = false;
}

/* Home and End: the frame puts SIZE_MAX on the last row, or the last page of files. */
static void move_to(struct mw_top_choices *state, size_t position)
{
	if (state->by_file) {
		state->by_file_first = position;
		return;
	}
	if (state->detail) {
		state->detail_first_orphan = position;
		return;
	}
	state->selected_row = position;
	state->follow_pid = false;
}

static long page(const struct mw_top_choices *state)
{
	return state->page_rows > 1 ? (long)state->page_rows - 1 : 1;
}

static void set_interval(struct mw_top_choices *state, double seconds)
{
	if (seconds < MW_INTERVAL_MIN_SECONDS)
		seconds = MW_INTERVAL_MIN_SECONDS;
	if (seconds > MW_INTERVAL_MAX_SECONDS)
		seconds = MW_INTERVAL_MAX_SECONDS;
	if (seconds != state->interval_seconds)
		state->interval_changed = true;
	state->interval_seconds = seconds;
	snprintf(state->message, sizeof(state->message), "Refreshing every %gs", seconds);
}

static void apply_interval(struct mw_top_choices *state)
{
	char *end;
	double seconds = strtod(state->input, &end);

	if (!state->input[0] || *end || !isfinite(seconds) || seconds < MW_INTERVAL_MIN_SECONDS ||
	    seconds > MW_INTERVAL_MAX_SECONDS) {
		snprintf(state->message, sizeof(state->message),
			 "Refresh interval '%.*s' is not a number of seconds from %g to %g",
			 TOP_INPUT_MAX, state->input, MW_INTERVAL_MIN_SECONDS,
			 MW_INTERVAL_MAX_SECONDS);
		return;
	}
	set_interval(state, seconds);
}

static void apply_filter(struct mw_top_choices *state)
{
	snprintf(state->filter, sizeof(state->filter), "%s", state->input);
	/* a new list: start at its top */
	state->selected_row = 0;
	state->first_row = 0;
	state->follow_pid = false;
}

static void prompt_key(struct mw_top_choices *state, int key)
{
	size_t length = strlen(state->input);

	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (state->prompt == TOP_PROMPT_FILTER)
			apply_filter(state);
		else
			apply_interval(state);
		state->prompt = TOP_PROMPT_NONE;
		return;
	case KEY_ESCAPE:
		state->prompt = TOP_PROMPT_NONE;
		return;
	case KEY_BACKSPACE:
	case KEY_DELETE:
	case KEY_CONTROL_H:
		if (length)
			state->input[length - 1] = '\0';
		return;
	default:
		/* printable ASCII only: the filter is matched against command names */
		if (key >= ' ' && key < KEY_DELETE && length + 1 < sizeof(state->input)) {
			state->input[length] = (char)key;
			state->input[length + 1] = '\0';
		}
		return;
	}
}

static void open_prompt(struct mw_top_choices *state, enum top_prompt prompt, const char *initial)
{
	state->prompt = prompt;
	snprintf(state->input, sizeof(state->input), "%s", initial);
}

static void back(struct mw_top_choices *state, int key)
{
	if (state->by_file)
		state->by_file = false;
	else if (state->detail)
		state->detail = false;
	else if (key == KEY_ESCAPE)
		state->filter[0] = '\0';
}

void top_keys__handle(struct mw_top_choices *state, int key)
{
	state->message[0] = '\0';
	if (state->prompt != TOP_PROMPT_NONE) {
		prompt_key(state, key);
		return;
	}
	switch (key) {
	case 'q':
	case 'Q':
		state->quit = true;
		break;
	case 's':
	case '>':
		state->sort = (state->sort + 1) % TOP_SORT_COUNT;
		break;
	case '<':
		state->sort = (state->sort + TOP_SORT_COUNT - 1) % TOP_SORT_COUNT;
		break;
	case 'R':
		state->reverse = !state->reverse;
		break;
	case KEY_UP:
	case 'k':
		move_by(state, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_by(state, 1);
		break;
	case KEY_PPAGE:
		move_by(state, -page(state));
		break;
	case KEY_NPAGE:
		move_by(state, page(state));
		break;
	case KEY_HOME:
	case 'g':
		move_to(state, 0);
		break;
	case KEY_END:
	case 'G':
		move_to(state, SIZE_MAX);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_RIGHT:
		/* the frame names the process: keys typed ahead may have moved the selection */
		if (!state->detail && !state->by_file) {
			state->detail = true;
			state->detail_pid = 0;
			state->detail_first_orphan = 0;
		}
		break;
	case KEY_ESCAPE:
	case KEY_BACKSPACE:
	case KEY_DELETE:
	case KEY_LEFT:
		back(state, key);
		break;
	case 'f':
	case 'F':
		/* every orphaned file, whichever process maps it; f again goes back */
		state->by_file = !state->by_file;
		state->by_file_first = 0;
		break;
	case '/':
		open_prompt(state, TOP_PROMPT_FILTER, state->filter);
		break;
	case 'd':
		open_prompt(state, TOP_PROMPT_INTERVAL, "");
		break;
	case '+':
		set_interval(state, state->interval_seconds * 2);
		break;
	case '-':
		set_interval(state, state->interval_seconds / 2);
		break;
	case ' ':
	case 'p':
		state->paused = !state->paused;
		break;
	default:
		break;
	}
}
