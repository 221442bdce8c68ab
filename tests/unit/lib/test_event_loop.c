// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "event_loop.h"

struct counts {
	int timer;
	int pipe;
	int signal_number;
	int stop_after;
};

static int on_timer(struct mw_event_loop *loop, int fd, void *context)
{
	struct counts *counts = context;

	event_loop__ack_timer(fd);
	if (++counts->timer >= counts->stop_after)
		event_loop__stop(loop);
	return 0;
}

static int on_pipe(struct mw_event_loop *loop, int fd, void *context)
{
	struct counts *counts = context;
	char byte;

	cr_assert_eq(read(fd, &byte, 1), 1);
	counts->pipe++;
	(void)loop;
	return 0;
}

static int on_signal(struct mw_event_loop *loop, int fd, void *context)
{
	struct counts *counts = context;

	counts->signal_number = event_loop__read_signal(fd);
	event_loop__stop(loop);
	return 0;
}

static int failing(struct mw_event_loop *loop, int fd, void *context)
{
	(void)loop;
	(void)fd;
	(void)context;
	return -EIO;
}

Test(event_loop, timer_fires_at_its_interval)
{
	struct mw_event_loop *loop;
	struct counts counts = { .stop_after = 5 };
	struct timespec before, after;
	double elapsed;

	cr_assert_eq(event_loop__new(&loop), 0);
	cr_assert_eq(event_loop__add_timer(loop, 0.02, on_timer, &counts, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &before);
	cr_assert_eq(event_loop__run(loop), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	elapsed = (double)(after.tv_sec - before.tv_sec) + (after.tv_nsec - before.tv_nsec) / 1e9;
	cr_assert_eq(counts.timer, 5);
	cr_assert_geq(elapsed, 0.095, "5 ticks of 20 ms took %f s", elapsed);
	event_loop__destroy(loop);
}

/* What top does when its refresh interval changes: the same timer, a new pace. */
Test(event_loop, a_timer_can_be_set_to_a_new_interval)
{
	struct mw_event_loop *loop;
	struct counts counts = { .stop_after = 3 };
	struct timespec before, after;
	double elapsed;
	int fd = -1;

	cr_assert_eq(event_loop__new(&loop), 0);
	cr_assert_eq(event_loop__add_timer(loop, 60, on_timer, &counts, &fd), 0);
	cr_assert_eq(event_loop__set_timer(fd, 0.02), 0);
	cr_assert_eq(event_loop__set_timer(fd, 0), -EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &before);
	cr_assert_eq(event_loop__run(loop), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	elapsed = (double)(after.tv_sec - before.tv_sec) + (after.tv_nsec - before.tv_nsec) / 1e9;
	cr_assert_eq(counts.timer, 3);
	cr_assert_geq(elapsed, 0.055, "3 ticks of 20 ms took %f s", elapsed);
	cr_assert_lt(elapsed, 30, "the 60 s interval was kept");
	event_loop__destroy(loop);
}

Test(event_loop, fd_and_signal_are_delivered)
{
	struct mw_event_loop *loop;
	struct counts counts = { 0 };
	sigset_t signals;
	int pipe_fds[2];

	cr_assert_eq(pipe(pipe_fds), 0);
	cr_assert_eq(event_loop__new(&loop), 0);
	cr_assert_eq(event_loop__add(loop, pipe_fds[0], on_pipe, &counts), 0);
	sigemptyset(&signals);
	sigaddset(&signals, SIGUSR2);
	cr_assert_eq(event_loop__add_signals(loop, &signals, on_signal, &counts), 0);
	cr_assert_eq(write(pipe_fds[1], "x", 1), 1);
	cr_assert_eq(kill(getpid(), SIGUSR2), 0);
	cr_assert_eq(event_loop__run(loop), 0);
	cr_assert_eq(counts.signal_number, SIGUSR2);
	cr_assert_eq(counts.pipe, 1);
	event_loop__destroy(loop);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

Test(event_loop, callback_error_stops_the_loop)
{
	struct mw_event_loop *loop;
	int pipe_fds[2];

	cr_assert_eq(pipe(pipe_fds), 0);
	cr_assert_eq(event_loop__new(&loop), 0);
	cr_assert_eq(event_loop__add(loop, pipe_fds[0], failing, NULL), 0);
	cr_assert_eq(write(pipe_fds[1], "x", 1), 1);
	cr_assert_eq(event_loop__run(loop), -EIO);
	cr_assert_eq(event_loop__add_timer(loop, 0, on_timer, NULL, NULL), -EINVAL);
	event_loop__destroy(loop);
	event_loop__destroy(NULL);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}
