// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "terminal_text.h"
#include "leak_cause.h"
#include "text_report.h"
#include "top_chart.h"
#include "top_format.h"
#include "top_screen.h"
#include "top_line.h"
#include "top_rows.h"

#define CHART_ROWS 4
#define COMM_EXTRA_MAX 45 /* a wide terminal gives escaped names room, up to this */
#define CGROUP_ROOM_MIN 40 /* "Cgroup " and the end of a cgroup path, on the container's line */

struct column {
	const char *heading;
	size_t width;
	enum top_align align;
	enum top_sort sort;
};

/* 80 columns with one space between cells. */
static const struct column columns[] = {
	{ "PID", 7, TOP_ALIGN_RIGHT, TOP_SORT_PID },
	{ "COMM", 15, TOP_ALIGN_LEFT, TOP_SORT_COMM },
	{ "MAPS", 6, TOP_ALIGN_RIGHT, TOP_SORT_MAP_COUNT },
	{ "MAP%", 5, TOP_ALIGN_RIGHT, TOP_SORT_MAP_COUNT },
	{ "ORPHANS", 7, TOP_ALIGN_RIGHT, TOP_SORT_ORPHANS },
	{ "ORPHANED BYTES", 14, TOP_ALIGN_RIGHT, TOP_SORT_ORPHANED_BYTES },
	{ "OLDEST", 7, TOP_ALIGN_RIGHT, TOP_SORT_OLDEST },
	{ "REMAPS", 6, TOP_ALIGN_RIGHT, TOP_SORT_RESIZE_REMAPS },
	{ "STALE", 5, TOP_ALIGN_RIGHT, TOP_SORT_STALE },
};

#define COLUMN_COUNT (sizeof(columns) / sizeof(columns[0]))
#define COMM_COLUMN 1
#define TABLE_WIDTH 80
/* A container id as docker ps shortens it, shown from this many columns on. */
#define CONTAINER_ID_WIDTH 12
#define CONTAINER_TABLE_WIDTH (TABLE_WIDTH + 1 + CONTAINER_ID_WIDTH)

static const char list_help[] =
	"q quit  s<> sort  R rev  / filter  Enter files  f all files  p pause  d refresh";
static const char detail_help[] = "Esc back  Up Down scroll  Space pause  d refresh  q quit";
static const char files_help[] =
	"Esc back  Up Down scroll  f processes  Space pause  d refresh  q quit";
/* pids on a line of the files view before "+N" */
#define FILE_PIDS_SHOWN 2

struct build {
	const struct mw_top_history *model;
	const struct mw_snapshot *snapshot;
	struct mw_top_choices *state;
	const struct mw_top_screen_layout *layout;
	struct mw_top_screen *frame;
	size_t comm_width;
	bool container_column; /* wide enough for CONTAINER after STALE */
};

static void add_line(struct build *build, struct mw_top_line_builder *line, enum top_style style,
		     size_t mark_start, size_t mark_length)
{
	struct mw_top_screen *frame = build->frame;
	char *text = top_line__finish(line);

	if (!text || frame->failed) {
		free(text);
		frame->failed = true;
		return;
	}
	if (frame->count == frame->capacity) {
		size_t capacity = frame->capacity ? 2 * frame->capacity : 32;
		struct mw_top_screen_line *grown =
			realloc(frame->lines, capacity * sizeof(*frame->lines));

		if (!grown) {
			free(text);
			frame->failed = true;
			return;
		}
		frame->lines = grown;
		frame->capacity = capacity;
	}
	frame->lines[frame->count++] =
		(struct mw_top_screen_line){ text, style, mark_start, mark_length };
}

static void start_line(const struct build *build, struct mw_top_line_builder *line)
{
	top_line__start(line, build->layout->width, build->layout->utf8);
}

static void add_text(struct build *build, enum top_style style, const char *text)
{
	struct mw_top_line_builder line;

	start_line(build, &line);
	top_line__append(&line, text);
	add_line(build, &line, style, 0, 0);
}

