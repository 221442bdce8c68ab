// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a person sees in `mapwatch top`, from a snapshot and the view state:
 * the header's host totals, the table, sorting, selection, filter, the detail
 * view with its orphaned files and charts, and no raw control byte anywhere.
 */
#include <criterion/criterion.h>
#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "terminal_text.h"
#include "top_fixture.h"
#include "top_screen.h"
#include "top_keys.h"
#include "top_history.h"

#define MIB (1024ull * 1024)
/* 2025-11-25 05:53:20 UTC */
#define T0 1764050000.0

static struct mw_top_history model;
static struct mw_top_choices state;
static struct mw_top_screen frame;

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	top_history__init(&model);
	top_choices__init(&state, 1.0, 0);
	memset(&frame, 0, sizeof(frame));
}

static void teardown(void)
{
	top_screen__clear(&frame);
	top_history__clear(&model);
}

TestSuite(top_screen, .init = setup, .fini = teardown);

/*
 * java: two orphans of 10 MiB (12.5 s and 75 s ago), 7 remaps, 1 stale, 812 maps
 * idxstore: one orphan of 64 KiB deleted before mapwatch started, 30000 maps
 * bash: nothing to report, 40 maps
 */
static void take_host(double timestamp, uint64_t events)
{
	struct mw_snapshot snapshot;
	struct mw_process_report *java, *store;

	top_fixture__snapshot(&snapshot, timestamp);
	java = top_fixture__process(&snapshot, 4242, "java", 812);
	top_fixture__orphan(&snapshot, java, 0x7f0000000000, 10 * MIB,
			    "/kafka/t-4/00000000000000461285.timeindex.deleted", 12.5);
	top_fixture__orphan(&snapshot, java, 0x7f0001000000, 10 * MIB,
			    "/kafka/t-4/00000000000000461285.index.deleted", 75);
	java->resize_remaps = 7;
	java->stale_mappings = 1;
	store = top_fixture__process(&snapshot, 977, "idxstore", 30000);
	top_fixture__orphan(&snapshot, store, 0x7e0000000000, 64 * 1024, "/srv/idx/0.index", -1);
	top_fixture__process(&snapshot, 1, "bash", 40);
	snapshot.events_by_type[1] = events;
	snapshot.events_lost = 3;
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
}

static void build(size_t width, size_t height)
{
	top_fixture__build(&model, &state, width, height, true, &frame);
}

static const char *line(size_t index)
{
	cr_assert_lt(index, frame.count, "no line %zu in:\n%s", index, top_fixture__dump(&frame));
	return frame.lines[index].text;
}

static int row_of(uint32_t pid)
{
	char text[16];

	snprintf(text, sizeof(text), "%7u ", pid);
	for (size_t i = 0; i < frame.count; i++)
		if (!strncmp(frame.lines[i].text, text, strlen(text)))
			return (int)i;
	return -1;
}

Test(top_screen, header_has_the_host_totals)
{
	take_host(T0, 1000);
	build(80, 24);
	cr_assert_str_eq(line(0),
			 "mapwatch top - 05:53:20  refresh every 1s  sort: orphaned bytes");
	cr_assert_str_eq(line(1), "Orphaned: 3 mappings, 20.1 MiB   Processes watched: 3");
	/* one snapshot gives no rate yet */
	cr_assert_str_eq(line(2), "Events: -/s   Lost events: 3   vm.max_map_count: 65530");
	take_host(T0 + 2, 1500);
	build(80, 24);
	cr_assert_str_eq(line(2), "Events: 250.0/s   Lost events: 3   vm.max_map_count: 65530");
	cr_assert_eq(frame.lines[0].style, TOP_STYLE_TITLE);
}

