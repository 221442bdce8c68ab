// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
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

struct one_shot {
	int fired;
	int shot_fd;
};

static int on_shot(struct mw_event_loop *loop, int fd, void *context)
{
	struct one_shot *shot = context;

	(void)loop;
	event_loop__ack_timer(fd);
	shot->fired++;
	return 0;
}

struct shot_test {
	struct counts counts;
	struct one_shot shot;
	bool until_fired; /* a late machine may deliver the last tick first */
};

/* A 20 ms tick: the first arms the one-shot, later ones count; the loop ends at stop_after. */
static int on_tick_arm(struct mw_event_loop *loop, int fd, void *context)
{
	struct shot_test *state = context;

	event_loop__ack_timer(fd);
	if (++state->counts.timer == 1)
		cr_assert_eq(event_loop__arm_once(state->shot.shot_fd, 0.03), 0);
	if (state->counts.timer >= state->counts.stop_after &&
	    (!state->until_fired || state->shot.fired))
		event_loop__stop(loop);
	return 0;
}

/* What the agent's early export does: a timer that fires once per arming, and none disarmed. */
Test(event_loop, a_one_shot_fires_once_per_arming_and_never_disarmed)
{
	struct shot_test state = { .counts = { .stop_after = 10 }, .until_fired = true };
	struct mw_event_loop *loop;
	int fd;

	cr_assert_eq(event_loop__new(&loop), 0);
	cr_assert_eq(event_loop__add_one_shot(loop, on_shot, &state.shot, &state.shot.shot_fd), 0);
	cr_assert_eq(event_loop__add_timer(loop, 0.02, on_tick_arm, &state, &fd), 0);
	cr_assert_eq(event_loop__arm_once(state.shot.shot_fd, 0), -EINVAL);
	cr_assert_eq(event_loop__run(loop), 0);
	cr_assert_eq(state.shot.fired, 1, "armed once, fired %d times", state.shot.fired);

	/* armed, then disarmed before it is due: it stays quiet */
	state.counts.timer = 1;
	state.counts.stop_after = 6;
	state.until_fired = false;
	cr_assert_eq(event_loop__arm_once(state.shot.shot_fd, 0.04), 0);
	event_loop__disarm(state.shot.shot_fd);
	cr_assert_eq(event_loop__run(loop), 0);
	cr_assert_eq(state.shot.fired, 1, "disarmed, yet it fired");
	event_loop__destroy(loop);
}