/* A name from the kernel, escaped for this terminal; "" when out of memory (noted). */
static char *safe_name(struct build *build, const char *bytes, size_t max_length)
{
	char *text = terminal_text__escape(bytes, max_length, build->layout->utf8);

	if (!text)
		build->frame->failed = true;
	return text;
}

static void add_header(struct build *build)
{
	const struct mw_snapshot *snapshot = build->snapshot;
	const struct mw_top_choices *state = build->state;
	struct mw_top_line_builder line;
	char when[32] = "--:--:--", bytes[32];
	time_t seconds = (time_t)snapshot->timestamp;
	struct tm local;

	if (build->model->updates && localtime_r(&seconds, &local))
		strftime(when, sizeof(when), "%H:%M:%S", &local);
	start_line(build, &line);
	top_line__append_format(&line, "mapwatch top - %s  refresh every %gs  sort: %s%s%s", when,
				state->interval_seconds, top_choices__sort_name(state->sort),
				state->reverse ? ", reversed" : "",
				state->paused ? "  PAUSED" : "");
	add_line(build, &line, TOP_STYLE_TITLE, 0, 0);

	text_report__format_bytes(snapshot->orphaned_bytes, bytes, sizeof(bytes));
	start_line(build, &line);
	top_line__append_format(&line,
				"Orphaned: %" PRIu64 " mappings, %s   Processes watched: %zu",
				snapshot->orphaned_mappings, bytes, snapshot->process_count);
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);

	start_line(build, &line);
	if (build->model->has_event_rate)
		top_line__append_format(&line, "Events: %.1f/s", build->model->events_per_second);
	else
		top_line__append(&line, "Events: -/s");
	top_line__append_format(&line, "   Lost events: %" PRIu64 "   vm.max_map_count: %" PRIu64,
				snapshot->events_lost, snapshot->max_map_count);
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
}

static void add_status(struct build *build, size_t listed)
{
	const struct mw_top_choices *state = build->state;
	struct mw_top_line_builder line;

	start_line(build, &line);
	if (build->layout->interactive && state->prompt == TOP_PROMPT_FILTER) {
		top_line__append_format(&line, "Filter by name (Enter applies, Esc cancels): %s_",
					state->input);
		add_line(build, &line, TOP_STYLE_PROMPT, 0, 0);
		return;
	}
	if (build->layout->interactive && state->prompt == TOP_PROMPT_INTERVAL) {
		top_line__append_format(
			&line, "Refresh interval in seconds (Enter applies, Esc cancels): %s_",
			state->input);
		add_line(build, &line, TOP_STYLE_PROMPT, 0, 0);
		return;
	}
	if (build->layout->interactive && state->message[0]) {
		top_line__append(&line, state->message);
		add_line(build, &line, TOP_STYLE_PROMPT, 0, 0);
		return;
	}
	if (state->filter[0])
		top_line__append_format(
			&line, "Filter: '%s', %zu of %zu processes%s", state->filter, listed,
			build->snapshot->process_count,
			build->layout->interactive ? " (/ changes it, Esc clears it)" : "");
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
}

static size_t column_width(const struct build *build, size_t column)
{
	return column == COMM_COLUMN ? build->comm_width : columns[column].width;
}

