// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "collector.h"
#include "commands.h"
#include "event_loop.h"
#include "top_view.h"

struct top {
	struct mw_collector *collector;
	struct mw_snapshot snapshot;
	struct mw_top_state state;
};

static int collect_and_draw(struct top *top)
{
	int err = collector__refresh(top->collector);

	if (err)
		return err;
	snapshot__clear(&top->snapshot);
	err = collector__snapshot(top->collector, &top->snapshot);
	if (err)
		return err;
	top_view__draw(&top->snapshot, &top->state);
	return 0;
}

static int on_refresh_timer(struct mw_event_loop *loop, int fd, void *context)
{
	(void)loop;
	event_loop__ack_timer(fd);
	return collect_and_draw(context);
}

static int on_key(struct mw_event_loop *loop, int fd, void *context)
{
	struct top *top = context;
	int key;

	(void)fd;
	while ((key = getch()) != ERR) {
		switch (key) {
		case 'q':
		case 'Q':
			event_loop__stop(loop);
			return 0;
		case 's':
			top->state.sort = (top->state.sort + 1) % MW_TOP_SORT_COUNT;
			break;
		case KEY_UP:
		case 'k':
			if (top->state.selected)
				top->state.selected--;
			break;
		case KEY_DOWN:
		case 'j':
			top->state.selected++;
			break;
		case '\n':
		case KEY_ENTER:
		case KEY_RIGHT:
			top->state.detail = true;
			break;
		case 27: /* Esc */
		case KEY_BACKSPACE:
		case KEY_LEFT:
			top->state.detail = false;
			break;
		default:
			break;
		}
	}
	top_view__draw(&top->snapshot, &top->state);
	return 0;
}

static int on_signal(struct mw_event_loop *loop, int fd, void *context)
{
	int signal_number = event_loop__read_signal(fd);
	struct top *top = context;

	if (signal_number == SIGWINCH) {
		endwin();
		refresh();
		top_view__draw(&top->snapshot, &top->state);
		return 0;
	}
	if (signal_number > 0)
		event_loop__stop(loop);
	return 0;
}

int command__top(const struct mw_options *options)
{
	struct top top = { .state = { .row_limit = options->top } };
	struct mw_event_loop *loop = NULL;
	bool screen = false;
	sigset_t signals;
	char error[512];
	int err;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mapwatch: top needs a terminal; use 'mapwatch scan' or 'mapwatch agent' otherwise\n");
		return MW_EXIT_FAILURE;
	}
	err = collector__open(&top.collector, options, error, sizeof(error));
	if (err) {
		fprintf(stderr, "mapwatch: %s\n", error);
		return MW_EXIT_FAILURE;
	}
	err = event_loop__new(&loop);
	if (err)
		goto cleanup;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGWINCH);
	err = event_loop__add_signals(loop, &signals, on_signal, &top);
	if (err)
		goto cleanup;

	initscr();
	screen = true;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);

	err = collector__attach_to_loop(top.collector, loop);
	if (!err)
		err = event_loop__add(loop, STDIN_FILENO, on_key, &top);
	if (!err)
		err = event_loop__add_timer(loop, options->interval_seconds, on_refresh_timer, &top,
					    NULL);
	if (!err)
		err = collect_and_draw(&top);
	if (!err)
		err = event_loop__run(loop);

cleanup:
	if (screen)
		endwin();
	if (err)
		fprintf(stderr, "mapwatch: top stopped: %s\n", strerror(-err));
	snapshot__clear(&top.snapshot);
	event_loop__destroy(loop);
	collector__destroy(top.collector);
	return err ? MW_EXIT_FAILURE : MW_EXIT_OK;
}