Test(top_screen, table_at_80_by_24)
{
	char expected[128];
	int java;

	take_host(T0, 0);
	build(80, 24);
	cr_assert_eq(frame.count, 24, "%s", top_fixture__dump(&frame));
	cr_assert_str_eq(line(4), "    PID COMM              MAPS  MAP% ORPHANS ORPHANED BYTES  "
				  "OLDEST REMAPS STALE");
	cr_assert_eq(frame.lines[4].style, TOP_STYLE_COLUMNS);
	/* the sort column's heading is marked */
	cr_assert_eq(strncmp(line(4) + frame.lines[4].mark_start, "ORPHANED BYTES", 14), 0);
	cr_assert_eq(frame.lines[4].mark_length, 14);
	java = row_of(4242);
	cr_assert_eq(java, 5, "most orphaned bytes first:\n%s", top_fixture__dump(&frame));
	snprintf(expected, sizeof(expected), "%7s %-15s %6s %5s %7s %14s %7s %6s %5s", "4242",
		 "java", "812", "1.2", "2", "20.0 MiB", "1m15s", "7", "1");
	cr_assert_str_eq(line(5), expected);
	/* a file deleted before mapwatch started is older than mapwatch's view */
	snprintf(expected, sizeof(expected), "%7s %-15s %6s %5s %7s %14s %7s %6s %5s", "977",
		 "idxstore", "30000", "45.8", "1", "64.0 KiB", ">0s", "0", "0");
	cr_assert_str_eq(line(6), expected);
	snprintf(expected, sizeof(expected), "%7s %-15s %6s %5s %7s %14s %7s %6s %5s", "1", "bash",
		 "40", "0.1", "0", "0 B", "-", "0", "0");
	cr_assert_str_eq(line(7), expected);
	cr_assert_str_eq(line(23), "q quit  s<> sort  R rev  / filter  Enter files  f all files  "
				   "p pause  d refresh");
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_leq(terminal_text__width(line(i), false), 80, "line %zu: %s", i, line(i));
}

Test(top_screen, sort_columns_and_reverse)
{
	take_host(T0, 0);
	state.sort = TOP_SORT_MAP_COUNT;
	build(80, 24);
	cr_assert_str_eq(line(0), "mapwatch top - 05:53:20  refresh every 1s  sort: map count");
	cr_assert(row_of(977) < row_of(4242) && row_of(4242) < row_of(1));
	state.reverse = true;
	build(80, 24);
	cr_assert(row_of(1) < row_of(4242) && row_of(4242) < row_of(977));
	cr_assert_neq(strstr(line(0), "map count, reversed"), NULL);
	state.reverse = false;
	state.sort = TOP_SORT_COMM;
	build(80, 24);
	cr_assert(row_of(1) < row_of(977) && row_of(977) < row_of(4242), "bash idxstore java");
	/* deleted before mapwatch started counts as the oldest */
	state.sort = TOP_SORT_OLDEST;
	build(80, 24);
	cr_assert(row_of(977) < row_of(4242) && row_of(4242) < row_of(1));
	state.sort = TOP_SORT_RESIZE_REMAPS;
	build(80, 24);
	cr_assert_eq(row_of(4242), 5);
	state.sort = TOP_SORT_PID;
	build(80, 24);
	cr_assert(row_of(1) < row_of(977) && row_of(977) < row_of(4242));
}

Test(top_screen, selection_follows_its_process_and_survives_its_exit)
{
	struct mw_snapshot snapshot;

	take_host(T0, 0);
	build(80, 24);
	cr_assert_eq(state.selected_pid, 4242);
	cr_assert_eq(frame.lines[row_of(4242)].style, TOP_STYLE_SELECTED);
	/* the selected row is highlighted across the whole width */
	cr_assert_eq(strlen(line((size_t)row_of(4242))), 80);
	top_keys__handle(&state, 'j');
	build(80, 24);
	cr_assert_eq(state.selected_pid, 977);
	/* re-sorted: the selection stays on idxstore, wherever it goes */
	state.sort = TOP_SORT_PID;
	build(80, 24);
	cr_assert_eq(state.selected_pid, 977);
	cr_assert_eq(frame.lines[row_of(977)].style, TOP_STYLE_SELECTED);
	/* idxstore exits: the selection stays on its row, now the next process */
	top_fixture__snapshot(&snapshot, T0 + 1);
	top_fixture__process(&snapshot, 1, "bash", 40);
	top_fixture__process(&snapshot, 4242, "java", 812);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	cr_assert_eq(state.selected_pid, 4242, "%s", top_fixture__dump(&frame));
	cr_assert_eq(row_of(977), -1);
	/* everything exits */
	top_fixture__snapshot(&snapshot, T0 + 2);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	cr_assert_eq(state.selected_pid, 0);
	cr_assert_geq(top_fixture__find(&frame, "No process watched yet."), 0);
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert_not(state.detail, "nothing to open");
	cr_assert_geq(top_fixture__find(&frame, "No process watched yet."), 0);
}

