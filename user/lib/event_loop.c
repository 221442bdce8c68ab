// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "event_loop.h"

#define MAX_WATCHES 16

struct watch {
	int fd;
	bool owned;
	mw_event_loop_callback callback;
	void *context;
};

struct mw_event_loop {
	int epoll_fd;
	bool stopping;
	size_t watch_count;
	struct watch watches[MAX_WATCHES];
};

int event_loop__new(struct mw_event_loop **out)
{
	struct mw_event_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		int err = -errno;

		free(loop);
		return err;
	}
	*out = loop;
	return 0;
}

void event_loop__destroy(struct mw_event_loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->watch_count; i++)
		if (loop->watches[i].owned)
			close(loop->watches[i].fd);
	close(loop->epoll_fd);
	free(loop);
}

static int add_watch(struct mw_event_loop *loop, int fd, bool owned,
		     mw_event_loop_callback callback, void *context)
{
	struct epoll_event event = { .events = EPOLLIN };
	struct watch *watch;

	if (loop->watch_count == MAX_WATCHES)
		return -ENOSPC;
	watch = &loop->watches[loop->watch_count];
	*watch = (struct watch){
		.fd = fd, .owned = owned, .callback = callback, .context = context
	};
	event.data.ptr = watch;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &event))
		return -errno;
	loop->watch_count++;
	return 0;
}

int event_loop__add(struct mw_event_loop *loop, int fd, mw_event_loop_callback callback,
		    void *context)
{
	return add_watch(loop, fd, false, callback, context);
}

/* Fires @first_seconds from now, then every @every_seconds (0: never again). */
static int arm(int fd, double first_seconds, double every_seconds)
{
	struct itimerspec spec = { 0 };
	double whole;

	if (!(first_seconds > 0))
		return -EINVAL;
	spec.it_value.tv_nsec = (long)(modf(first_seconds, &whole) * 1e9);
	spec.it_value.tv_sec = (time_t)whole;
	spec.it_interval.tv_nsec = (long)(modf(every_seconds, &whole) * 1e9);
	spec.it_interval.tv_sec = (time_t)whole;
	if (timerfd_settime(fd, 0, &spec, NULL))
		return -errno;
	return 0;
}

int event_loop__set_timer(int fd, double interval_seconds)
{
	return arm(fd, interval_seconds, interval_seconds);
}

int event_loop__add_timer(struct mw_event_loop *loop, double interval_seconds,
			  mw_event_loop_callback callback, void *context, int *fd_out)
{
	int fd, err;

	if (!(interval_seconds > 0))
		return -EINVAL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = event_loop__set_timer(fd, interval_seconds);
	if (err) {
		close(fd);
		return err;
	}
	err = add_watch(loop, fd, true, callback, context);
	if (err) {
		close(fd);
		return err;
	}
	if (fd_out)
		*fd_out = fd;
	return 0;
}

int event_loop__add_one_shot(struct mw_event_loop *loop, mw_event_loop_callback callback,
			     void *context, int *fd_out)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	err = add_watch(loop, fd, true, callback, context);
	if (err) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

int event_loop__arm_once(int fd, double seconds)
{
	return arm(fd, seconds, 0);
}

void event_loop__disarm(int fd)
{
	struct itimerspec none = { 0 };

	(void)timerfd_settime(fd, 0, &none, NULL);
	/* an expiry not yet read would still wake the loop */
	event_loop__ack_timer(fd);
}

int event_loop__add_signals(struct mw_event_loop *loop, const sigset_t *signals,
			    mw_event_loop_callback callback, void *context)
{
	int fd, err;

	if (sigprocmask(SIG_BLOCK, signals, NULL))
		return -errno;
	fd = signalfd(-1, signals, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = add_watch(loop, fd, true, callback, context);
	if (err)
		close(fd);
	return err;
}

int event_loop__read_signal(int fd)
{
	struct signalfd_siginfo info;
	ssize_t got = read(fd, &info, sizeof(info));

	if (got < 0)
		return -errno;
	if (got != sizeof(info))
		return -EIO;
	return (int)info.ssi_signo;
}

void event_loop__ack_timer(int fd)
{
	uint64_t expirations;

	/* EAGAIN just means another reader got it first: nothing to do. */
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return;
}

int event_loop__run(struct mw_event_loop *loop)
{
	struct epoll_event ready[MAX_WATCHES];

	loop->stopping = false;
	while (!loop->stopping) {
		int count = epoll_wait(loop->epoll_fd, ready, MAX_WATCHES, -1);

		if (count < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < count && !loop->stopping; i++) {
			struct watch *watch = ready[i].data.ptr;
			int err = watch->callback(loop, watch->fd, watch->context);

			if (err)
				return err;
		}
	}
	return 0;
}

void event_loop__stop(struct mw_event_loop *loop)
{
	loop->stopping = true;
}
