// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "commands.h"
#include "event.h"
#include "event_format.h"
#include "event_loop.h"
#include "kernel_options.h"
#include "kernel_tracer.h"
#include "log_line.h"
#include "terminal_text.h"

#define DRAIN_PERIOD_SECONDS 0.05

struct trace {
	const struct mw_options *options;
	struct mw_kernel_tracer *kernel;
	double realtime_offset;
	union mw_event *pending; /* decoded in the callback, printed after the drain */
	size_t pending_count;
	size_t pending_capacity;
	uint64_t malformed;
	bool utf8; /* names keep their characters on a UTF-8 terminal */
};

static int queue_record(void *context, const void *data, size_t size)
{
	struct trace *trace = context;

	if (trace->pending_count == trace->pending_capacity) {
		size_t capacity = trace->pending_capacity ? 2 * trace->pending_capacity : 256;
		union mw_event *grown = realloc(trace->pending, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		trace->pending = grown;
		trace->pending_capacity = capacity;
	}
	if (event__decode(data, size, &trace->pending[trace->pending_count]))
		trace->malformed++;
	else
		trace->pending_count++;
	return 0;
}

static int drain_and_print(struct mw_event_loop *loop, struct trace *trace)
{
	int err = kernel_tracer__drain(trace->kernel, queue_record, trace);

	if (err < 0)
		return err;
	for (size_t i = 0; i < trace->pending_count; i++) {
		if (trace->options->json)
			err = event_format__json(stdout, &trace->pending[i],
						 trace->realtime_offset);
		else
			err = event_format__text(stdout, &trace->pending[i], trace->realtime_offset,
						 trace->utf8);
		if (err)
			break;
	}
	trace->pending_count = 0;
	if (!err && fflush(stdout))
		err = -errno;
	if (err == -EPIPE) {
		/* The reader went away (mapwatch trace | head): a normal end. */
		event_loop__stop(loop);
		return 0;
	}
	return err;
}

static int on_ring_buffer(struct mw_event_loop *loop, int fd, void *context)
{
	(void)fd;
	return drain_and_print(loop, context);
}

static int on_drain_timer(struct mw_event_loop *loop, int fd, void *context)
{
	event_loop__ack_timer(fd);
	return drain_and_print(loop, context);
}

static int on_signal(struct mw_event_loop *loop, int fd, void *context)
{
	(void)context;
	if (event_loop__read_signal(fd) > 0)
		event_loop__stop(loop);
	return 0;
}

int command__trace(const struct mw_options *options)
{
	struct mw_kernel_setup setup;
	struct trace trace = { .options = options };
	struct mw_event_loop *loop = NULL;
	sigset_t signals;
	char error[512];
	int err, status = MW_EXIT_FAILURE;

	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows up as EPIPE from fflush */
	err = kernel_options__from(options, &setup, error, sizeof(error));
	if (!err)
		err = kernel_tracer__open(&trace.kernel, &setup.kernel, error, sizeof(error));
	if (err) {
		log_line__print("%s", error);
		return MW_EXIT_FAILURE;
	}
	trace.realtime_offset = clock__realtime_offset_seconds();
	trace.utf8 = terminal_text__use_locale();
	err = event_loop__new(&loop);
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	if (!err)
		err = event_loop__add_signals(loop, &signals, on_signal, &trace);
	if (!err)
		err = event_loop__add(loop, kernel_tracer__ring_buffer_fd(trace.kernel),
				      on_ring_buffer, &trace);
	if (!err)
		err = event_loop__add_timer(loop, DRAIN_PERIOD_SECONDS, on_drain_timer, &trace,
					    NULL);
	if (!err)
		err = event_loop__run(loop);
	if (!err)
		err = drain_and_print(loop, &trace);
	if (err)
		log_line__print("trace stopped: %s", strerror(-err));
	else
		status = MW_EXIT_OK;
	if (trace.malformed)
		log_line__print("%llu malformed records dropped",
				(unsigned long long)trace.malformed);

	event_loop__destroy(loop);
	kernel_tracer__destroy(trace.kernel);
	free(trace.pending);
	return status;
}