/* End then Enter in one read of the keyboard: the process on the last row opens. */
Test(top_screen, keys_typed_ahead_open_the_row_they_selected)
{
	take_host(T0, 0);
	build(80, 24);
	cr_assert_eq(state.selected_pid, 4242);
	top_keys__handle(&state, 'G');
	top_keys__handle(&state, '\r');
	build(80, 24);
	cr_assert(state.detail);
	cr_assert_eq(state.detail_pid, 1);
	cr_assert_str_eq(line(4), "PID 1  bash  orphans 0 (0 B)  remaps 0  stale 0");
	cr_assert_geq(top_fixture__find(&frame, "  No orphaned files."), 0);
}

Test(top_screen, scrolls_to_keep_the_selection_on_screen)
{
	struct mw_snapshot snapshot;

	top_fixture__snapshot(&snapshot, T0);
	for (uint32_t pid = 1; pid <= 50; pid++)
		top_fixture__process(&snapshot, pid, "worker", 1000 - pid);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	state.sort = TOP_SORT_PID;
	build(80, 24);
	/* 24 lines: header 3, status 1, headings 1, help 1 leave 18 rows */
	cr_assert_eq(state.page_rows, 18);
	cr_assert_eq(row_of(18), 22);
	cr_assert_eq(row_of(19), -1);
	for (int i = 0; i < 30; i++)
		top_keys__handle(&state, KEY_DOWN);
	build(80, 24);
	cr_assert_eq(state.selected_pid, 31);
	cr_assert_eq(row_of(31), 22, "the selection is the last row shown");
	cr_assert_eq(row_of(14), 5);
	top_keys__handle(&state, 'G');
	build(80, 24);
	cr_assert_eq(state.selected_pid, 50);
	top_keys__handle(&state, 'g');
	build(80, 24);
	cr_assert_eq(state.selected_pid, 1);
	cr_assert_eq(row_of(1), 5);
	/* a taller terminal shows more, a shorter one still shows the selection */
	for (int i = 0; i < 40; i++)
		top_keys__handle(&state, 'j');
	build(80, 50);
	cr_assert_eq(state.selected_pid, 41);
	cr_assert_geq(row_of(41), 5);
	build(80, 12);
	cr_assert_geq(row_of(41), 5, "%s", top_fixture__dump(&frame));
	cr_assert_eq(frame.count, 12);
}

Test(top_screen, filter_by_name)
{
	take_host(T0, 0);
	snprintf(state.filter, sizeof(state.filter), "JA");
	build(80, 24);
	cr_assert_geq(row_of(4242), 0);
	cr_assert_eq(row_of(977), -1);
	cr_assert_eq(row_of(1), -1);
	cr_assert_str_eq(line(3), "Filter: 'JA', 1 of 3 processes (/ changes it, Esc clears it)");
	/* host totals stay the host's */
	cr_assert_str_eq(line(1), "Orphaned: 3 mappings, 20.1 MiB   Processes watched: 3");
	snprintf(state.filter, sizeof(state.filter), "kafka");
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "No process matches the filter."), 0);
}

Test(top_screen, prompts_pause_and_messages)
{
	take_host(T0, 0);
	top_keys__handle(&state, '/');
	top_keys__handle(&state, 'i');
	top_keys__handle(&state, 'd');
	build(80, 24);
	cr_assert_str_eq(line(3), "Filter by name (Enter applies, Esc cancels): id_");
	cr_assert_eq(frame.lines[3].style, TOP_STYLE_PROMPT);
	top_keys__handle(&state, '\r');
	build(80, 24);
	cr_assert_eq(row_of(4242), -1);
	cr_assert_geq(row_of(977), 0);
	top_keys__handle(&state, ' ');
	build(80, 24);
	cr_assert_str_eq(line(0),
			 "mapwatch top - 05:53:20  refresh every 1s  sort: orphaned bytes  PAUSED");
	top_keys__handle(&state, 'd');
	top_keys__handle(&state, 'x');
	top_keys__handle(&state, '\r');
	build(80, 24);
	cr_assert_str_eq(line(3),
			 "Refresh interval 'x' is not a number of seconds from 0.05 to 86400");
}