static void add_column_headings(struct build *build)
{
	struct mw_top_line_builder line;
	size_t mark_start = 0, mark_length = 0;
	bool marked = false;

	start_line(build, &line);
	for (size_t i = 0; i < COLUMN_COUNT; i++) {
		if (i)
			top_line__append(&line, " ");
		if (!marked && columns[i].sort == build->state->sort) {
			size_t width = column_width(build, i), heading = strlen(columns[i].heading);

			/* headings are ASCII: columns are bytes */
			mark_start = line.length +
				     (columns[i].align == TOP_ALIGN_RIGHT && width > heading
					      ? width - heading
					      : 0);
			mark_length = heading;
			marked = true;
		}
		top_line__append_cell(&line, columns[i].heading, column_width(build, i),
				      columns[i].align);
	}
	if (build->container_column) {
		top_line__append(&line, " ");
		top_line__append_cell(&line, "CONTAINER", CONTAINER_ID_WIDTH, TOP_ALIGN_LEFT);
	}
	top_line__pad(&line);
	if (mark_start + mark_length > line.length)
		mark_length = 0;
	add_line(build, &line, TOP_STYLE_COLUMNS, mark_start, mark_length);
}

/* OLDEST: "-" without orphans; ">" and mapwatch's own age when a deletion came before it. */
static void format_oldest(const struct build *build, const struct mw_process_report *process,
			  char *out, size_t size)
{
	char age[32];

	if (!process->orphaned_mappings) {
		snprintf(out, size, "-");
	} else if (top_rows__has_orphan_of_unknown_age(process)) {
		top_format__age(build->snapshot->timestamp - build->model->first_timestamp, age,
				sizeof(age));
		snprintf(out, size, ">%s", age);
	} else {
		top_format__age(process->oldest_orphan_age_seconds, age, sizeof(age));
		snprintf(out, size, "%s", age);
	}
}

static void add_process_row(struct build *build, const struct mw_process_report *process,
			    bool selected)
{
	char cells[COLUMN_COUNT][48];
	struct mw_top_line_builder line;
	char *comm = safe_name(build, process->comm, sizeof(process->comm));

	if (!comm)
		return;
	snprintf(cells[0], sizeof(cells[0]), "%" PRIu32, process->pid);
	top_format__count(process->map_count, columns[2].width, cells[2], sizeof(cells[2]));
	if (build->snapshot->max_map_count)
		snprintf(cells[3], sizeof(cells[3]), "%.1f",
			 100.0 * (double)process->map_count /
				 (double)build->snapshot->max_map_count);
	else
		snprintf(cells[3], sizeof(cells[3]), "-");
	top_format__count(process->orphaned_mappings, columns[4].width, cells[4], sizeof(cells[4]));
	text_report__format_bytes(process->orphaned_bytes, cells[5], sizeof(cells[5]));
	format_oldest(build, process, cells[6], sizeof(cells[6]));
	top_format__count(process->resize_remaps, columns[7].width, cells[7], sizeof(cells[7]));
	top_format__count(process->stale_mappings, columns[8].width, cells[8], sizeof(cells[8]));

	start_line(build, &line);
	for (size_t i = 0; i < COLUMN_COUNT; i++) {
		if (i)
			top_line__append(&line, " ");
		top_line__append_cell(&line, i == COMM_COLUMN ? comm : cells[i],
				      column_width(build, i), columns[i].align);
	}
	if (build->container_column) {
		char container[CONTAINER_ID_WIDTH + 1];

		/* ids are hex, checked when parsed: nothing to escape */
		snprintf(container, sizeof(container), "%.*s", CONTAINER_ID_WIDTH,
			 process->container.id[0] ? process->container.id : "-");
		top_line__append(&line, " ");
		top_line__append_cell(&line, container, CONTAINER_ID_WIDTH, TOP_ALIGN_LEFT);
	}
	free(comm);
	if (selected)
		top_line__pad(&line);
	add_line(build, &line, selected ? TOP_STYLE_SELECTED : TOP_STYLE_PLAIN, 0, 0);
}

/* Room for table rows: the whole height less header, headings and the help line. */
static size_t room_for_rows(const struct build *build, size_t used)
{
	size_t height = build->layout->height, reserved = used + 1;

	if (!height)
		return SIZE_MAX;
	return height > reserved ? height - reserved : 0;
}

