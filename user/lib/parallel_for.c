// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "parallel_for.h"

#define HELPERS_MAX 3
/* items a thread takes at once: few enough to even out, many enough to share no cache line often */
#define CHUNK 8

struct shared {
	size_t count;
	parallel_for_fn fn;
	void *ctx;
	atomic_size_t next;
	atomic_int err;
};

static void *run(void *context)
{
	struct shared *shared = context;

	while (!atomic_load_explicit(&shared->err, memory_order_relaxed)) {
		size_t first = atomic_fetch_add(&shared->next, CHUNK);

		if (first >= shared->count)
			break;
		for (size_t i = first; i < first + CHUNK && i < shared->count; i++) {
			int err = shared->fn(i, shared->ctx), none = 0;

			if (err) {
				atomic_compare_exchange_strong(&shared->err, &none, err);
				break;
			}
		}
	}
	return NULL;
}

unsigned int parallel_for__helpers(unsigned int max)
{
	cpu_set_t cpus;
	int others;

	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		return 0;
	others = CPU_COUNT(&cpus) - 1;
	if (others <= 0)
		return 0;
	return (unsigned int)others < max ? (unsigned int)others : max;
}

int parallel_for__each(size_t count, size_t serial_below, parallel_for_fn fn, void *ctx)
{
	struct shared shared = { .count = count, .fn = fn, .ctx = ctx };
	pthread_t helpers[HELPERS_MAX];
	unsigned int wanted = count < serial_below ? 0 : parallel_for__helpers(HELPERS_MAX);
	unsigned int started = 0;
	sigset_t all, saved;

	atomic_init(&shared.next, 0);
	atomic_init(&shared.err, 0);
	if (wanted) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &saved);
		while (started < wanted && !pthread_create(&helpers[started], NULL, run, &shared))
			started++;
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	}
	/* no thread to be had is no error: the caller's does it all */
	run(&shared);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(helpers[i], NULL);
	return atomic_load(&shared.err);
}