Test(top_screen, escapes_control_bytes_in_every_cell)
{
	struct mw_snapshot snapshot;
	struct mw_process_report *process;

	top_fixture__snapshot(&snapshot, T0);
	process = top_fixture__process(&snapshot, 66, "e\x1b[7m\n", 100);
	top_fixture__orphan(&snapshot, process, 0x1000, 4096, "/tmp/a\tb\x1b]0;owned\x07.bin", 1);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, " e\\033[7m\\012 "), 0, "%s",
		      top_fixture__dump(&frame));
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "PID 66  e\\033[7m\\012  orphans 1"), 0);
	cr_assert_geq(top_fixture__find(&frame, "/tmp/a\\011b\\033]0;owned\\007.bin"), 0, "%s",
		      top_fixture__dump(&frame));
	for (size_t i = 0; i < frame.count; i++)
		for (const unsigned char *at = (const unsigned char *)line(i); *at; at++)
			cr_assert(*at >= 0x20 && *at < 0x7f, "byte %#x on line %zu", *at, i);
}

Test(top_screen, detail_lists_orphaned_files_with_size_and_age)
{
	take_host(T0, 0);
	build(80, 24);
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert(state.detail);
	cr_assert_eq(state.detail_pid, 4242);
	cr_assert_eq(frame.count, 24);
	cr_assert_str_eq(line(4), "PID 4242  java  orphans 2 (20.0 MiB)  remaps 7  stale 1");
	cr_assert_str_eq(line(5), "Maps 812 (1.2% of vm.max_map_count), not growing");
	cr_assert_geq(top_fixture__find(&frame, "Map count over 0s: 812 to 812"), 0);
	cr_assert_geq(top_fixture__find(&frame, "Orphaned mappings over 0s: 0 to 2"), 0);
	cr_assert_geq(top_fixture__find(&frame, "      SIZE  DELETED       PATH"), 0);
	cr_assert_geq(top_fixture__find(&frame,
					"  10.0 MiB  12s ago       "
					"/kafka/t-4/00000000000000461285.timeindex.deleted"),
		      0, "%s", top_fixture__dump(&frame));
	cr_assert_geq(top_fixture__find(&frame, "  10.0 MiB  1m15s ago     "
						"/kafka/t-4/00000000000000461285.index.deleted"),
		      0);
	cr_assert_str_eq(line(23), "Esc back  Up Down scroll  Space pause  d refresh  q quit");
	top_keys__handle(&state, 27);
	build(80, 24);
	cr_assert_not(state.detail);
	cr_assert_geq(row_of(4242), 0);
}

Test(top_screen, detail_of_a_file_deleted_before_start_and_a_growing_process)
{
	struct mw_snapshot snapshot;
	struct mw_process_report *process;

	top_fixture__snapshot(&snapshot, T0);
	process = top_fixture__process(&snapshot, 977, "idxstore", 30000);
	top_fixture__orphan(&snapshot, process, 0x1000, 64 * 1024, "/srv/idx/0.index", -1);
	process->map_count_growing = true;
	process->seconds_to_map_limit = 3725;
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert_str_eq(line(5), "Maps 30000 (45.8% of vm.max_map_count), growing: the limit in "
				  "about 1h02m");
	cr_assert_geq(top_fixture__find(&frame, "  64.0 KiB  before start  /srv/idx/0.index"), 0);
}

/* Both charts side by side, 39 columns each: @left and @right are their last columns. */
static void expect_chart_line(int index, const char *left, const char *right)
{
	char expected[128];

	snprintf(expected, sizeof(expected), "%39s %39s", left, right);
	cr_assert_str_eq(line((size_t)index), expected);
}

Test(top_screen, detail_charts_map_count_and_orphans_over_time)
{
	static const uint64_t maps[] = { 100, 100, 150, 200 };
	static const uint64_t orphans[] = { 0, 1, 1, 2 };
	struct mw_snapshot snapshot;
	int title;

	for (size_t i = 0; i < 4; i++) {
		struct mw_process_report *process;

		top_fixture__snapshot(&snapshot, T0 + 30.0 * (double)i);
		process = top_fixture__process(&snapshot, 7, "grower", maps[i]);
		for (uint64_t j = 0; j < orphans[i]; j++)
			top_fixture__orphan(&snapshot, process, 0x1000 * (j + 1), 4096, "/x", 1);
		cr_assert_eq(top_history__update(&model, &snapshot), 0);
	}
	build(80, 24);
	top_keys__handle(&state, '\n');
	build(80, 24);
	title = top_fixture__find(&frame, "Map count over 1m30s: 100 to 200");
	cr_assert_geq(title, 0, "%s", top_fixture__dump(&frame));
	cr_assert_neq(strstr(line((size_t)title), "Orphaned mappings over 1m30s: 0 to 2"), NULL);
	/*
	 * Four rows, 39 columns a chart, the newest sample on the right. Map counts
	 * from 100 (a quarter high) to 200 (full); orphans from 0 (nothing) to 2.
	 */
	expect_chart_line(title + 1, "   #", "   #");
	expect_chart_line(title + 2, "  .#", "   #");
	expect_chart_line(title + 3, "  ##", " ###");
	expect_chart_line(title + 4, "####", " ###");
}