/* The selection on a listed row, on its process while that process is listed. */
static void settle_selection(struct mw_top_choices *state, const struct mw_snapshot *snapshot,
			     const size_t *rows, size_t count)
{
	if (!count) {
		state->selected_row = 0;
		state->selected_pid = 0;
		return;
	}
	if (state->follow_pid && state->selected_pid)
		for (size_t i = 0; i < count; i++)
			if (snapshot->processes[rows[i]].pid == state->selected_pid)
				state->selected_row = i;
	if (state->selected_row >= count)
		state->selected_row = count - 1;
	state->selected_pid = snapshot->processes[rows[state->selected_row]].pid;
	state->follow_pid = true;
}

static void add_list(struct build *build, const size_t *rows, size_t count)
{
	struct mw_top_choices *state = build->state;
	size_t visible = room_for_rows(build, build->frame->count + 1);

	add_column_headings(build);
	settle_selection(state, build->snapshot, rows, count);
	if (visible == SIZE_MAX)
		visible = count;
	state->page_rows = visible;
	if (state->selected_row < state->first_row)
		state->first_row = state->selected_row;
	if (visible && state->selected_row >= state->first_row + visible)
		state->first_row = state->selected_row - visible + 1;
	/* after a resize or a shorter list, no empty screen below the last row */
	if (state->first_row + visible > count)
		state->first_row = count > visible ? count - visible : 0;
	if (!count && visible) {
		add_text(build, TOP_STYLE_PLAIN,
			 state->filter[0] ? "  No process matches the filter."
					  : "  No process watched yet.");
		return;
	}
	for (size_t i = state->first_row; i < count && i - state->first_row < visible; i++)
		add_process_row(build, &build->snapshot->processes[rows[i]],
				build->layout->interactive && i == state->selected_row);
}

static void format_percent(const struct mw_snapshot *snapshot, uint64_t map_count, char *out,
			   size_t size)
{
	if (snapshot->max_map_count)
		snprintf(out, size, "%.1f%%",
			 100.0 * (double)map_count / (double)snapshot->max_map_count);
	else
		snprintf(out, size, "-");
}

/*
 * What its deleted files hold on disk, and where it runs: its container
 * (shortened as docker ps does), pod and cgroup, the path cut from the start.
 */
static void add_detail_place(struct build *build, const struct mw_process_report *process)
{
	struct mw_top_line_builder line;
	char disk[32], size[32], cached[32], *cgroup;

	if (process->orphaned_files) {
		text_report__format_bytes(process->orphaned_files_disk_bytes, disk, sizeof(disk));
		text_report__format_bytes(process->orphaned_files_size_bytes, size, sizeof(size));
		text_report__format_bytes(process->orphaned_files_cached_bytes, cached,
					  sizeof(cached));
		start_line(build, &line);
		top_line__append_format(&line,
					"Deleted files %" PRIu64
					": %s on disk, %s in size, %s in page cache",
					process->orphaned_files, disk, size, cached);
		add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
	}
	if (process->cause != MW_LEAK_CAUSE_NONE) {
		start_line(build, &line);
		top_line__append_format(
			&line, "Cause %s (%" PRIu64 " files, %" PRIu64 " remaps): %s",
			leak_cause__name(process->cause), process->cause_files,
			process->resize_remaps, leak_cause__summary(process->cause));
		add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
	}
	if (!process->cgroup || (!strcmp(process->cgroup, "/") && !process->container.pod_uid[0]))
		return;
	cgroup = safe_name(build, process->cgroup, SIZE_MAX);
	if (!cgroup)
		return;
	start_line(build, &line);
	if (process->container.id[0])
		top_line__append_format(&line, "Container %.12s", process->container.id);
	if (process->container.pod_uid[0])
		top_line__append_format(&line, "%sPod %s", line.columns ? "  " : "",
					process->container.pod_uid);
	/* too little room left to tell one cgroup from another: a line of its own */
	if (line.columns && line.columns + 2 + CGROUP_ROOM_MIN > line.width) {
		add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
		start_line(build, &line);
	}
	top_line__append(&line, line.columns ? "  Cgroup " : "Cgroup ");
	top_line__append_cell(&line, cgroup,
			      line.width > line.columns ? line.width - line.columns : 0,
			      TOP_ALIGN_LEFT_KEEP_END);
	free(cgroup);
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
}

