// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every key of `mapwatch top`, as the change it makes to the view. */
#include <criterion/criterion.h>
#include <curses.h>
#include <stdint.h>
#include <string.h>
#include "top_keys.h"

static struct mw_top_choices state;

static void setup(void)
{
	top_choices__init(&state, 1.0, 0);
}

TestSuite(top_keys, .init = setup);

static void type(const char *keys)
{
	for (const char *key = keys; *key; key++)
		top_keys__handle(&state, *key);
}

Test(top_keys, starts_on_orphaned_bytes)
{
	cr_assert_eq(state.sort, TOP_SORT_ORPHANED_BYTES);
	cr_assert_str_eq(top_choices__sort_name(state.sort), "orphaned bytes");
	cr_assert_not(state.paused || state.detail || state.quit || state.reverse);
}

Test(top_keys, sort_moves_along_the_columns)
{
	top_keys__handle(&state, 's');
	cr_assert_eq(state.sort, TOP_SORT_OLDEST);
	top_keys__handle(&state, '>');
	cr_assert_eq(state.sort, TOP_SORT_RESIZE_REMAPS);
	top_keys__handle(&state, '<');
	top_keys__handle(&state, '<');
	cr_assert_eq(state.sort, TOP_SORT_ORPHANED_BYTES);
	for (int i = 0; i < TOP_SORT_COUNT; i++)
		top_keys__handle(&state, '>');
	cr_assert_eq(state.sort, TOP_SORT_ORPHANED_BYTES, "wraps around");
	state.sort = TOP_SORT_PID;
	top_keys__handle(&state, '<');
	cr_assert_eq(state.sort, TOP_SORT_STALE);
	top_keys__handle(&state, 'R');
	cr_assert(state.reverse);
	top_keys__handle(&state, 'R');
	cr_assert_not(state.reverse);
}

Test(top_keys, selection_moves_and_stops_at_the_ends)
{
	top_keys__handle(&state, KEY_UP);
	cr_assert_eq(state.selected_row, 0);
	top_keys__handle(&state, KEY_DOWN);
	top_keys__handle(&state, 'j');
	cr_assert_eq(state.selected_row, 2);
	cr_assert_not(state.follow_pid, "a moved selection is taken by row");
	top_keys__handle(&state, 'k');
	cr_assert_eq(state.selected_row, 1);
	state.page_rows = 18;
	top_keys__handle(&state, KEY_NPAGE);
	cr_assert_eq(state.selected_row, 18);
	top_keys__handle(&state, KEY_PPAGE);
	cr_assert_eq(state.selected_row, 1);
	top_keys__handle(&state, KEY_END);
	cr_assert_eq(state.selected_row, SIZE_MAX, "the frame puts it on the last row");
	top_keys__handle(&state, KEY_DOWN);
	cr_assert_eq(state.selected_row, SIZE_MAX);
	top_keys__handle(&state, KEY_HOME);
	cr_assert_eq(state.selected_row, 0);
}

Test(top_keys, enter_opens_the_selected_process_and_esc_goes_back)
{
	state.selected_pid = 4242;
	top_keys__handle(&state, KEY_ENTER);
	cr_assert(state.detail);
	/* the selected process, as the next frame settles it (keys may be typed ahead) */
	cr_assert_eq(state.detail_pid, 0);
	/* in the detail, Up and Down scroll the orphaned files, not the selection */
	top_keys__handle(&state, KEY_DOWN);
	top_keys__handle(&state, KEY_DOWN);
	cr_assert_eq(state.detail_first_orphan, 2);
	cr_assert_eq(state.selected_row, 0);
	top_keys__handle(&state, 27);
	cr_assert_not(state.detail);
	top_keys__handle(&state, '\n');
	cr_assert(state.detail);
	cr_assert_eq(state.detail_first_orphan, 0, "each opening starts at the top");
	top_keys__handle(&state, KEY_LEFT);
	cr_assert_not(state.detail);
}

Test(top_keys, slash_filters_by_name)
{
	type("/ja");
	cr_assert_eq(state.prompt, TOP_PROMPT_FILTER);
	cr_assert_str_eq(state.filter, "", "applied only on Enter");
	/* at the prompt, keys are text: q does not quit */
	type("qx");
	top_keys__handle(&state, KEY_BACKSPACE);
	top_keys__handle(&state, 127);
	cr_assert_str_eq(state.input, "ja");
	state.selected_row = 5;
	type("\r");
	cr_assert_eq(state.prompt, TOP_PROMPT_NONE);
	cr_assert_str_eq(state.filter, "ja");
	cr_assert_eq(state.selected_row, 0, "a new list starts at its top");
	cr_assert_not(state.quit);
	/* the prompt starts from the current filter; Esc drops the edit */
	type("/v");
	cr_assert_str_eq(state.input, "jav");
	top_keys__handle(&state, 27);
	cr_assert_str_eq(state.filter, "ja");
	/* Esc in the list clears the filter */
	top_keys__handle(&state, 27);
	cr_assert_str_eq(state.filter, "");
}

Test(top_keys, filter_input_is_printable_and_bounded)
{
	top_keys__handle(&state, '/');
	top_keys__handle(&state, '\t');
	top_keys__handle(&state, 0x1b5b);
	for (int i = 0; i < 100; i++)
		top_keys__handle(&state, 'a');
	cr_assert_eq(strlen(state.input), TOP_INPUT_MAX - 1);
	cr_assert_eq(strspn(state.input, "a"), TOP_INPUT_MAX - 1);
}

Test(top_keys, refresh_interval)
{
	type("d2.5\r");
	cr_assert_float_eq(state.interval_seconds, 2.5, 1e-12);
	cr_assert(state.interval_changed);
	cr_assert_str_eq(state.message, "Refreshing every 2.5s");
	state.interval_changed = false;
	type("d0\r");
	cr_assert_float_eq(state.interval_seconds, 2.5, 1e-12);
	cr_assert_not(state.interval_changed);
	cr_assert_str_eq(state.message,
			 "Refresh interval '0' is not a number of seconds from 0.05 to 86400");
	type("+");
	cr_assert_float_eq(state.interval_seconds, 5, 1e-12);
	cr_assert(state.interval_changed);
	type("--------");
	cr_assert_float_eq(state.interval_seconds, 0.05, 1e-12, "never below --interval's floor");
	state.interval_seconds = 80000;
	type("+");
	cr_assert_float_eq(state.interval_seconds, 86400, 1e-9);
	/* a message lasts until the next key */
	type("j");
	cr_assert_str_eq(state.message, "");
}

Test(top_keys, pause_and_quit)
{
	type(" ");
	cr_assert(state.paused);
	type("p");
	cr_assert_not(state.paused);
	type("q");
	cr_assert(state.quit);
}

Test(top_keys, f_shows_every_file_and_back)
{
	top_keys__handle(&state, 'f');
	cr_assert(state.by_file);
	top_keys__handle(&state, KEY_DOWN);
	top_keys__handle(&state, KEY_DOWN);
	cr_assert_eq(state.by_file_first, 2);
	cr_assert_eq(state.selected_row, 0, "Down in the files moved the process selection");
	top_keys__handle(&state, '\n');
	cr_assert_not(state.detail, "Enter in the files opened a process");
	top_keys__handle(&state, 'f');
	cr_assert_not(state.by_file);
	top_keys__handle(&state, 'f');
	cr_assert_eq(state.by_file_first, 0);
	top_keys__handle(&state, 27);
	cr_assert_not(state.by_file);
}