Test(top_screen, detail_of_a_process_that_exited)
{
	struct mw_snapshot snapshot;

	take_host(T0, 0);
	build(80, 24);
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert_eq(state.detail_pid, 4242);
	top_fixture__snapshot(&snapshot, T0 + 5);
	top_fixture__process(&snapshot, 1, "bash", 40);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	cr_assert_str_eq(line(4), "PID 4242  java  has exited");
	cr_assert_str_eq(line(5), "Last seen 5s ago with 812 maps and 2 orphaned mappings");
	/* its history is still charted */
	cr_assert_geq(top_fixture__find(&frame, "Map count over 0s: 812 to 812"), 0);
	cr_assert_eq(frame.count, 24);
}

Test(top_screen, many_orphans_scroll_and_long_paths_keep_their_end)
{
	struct mw_snapshot snapshot;
	struct mw_process_report *process;
	char path[256];

	top_fixture__snapshot(&snapshot, T0);
	process = top_fixture__process(&snapshot, 9, "kafka", 500);
	for (int i = 0; i < 30; i++) {
		snprintf(path, sizeof(path),
			 "/var/lib/kafka/data/a-very-long-topic-name-for-a-test/%020d.index", i);
		top_fixture__orphan(&snapshot, process, 0x1000 * (uint64_t)(i + 1), 4096, path, 1);
	}
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "PATH (1-9 of 30 orphaned files)"), 0, "%s",
		      top_fixture__dump(&frame));
	cr_assert_geq(
		top_fixture__find(&frame, " ...g-topic-name-for-a-test/00000000000000000000.index"),
		0, "%s", top_fixture__dump(&frame));
	for (int i = 0; i < 25; i++)
		top_keys__handle(&state, 'j');
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "PATH (22-30 of 30 orphaned files)"), 0, "%s",
		      top_fixture__dump(&frame));
	cr_assert_geq(top_fixture__find(&frame, "00000000000000000029.index"), 0);
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_leq(terminal_text__width(line(i), false), 80, "line %zu: %s", i, line(i));
}

Test(top_screen, wide_terminals_give_names_room_small_ones_cut)
{
	struct mw_snapshot snapshot;

	top_fixture__snapshot(&snapshot, T0);
	top_fixture__process(&snapshot, 5, "\x01\x02\x03\x04\x05\x06\x07\x08", 10);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(200, 50);
	cr_assert_geq(top_fixture__find(&frame, "\\001\\002\\003\\004\\005\\006\\007\\010 "), 0);
	cr_assert_eq(frame.count, 50);
	build(80, 24);
	/* 15 columns for COMM at 80 */
	cr_assert_geq(top_fixture__find(&frame, "\\001\\002\\003\\00 "), 0, "%s",
		      top_fixture__dump(&frame));
	build(40, 10);
	cr_assert_eq(frame.count, 10);
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_leq(terminal_text__width(line(i), false), 40, "line %zu: %s", i, line(i));
}

Test(top_screen, batch_frames_list_every_process_without_keys)
{
	struct mw_snapshot snapshot;

	top_fixture__snapshot(&snapshot, T0);
	for (uint32_t pid = 1; pid <= 100; pid++)
		top_fixture__process(&snapshot, pid, "worker", 10);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	top_fixture__build(&model, &state, 80, 0, false, &frame);
	/* header 3, a blank line, headings, 100 rows; no help line, no selection */
	cr_assert_eq(frame.count, 105, "%s", top_fixture__dump(&frame));
	cr_assert_str_eq(line(3), "");
	cr_assert_eq(top_fixture__find(&frame, "q quit"), -1);
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_neq(frame.lines[i].style, TOP_STYLE_SELECTED);
	/* --top caps the list */
	state.row_limit = 10;
	top_fixture__build(&model, &state, 80, 0, false, &frame);
	cr_assert_eq(frame.count, 15);
}