static void add_detail_title(struct build *build, const struct mw_process_report *process,
			     const struct mw_top_process_history *history)
{
	struct mw_top_line_builder line;
	char bytes[32], percent[16], when[32];
	const char *comm_bytes = process ? process->comm : history ? history->comm : "";
	char *comm = safe_name(build, comm_bytes, MW_COMM_LEN);

	if (!comm)
		return;
	start_line(build, &line);
	if (process) {
		text_report__format_bytes(process->orphaned_bytes, bytes, sizeof(bytes));
		top_line__append_format(&line,
					"PID %" PRIu32 "  %s  orphans %" PRIu64
					" (%s)  remaps %" PRIu64 "  stale %" PRIu64,
					process->pid, comm, process->orphaned_mappings, bytes,
					process->resize_remaps, process->stale_mappings);
	} else {
		top_line__append_format(&line, "PID %" PRIu32 "  %s  has exited",
					build->state->detail_pid, comm);
	}
	free(comm);
	add_line(build, &line, TOP_STYLE_TITLE, 0, 0);

	start_line(build, &line);
	if (process) {
		format_percent(build->snapshot, process->map_count, percent, sizeof(percent));
		top_line__append_format(&line, "Maps %" PRIu64 " (%s of vm.max_map_count), ",
					process->map_count, percent);
		if (process->map_count_growing) {
			top_format__age(process->seconds_to_map_limit, when, sizeof(when));
			top_line__append_format(&line, "growing: the limit in about %s", when);
		} else {
			top_line__append(&line, "not growing");
		}
	} else if (history && history->length) {
		const struct mw_top_sample *last =
			top_process_history__sample(history, history->length - 1);

		top_format__age(build->snapshot->timestamp - last->timestamp, when, sizeof(when));
		top_line__append_format(&line,
					"Last seen %s ago with %" PRIu64 " maps and %" PRIu64
					" orphaned mappings",
					when, last->map_count, last->orphaned_mappings);
	}
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
	if (process)
		add_detail_place(build, process);
}

/* Left and right halves of one line: the two charts side by side. */
static void add_halves(struct build *build, const char *left, const char *right, size_t half)
{
	struct mw_top_line_builder line;

	start_line(build, &line);
	top_line__append_cell(&line, left, half, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, right, half, TOP_ALIGN_LEFT);
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
}

/* Both charts' values, oldest first, and their ranges. */
struct chart_values {
	double *maps;
	double *orphans;
	size_t count;
	double map_low, map_high, orphan_high;
	double span; /* seconds from the first value to the last */
};

/* The newest of @history, as many as @width columns show. Returns 0 or -ENOMEM. */
static int read_chart_values(const struct mw_top_process_history *history, size_t width,
			     struct chart_values *values)
{
	size_t length = history ? history->length : 0, first = length > width ? length - width : 0;

	values->count = length - first;
	values->maps = calloc(length ? length : 1, sizeof(*values->maps));
	values->orphans = calloc(length ? length : 1, sizeof(*values->orphans));
	if (!values->maps || !values->orphans)
		return -ENOMEM;
	for (size_t i = 0; i < values->count; i++) {
		const struct mw_top_sample *sample =
			top_process_history__sample(history, first + i);
		double maps = (double)sample->map_count,
		       orphans = (double)sample->orphaned_mappings;

		values->maps[i] = maps;
		values->orphans[i] = orphans;
		if (!i || maps < values->map_low)
			values->map_low = maps;
		if (!i || maps > values->map_high)
			values->map_high = maps;
		if (orphans > values->orphan_high)
			values->orphan_high = orphans;
	}
	if (values->count)
		values->span = top_process_history__sample(history, length - 1)->timestamp -
			       top_process_history__sample(history, first)->timestamp;
	return 0;
}

