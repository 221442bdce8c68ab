// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `mapwatch top`: the collector feeds the model every interval; the frame
 * turns model and view state into lines; curses (or --batch, stdout) shows them.
 */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "collector.h"
#include "commands.h"
#include "event_loop.h"
#include "log_line.h"
#include "orphan_measure.h"
#include "seeded_tracker.h"
#include "terminal_text.h"
#include "top_screen.h"
#include "top_keys.h"
#include "top_history.h"
#include "top_terminal.h"
#include "tracker.h"

#define BATCH_WIDTH_DEFAULT 80
#define BATCH_WIDTH_MIN 40
#define BATCH_WIDTH_MAX 1024

struct top {
	const struct mw_options *options;
	struct mw_collector *collector;
	struct mw_top_history model;
	struct mw_top_choices state;
	struct mw_top_screen frame;
	int timer_fd;
	bool utf8;
	size_t batch_width;
	size_t frames; /* shown so far, for -n */
};

/* A paused view keeps its snapshot, but the tracker keeps up with the kernel. */
static int collect(struct top *top)
{
	struct mw_snapshot snapshot = { 0 };
	int err = collector__refresh(top->collector);

	if (err || top->state.paused)
		return err;
	err = collector__snapshot(top->collector, &snapshot);
	if (!err)
		err = top_history__update(&top->model, &snapshot);
	snapshot__clear(&snapshot);
	return err;
}

static int draw(struct top *top)
{
	struct mw_top_screen_layout layout = { .utf8 = top->utf8, .interactive = true };
	int err;

	top_terminal__size(&layout.width, &layout.height);
	err = top_screen__build(&top->model, &top->state, &layout, &top->frame);
	if (!err)
		top_terminal__draw(&top->frame);
	return err;
}

/* Like top -b: frames one after another, a blank line between, nothing but text. */
static int print_frame(struct top *top)
{
	struct mw_top_screen_layout layout = { .width = top->batch_width, .utf8 = top->utf8 };
	int err = top_screen__build(&top->model, &top->state, &layout, &top->frame);

	if (err)
		return err;
	if (top->frames)
		putchar('\n');
	for (size_t i = 0; i < top->frame.count; i++) {
		const char *text = top->frame.lines[i].text;
		size_t length = strlen(text);

		while (length && text[length - 1] == ' ')
			length--;
		printf("%.*s\n", (int)length, text);
	}
	if (fflush(stdout) || ferror(stdout))
		return errno ? -errno : -EIO;
	return 0;
}

static int show(struct top *top)
{
	int err = top->options->batch ? print_frame(top) : draw(top);

	top->frames++;
	return err;
}

static int on_refresh_timer(struct mw_event_loop *loop, int fd, void *context)
{
	struct top *top = context;
	int err;

	event_loop__ack_timer(fd);
	err = collect(top);
	if (!err)
		err = show(top);
	if (!err && top->options->iterations && top->frames >= top->options->iterations)
		event_loop__stop(loop);
	return err;
}

static int on_key(struct mw_event_loop *loop, int fd, void *context)
{
	struct top *top = context;
	int key, err;

	(void)fd;
	while ((key = top_terminal__key()) != ERR)
		if (key != KEY_RESIZE)
			top_keys__handle(&top->state, key);
	if (top->state.quit) {
		event_loop__stop(loop);
		return 0;
	}
	if (top->state.interval_changed) {
		top->state.interval_changed = false;
		err = event_loop__set_timer(top->timer_fd, top->state.interval_seconds);
		if (err)
			return err;
	}
	return draw(top);
}

static int on_signal(struct mw_event_loop *loop, int fd, void *context)
{
	int signal_number = event_loop__read_signal(fd);
	struct top *top = context;

	if (signal_number == SIGWINCH) {
		top_terminal__resize();
		return draw(top);
	}
	if (signal_number > 0)
		event_loop__stop(loop);
	return 0;
}

static size_t batch_width(void)
{
	const char *columns = getenv("COLUMNS");
	char *end;
	long width;

	if (!columns || !*columns)
		return BATCH_WIDTH_DEFAULT;
	width = strtol(columns, &end, 10);
	if (*end || width < BATCH_WIDTH_MIN || width > BATCH_WIDTH_MAX)
		return BATCH_WIDTH_DEFAULT;
	return (size_t)width;
}