Test(top_screen, utf8_terminals_keep_names_and_draw_blocks)
{
	struct mw_top_screen_layout layout = { 80, 24, true, true };
	struct mw_snapshot snapshot;
	struct mw_process_report *process;

	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
	top_fixture__snapshot(&snapshot, T0);
	/* a C1 control (U+009B, CSI) is as dangerous as ESC; a lone 0xff is no UTF-8 */
	process = top_fixture__process(&snapshot, 8, "caf\xc3\xa9\xc2\x9b", 10);
	top_fixture__orphan(&snapshot, process, 0x1000, 4096, "/data/\xe6\x97\xa5\xff.idx", 3);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	cr_assert_eq(top_screen__build(&model, &state, &layout, &frame), 0);
	cr_assert_geq(top_fixture__find(&frame, " caf\xc3\xa9\\302\\233 "), 0, "%s",
		      top_fixture__dump(&frame));
	top_keys__handle(&state, '\n');
	cr_assert_eq(top_screen__build(&model, &state, &layout, &frame), 0);
	cr_assert_geq(top_fixture__find(&frame, "/data/\xe6\x97\xa5\\377.idx"), 0);
	/* one sample, flat: half-height blocks; one orphan out of a maximum of one: full */
	cr_assert_geq(top_fixture__find(&frame, "\xe2\x96\x88"), 0, "%s",
		      top_fixture__dump(&frame));
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_leq(terminal_text__width(line(i), true), 80, "line %zu: %s", i, line(i));
	setlocale(LC_CTYPE, "C");
}

/* f: every deleted file once, the most disk space first, with the pids that map it. */
Test(top_screen, files_view_lists_each_deleted_file_once)
{
	struct mw_snapshot snapshot;

	top_fixture__snapshot(&snapshot, T0);
	top_fixture__process(&snapshot, 4242, "java", 812);
	top_fixture__file(&snapshot, "/kafka/t-4/461285.index.deleted", 10 * MIB, 10 * MIB, 75,
			  4242, 1);
	top_fixture__file(&snapshot, "/srv/shared/\x1b[2Jlib\n.so", 2 * MIB, 512 * 1024, -1, 100,
			  5);
	/* the first measured, the second not (no mapping listed) */
	snapshot.files[0].cached_bytes_known = true;
	snapshot.files[0].cached_bytes = 3 * MIB;
	snapshot.orphaned_files_cached_bytes = 3 * MIB;
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	top_keys__handle(&state, 'f');
	build(80, 24);
	cr_assert_str_eq(
		line(4),
		"Deleted files still mapped: 2, 10.5 MiB on disk, 12.0 MiB in size, 3.0 MiB RAM");
	cr_assert_eq(strncmp(line(5),
			     "     DISK      SIZE    CACHED  DELETED      PIDS         PATH ", 61),
		     0, "%s", line(5));
	/* the CACHED column leaves 23 columns of path at 80: cut from the start */
	cr_assert_eq(top_fixture__find(&frame,
				       " 10.0 MiB  10.0 MiB   3.0 MiB  1m15s ago    4242    "
				       "     ...461285.index.deleted"),
		     6, "%s", top_fixture__dump(&frame));
	cr_assert_eq(top_fixture__find(&frame,
				       "512.0 KiB   2.0 MiB         -  before start 100,101 "
				       "+3   ...ed/\\033[2Jlib\\012.so"),
		     7, "%s", top_fixture__dump(&frame));
	cr_assert_str_eq(line(23), "Esc back  Up Down scroll  f processes  Space pause  d refresh  "
				   "q quit");
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_leq(terminal_text__width(line(i), false), 80, "line %zu: %s", i, line(i));
	top_keys__handle(&state, 27);
	build(80, 24);
	cr_assert_not(state.by_file);
	cr_assert_geq(row_of(4242), 0);
}