static void free_chart_lines(char **lines)
{
	for (size_t i = 0; i < CHART_ROWS; i++)
		free(lines[i]);
}

static void add_charts(struct build *build, const struct mw_top_process_history *history)
{
	size_t half = build->layout->width > 1 ? (build->layout->width - 1) / 2 : 1;
	char *map_lines[CHART_ROWS] = { 0 }, *orphan_lines[CHART_ROWS] = { 0 };
	struct chart_values values = { 0 };
	char left[96], right[96], age[32];
	double map_low, map_high;
	int err;

	err = read_chart_values(history, half, &values);
	if (err)
		goto cleanup;
	top_format__age(values.span, age, sizeof(age));
	snprintf(left, sizeof(left), "Map count over %s: %.0f to %.0f", age, values.map_low,
		 values.map_high);
	snprintf(right, sizeof(right), "Orphaned mappings over %s: 0 to %.0f", age,
		 values.orphan_high);
	add_halves(build, left, right, half);

	/*
	 * Map counts move little against their size: the chart spans their own
	 * range, the lowest a quarter high; a flat one is half high. Orphans start at 0.
	 */
	map_low = values.map_low;
	map_high = values.map_high;
	if (map_high > map_low) {
		map_low -= (map_high - map_low) / 3;
	} else {
		map_low -= 1;
		map_high += 1;
	}
	err = top_chart__draw(values.maps, values.count, map_low, map_high, CHART_ROWS, half,
			      build->layout->utf8, map_lines);
	if (!err)
		err = top_chart__draw(values.orphans, values.count, 0,
				      values.orphan_high > 0 ? values.orphan_high : 1, CHART_ROWS,
				      half, build->layout->utf8, orphan_lines);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < CHART_ROWS; i++)
		add_halves(build, map_lines[i], orphan_lines[i], half);

cleanup:
	if (err)
		build->frame->failed = true;
	free_chart_lines(map_lines);
	free_chart_lines(orphan_lines);
	free(values.maps);
	free(values.orphans);
}

static void add_orphan_row(struct build *build, const struct mw_orphan *orphan, size_t path_width)
{
	struct mw_top_line_builder line;
	char size[32], age[32], deleted[48];
	char *path = safe_name(build, orphan->path ? orphan->path : "", SIZE_MAX);

	if (!path)
		return;
	text_report__format_bytes(orphan->bytes, size, sizeof(size));
	if (orphan->deleted_age_known) {
		top_format__age(orphan->deleted_seconds_ago, age, sizeof(age));
		snprintf(deleted, sizeof(deleted), "%s ago", age);
	} else {
		snprintf(deleted, sizeof(deleted), "before start");
	}
	start_line(build, &line);
	top_line__append_cell(&line, size, 10, TOP_ALIGN_RIGHT);
	top_line__append(&line, "  ");
	top_line__append_cell(&line, deleted, 13, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, path, path_width, TOP_ALIGN_LEFT_KEEP_END);
	free(path);
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
}