static int run(struct top *top, struct mw_event_loop *loop)
{
	const struct mw_options *options = top->options;
	bool screen = false;
	sigset_t signals;
	int err;

	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGHUP);
	/* blocked before curses starts, so curses installs no handler of its own */
	if (!options->batch)
		sigaddset(&signals, SIGWINCH);
	err = event_loop__add_signals(loop, &signals, on_signal, top);
	if (err)
		return err;
	if (!options->batch) {
		top_terminal__open();
		screen = true;
	}
	err = collector__attach_to_loop(top->collector, loop);
	if (!err && !options->batch)
		err = event_loop__add(loop, STDIN_FILENO, on_key, top);
	if (!err)
		err = event_loop__add_timer(loop, options->interval_seconds, on_refresh_timer, top,
					    &top->timer_fd);
	/* the first frame right away, not one interval later */
	if (!err)
		err = collect(top);
	if (!err)
		err = show(top);
	if (!err && !(options->iterations && top->frames >= options->iterations))
		err = event_loop__run(loop);
	if (screen)
		top_terminal__close();
	return err;
}

/*
 * One frame and no more (-n 1): /proc read as scan reads it. No later frame
 * needs the kernel's records to keep it current, so the BPF programs are not
 * loaded: their load and detach take about a second on any host, most of a
 * one-frame look. Returns 0, or -errno with the reason in @error.
 */
static int look_once(struct top *top, char *error, size_t error_size)
{
	const struct mw_options *options = top->options;
	struct mw_tracker_options tracker_options = {
		.page_size = (uint64_t)sysconf(_SC_PAGESIZE),
		.snapshot_ranges = options->ranges,
	};
	struct mw_seeded_tracker seeded = { 0 };
	struct mw_snapshot snapshot = { 0 };
	int err;

	err = seeded_tracker__create(&seeded, &tracker_options, error, error_size);
	if (!err)
		err = seeded_tracker__seed(&seeded, options, NULL, error, error_size);
	if (err)
		goto out;
	orphan_measure__run(seeded.tracker, clock__monotonic_ns());
	err = tracker__snapshot(seeded.tracker, clock__monotonic_ns(),
				clock__realtime_offset_seconds(), seeded.max_map_count, &snapshot);
	if (!err)
		err = top_history__update(&top->model, &snapshot);
	if (err)
		snprintf(error, error_size, "out of memory");
out:
	snapshot__clear(&snapshot);
	seeded_tracker__destroy(&seeded);
	return err;
}

int command__top(const struct mw_options *options)
{
	struct top top = { .options = options, .timer_fd = -1 };
	struct mw_event_loop *loop = NULL;
	char error[512];
	int err;

	if (!options->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		log_line__print("top needs a terminal; use 'mapwatch top --batch' for "
				"plain-text frames");
		return MW_EXIT_FAILURE;
	}
	top.utf8 = terminal_text__use_locale();
	top.batch_width = batch_width();
	top_choices__init(&top.state, options->interval_seconds, options->top);
	top_history__init(&top.model);
	if (options->iterations == 1) {
		err = look_once(&top, error, sizeof(error));
		if (err) {
			log_line__print("%s", error);
		} else {
			if (!options->batch)
				top_terminal__open();
			err = show(&top);
			if (!options->batch)
				top_terminal__close();
			if (err)
				log_line__print("top stopped: %s", strerror(-err));
		}
		top_screen__clear(&top.frame);
		top_history__clear(&top.model);
		return err ? MW_EXIT_FAILURE : MW_EXIT_OK;
	}
	err = collector__open(&top.collector, options, error, sizeof(error));
	if (err) {
		log_line__print("%s", error);
		return MW_EXIT_FAILURE;
	}
	err = event_loop__new(&loop);
	if (!err)
		err = run(&top, loop);
	if (err)
		log_line__print("top stopped: %s", strerror(-err));
	top_screen__clear(&top.frame);
	top_history__clear(&top.model);
	event_loop__destroy(loop);
	collector__destroy(top.collector);
	return err ? MW_EXIT_FAILURE : MW_EXIT_OK;
}