Test(top_screen, files_view_scrolls_and_says_when_there_is_none)
{
	struct mw_snapshot snapshot;
	char path[64];

	top_fixture__snapshot(&snapshot, T0);
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/data/%02d.index", i);
		top_fixture__file(&snapshot, path, 4096, 4096, 1, 10, 1);
	}
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	top_keys__handle(&state, 'f');
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "PATH (1-17 of 40)"), 0, "%s",
		      top_fixture__dump(&frame));
	top_keys__handle(&state, 'G');
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "PATH (24-40 of 40)"), 0, "%s",
		      top_fixture__dump(&frame));
	cr_assert_geq(top_fixture__find(&frame, "/data/39.index"), 0);

	top_fixture__snapshot(&snapshot, T0 + 1);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	cr_assert_geq(top_fixture__find(&frame, "No deleted file is mapped."), 0);
}

/* The detail says what its deleted files hold and which container it runs in. */
/* From 93 columns on the table names each process's container, as docker ps shortens it. */
Test(top_screen, container_column_when_there_is_room)
{
	struct mw_snapshot snapshot;
	struct mw_process_report *process;
	char expected[160];

	top_fixture__snapshot(&snapshot, T0);
	process = top_fixture__process(&snapshot, 4242, "java", 812);
	top_fixture__orphan(&snapshot, process, 0x1000, 10 * MIB, "/kafka/0.index", 5);
	strcpy(process->container.id,
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	top_fixture__process(&snapshot, 1, "systemd", 40);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	cr_assert_null(strstr(line(4), "CONTAINER"), "%s", line(4));
	build(93, 24);
	cr_assert_str_eq(line(4), "    PID COMM              MAPS  MAP% ORPHANS ORPHANED BYTES  "
				  "OLDEST REMAPS STALE CONTAINER   ");
	snprintf(expected, sizeof(expected), "%7s %-15s %6s %5s %7s %14s %7s %6s %5s %s", "4242",
		 "java", "812", "1.2", "1", "10.0 MiB", "5s", "0", "0", "0123456789ab");
	cr_assert_str_eq(line(row_of(4242)), expected);
	cr_assert_not_null(strstr(line(row_of(1)), " -"), "%s", line(row_of(1)));
	/* wider still: the room goes to COMM, the container stays last */
	build(120, 24);
	cr_assert_not_null(strstr(line(row_of(4242)), "0 0123456789ab"), "%s", line(row_of(4242)));
	for (size_t i = 0; i < frame.count; i++)
		cr_assert_leq(terminal_text__width(line(i), false), 120, "line %zu: %s", i,
			      line(i));
}

Test(top_screen, detail_shows_disk_space_and_container)
{
	struct mw_snapshot snapshot;
	struct mw_process_report *process;

	top_fixture__snapshot(&snapshot, T0);
	process = top_fixture__process(&snapshot, 4242, "java", 812);
	top_fixture__orphan(&snapshot, process, 0x1000, 10 * MIB, "/kafka/0.index", 5);
	process->orphaned_files = 1;
	process->orphaned_files_size_bytes = 10 * MIB;
	process->orphaned_files_disk_bytes = 4 * MIB;
	process->orphaned_files_cached_bytes = 2 * MIB;
	process->cause = MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS;
	process->cause_files = 1;
	process->cgroup = strdup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
				 "8d2f6c8e_3b1a_4c2d_9e5f_0a1b2c3d4e5f.slice/cri-containerd-"
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				 ".scope");
	strcpy(process->container.id,
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	strcpy(process->container.pod_uid, "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	build(80, 24);
	top_keys__handle(&state, '\n');
	build(80, 24);
	cr_assert_str_eq(
		line(6),
		"Deleted files 1: 4.0 MiB on disk, 10.0 MiB in size, 2.0 MiB in page cache");
	/* the cause, cut to the width */
	cr_assert_eq(
		strncmp(line(7), "Cause jvm_mapped_buffers (1 files, 0 remaps): MappedByte", 56), 0,
		"%s", line(7));
	cr_assert_leq(terminal_text__width(line(7), false), 80);
	/* the id as docker ps shortens it; the path cut from its start to fit */
	cr_assert_str_eq(line(8),
			 "Container 0123456789ab  Pod 8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
	/* no room left beside them: the cgroup on a line of its own, cut from its start */
	cr_assert_str_eq(line(9), "Cgroup ...0123456789abcdef0123456789abcdef0123456789abcdef"
				  "0123456789abcdef.scope");
	cr_assert_eq(terminal_text__width(line(9), false), 80);
	build(300, 24);
	cr_assert_not_null(strstr(line(8), "Cgroup /kubepods.slice/kubepods-burstable.slice/"),
			   "%s", line(8));
}
