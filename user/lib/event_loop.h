/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small epoll loop: file descriptors with a callback each. Signals and
 * timers come in as fds too (signalfd, timerfd), so the daemon never sleeps
 * and never runs work inside a signal handler.
 */
#ifndef MAPWATCH_LIB_EVENT_LOOP_H
#define MAPWATCH_LIB_EVENT_LOOP_H

#include <signal.h>
#include <stdbool.h>

struct mw_event_loop;

/* Returns 0 to go on, a negative errno to stop the loop with that error. */
typedef int (*mw_event_loop_callback)(struct mw_event_loop *loop, int fd, void *context);

int event_loop__new(struct mw_event_loop **out);
void event_loop__destroy(struct mw_event_loop *loop);

/* Watches fd for readability; the loop does not own fd. */
int event_loop__add(struct mw_event_loop *loop, int fd, mw_event_loop_callback callback,
		    void *context);

/* A periodic timer; *fd_out receives its timerfd, owned by the loop. */
int event_loop__add_timer(struct mw_event_loop *loop, double interval_seconds,
			  mw_event_loop_callback callback, void *context, int *fd_out);

/* Re-arms a timer from event_loop__add_timer: the next expiry one new interval from now. */
int event_loop__set_timer(int fd, double interval_seconds);

/* A timer that fires once each time it is armed; disarmed at first. */
int event_loop__add_one_shot(struct mw_event_loop *loop, mw_event_loop_callback callback,
			     void *context, int *fd_out);
/* Arms a one-shot timer (or any timer: once, then no more) to fire @seconds from now. */
int event_loop__arm_once(int fd, double seconds);
/* Stops a timer from firing until armed again. */
void event_loop__disarm(int fd);

/*
 * Blocks the given signals and delivers them through a signalfd the loop owns;
 * the callback reads the signal number with event_loop__read_signal.
 */
int event_loop__add_signals(struct mw_event_loop *loop, const sigset_t *signals,
			    mw_event_loop_callback callback, void *context);

/* Reads one pending signal from a signalfd; returns the signal number or -errno. */
int event_loop__read_signal(int fd);

/* Consumes a timerfd's expiry count so it stops being readable. */
void event_loop__ack_timer(int fd);

/* Runs until event_loop__stop or a callback error; returns 0 or that error. */
int event_loop__run(struct mw_event_loop *loop);
void event_loop__stop(struct mw_event_loop *loop);

#endif