static void add_orphans(struct build *build, const struct mw_process_report *process)
{
	struct mw_top_choices *state = build->state;
	size_t width = build->layout->width, path_width = width > 27 ? width - 27 : 0;
	size_t visible, count = process->orphan_count;
	struct mw_top_line_builder line;
	char heading[64];

	add_text(build, TOP_STYLE_PLAIN, "");
	visible = room_for_rows(build, build->frame->count + 1);
	if (visible == SIZE_MAX)
		visible = count;
	if (state->detail_first_orphan + visible > count)
		state->detail_first_orphan = count > visible ? count - visible : 0;
	if (count > visible && visible)
		snprintf(heading, sizeof(heading), "PATH (%zu-%zu of %zu orphaned files)",
			 state->detail_first_orphan + 1, state->detail_first_orphan + visible,
			 count);
	else
		snprintf(heading, sizeof(heading), "PATH");
	start_line(build, &line);
	top_line__append_cell(&line, "SIZE", 10, TOP_ALIGN_RIGHT);
	top_line__append(&line, "  ");
	top_line__append_cell(&line, "DELETED", 13, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append(&line, heading);
	top_line__pad(&line);
	add_line(build, &line, TOP_STYLE_COLUMNS, 0, 0);
	if (!count) {
		add_text(build, TOP_STYLE_PLAIN, "  No orphaned files.");
		return;
	}
	for (size_t i = state->detail_first_orphan;
	     i < count && i - state->detail_first_orphan < visible; i++)
		add_orphan_row(build, &process->orphans[i], path_width);
}

static void add_detail(struct build *build)
{
	uint32_t pid = build->state->detail_pid;
	const struct mw_process_report *process = top_history__process(build->model, pid);
	const struct mw_top_process_history *history = top_history__history(build->model, pid);

	add_detail_title(build, process, history);
	add_text(build, TOP_STYLE_PLAIN, "");
	add_charts(build, history);
	if (process)
		add_orphans(build, process);
}

static void add_file_row(struct build *build, const struct mw_orphaned_file *file,
			 size_t path_width)
{
	struct mw_top_line_builder line;
	char disk[32], size[32], cached[32], age[32], deleted[48], pids[48];
	char *path = safe_name(build, file->path ? file->path : "", SIZE_MAX);

	if (!path)
		return;
	text_report__format_bytes_known(file->disk_bytes_known, file->disk_bytes, disk,
					sizeof(disk));
	text_report__format_bytes_known(file->size_known, file->size, size, sizeof(size));
	text_report__format_bytes_known(file->cached_bytes_known, file->cached_bytes, cached,
					sizeof(cached));
	if (file->deleted_age_known) {
		top_format__age(file->deleted_seconds_ago, age, sizeof(age));
		snprintf(deleted, sizeof(deleted), "%s ago", age);
	} else {
		snprintf(deleted, sizeof(deleted), "before start");
	}
	text_report__format_pids(file, FILE_PIDS_SHOWN, pids, sizeof(pids));
	start_line(build, &line);
	top_line__append_cell(&line, disk, 9, TOP_ALIGN_RIGHT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, size, 9, TOP_ALIGN_RIGHT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, cached, 9, TOP_ALIGN_RIGHT);
	top_line__append(&line, "  ");
	top_line__append_cell(&line, deleted, 12, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, pids, 12, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, path, path_width, TOP_ALIGN_LEFT_KEEP_END);
	free(path);
	add_line(build, &line, TOP_STYLE_PLAIN, 0, 0);
}

/* Every orphaned file once, most disk space first, with the processes that map it. */
static void add_files(struct build *build)
{
	const struct mw_snapshot *snapshot = build->snapshot;
	struct mw_top_choices *state = build->state;
	size_t width = build->layout->width, path_width = width > 57 ? width - 57 : 0;
	size_t visible, count = snapshot->file_count;
	struct mw_top_line_builder line;
	char disk[32], size[32], cached[32], heading[64];

	text_report__format_bytes(snapshot->orphaned_files_disk_bytes, disk, sizeof(disk));
	text_report__format_bytes(snapshot->orphaned_files_size_bytes, size, sizeof(size));
	text_report__format_bytes(snapshot->orphaned_files_cached_bytes, cached, sizeof(cached));
	start_line(build, &line);
	top_line__append_format(&line,
				"Deleted files still mapped: %zu, %s on disk, %s in size, %s RAM",
				count, disk, size, cached);
	add_line(build, &line, TOP_STYLE_TITLE, 0, 0);
	visible = room_for_rows(build, build->frame->count + 1);
	if (visible == SIZE_MAX)
		visible = count;
	state->page_rows = visible;
	/* End puts SIZE_MAX here: no sum that could wrap */
	if (state->by_file_first > (count > visible ? count - visible : 0))
		state->by_file_first = count > visible ? count - visible : 0;
	if (count > visible && visible)
		snprintf(heading, sizeof(heading), "PATH (%zu-%zu of %zu)",
			 state->by_file_first + 1, state->by_file_first + visible, count);
	else
		snprintf(heading, sizeof(heading), "PATH");
	start_line(build, &line);
	top_line__append_cell(&line, "DISK", 9, TOP_ALIGN_RIGHT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, "SIZE", 9, TOP_ALIGN_RIGHT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, "CACHED", 9, TOP_ALIGN_RIGHT);
	top_line__append(&line, "  ");
	top_line__append_cell(&line, "DELETED", 12, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append_cell(&line, "PIDS", 12, TOP_ALIGN_LEFT);
	top_line__append(&line, " ");
	top_line__append(&line, heading);
	top_line__pad(&line);
	add_line(build, &line, TOP_STYLE_COLUMNS, 0, 0);
	if (!count) {
		add_text(build, TOP_STYLE_PLAIN, "  No deleted file is mapped.");
		return;
	}
	for (size_t i = state->by_file_first; i < count && i - state->by_file_first < visible; i++)
		add_file_row(build, &snapshot->files[i], path_width);
}

/* Lines past the height go; the help line stays at the bottom. */
static void fit_to_height(struct build *build, const char *help)
{
	struct mw_top_screen *frame = build->frame;
	size_t height = build->layout->height;
	size_t limit = help && height > 1 ? height - 1 : height;

	if (!height)
		return;
	while (frame->count > limit)
		free(frame->lines[--frame->count].text);
	if (!help || height < 2)
		return;
	while (frame->count < height - 1)
		add_text(build, TOP_STYLE_PLAIN, "");
	add_text(build, TOP_STYLE_PLAIN, help);
}

int top_screen__build(const struct mw_top_history *model, struct mw_top_choices *state,
		      const struct mw_top_screen_layout *layout, struct mw_top_screen *frame)
{
	struct build build = { model, &model->snapshot, state, layout, frame, 0, false };
	size_t *rows = NULL, count = 0, table_width;
	int err;

	top_screen__clear(frame);
	build.comm_width = columns[COMM_COLUMN].width;
	build.container_column = layout->width >= CONTAINER_TABLE_WIDTH;
	table_width = build.container_column ? CONTAINER_TABLE_WIDTH : TABLE_WIDTH;
	if (layout->width > table_width) {
		size_t extra = layout->width - table_width;

		build.comm_width += extra < COMM_EXTRA_MAX ? extra : COMM_EXTRA_MAX;
	}
	err = top_rows__select(&model->snapshot, state, &rows, &count);
	if (err)
		return err;
	/* Enter opened "the selected process": settle which one that is first */
	if (state->detail && !state->detail_pid) {
		settle_selection(state, &model->snapshot, rows, count);
		state->detail_pid = state->selected_pid;
		state->detail = state->detail_pid != 0;
	}
	add_header(&build);
	add_status(&build, count);
	if (state->by_file)
		add_files(&build);
	else if (state->detail)
		add_detail(&build);
	else
		add_list(&build, rows, count);
	free(rows);
	fit_to_height(&build, !layout->interactive ? NULL
			      : state->by_file	   ? files_help
			      : state->detail	   ? detail_help
						   : list_help);
	if (frame->failed) {
		top_screen__clear(frame);
		return -ENOMEM;
	}
	return 0;
}

void top_screen__clear(struct mw_top_screen *frame)
{
	for (size_t i = 0; i < frame->count; i++)
		free(frame->lines[i].text);
	free(frame->lines);
	memset(frame, 0, sizeof(*frame));
}
