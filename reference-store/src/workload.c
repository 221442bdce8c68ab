// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "idxstore/workload.h"

/* Lookup counts are batched per reader so the shared counters do not bounce between cores. */
#define READER_FLUSH_EVERY 1024

struct reader_thread {
	struct store *store;
	_Atomic bool *stop;
	uint64_t seed;
	pthread_t thread;
	bool started;
};

void workload_options__defaults(struct workload_options *options)
{
	*options = (struct workload_options){
		.readers = 2,
		.rolls = 0,
		.duration = 0,
		.roll_rate = 0,
		.seed = 1,
		.min_payload = 64,
		.max_payload = 512,
	};
}

static double monotonic_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

/* xorshift64*: reproducible from --seed, no shared state between threads. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}

static void reader__flush(struct idxstore_stats *stats, uint64_t *lookups, uint64_t *misses,
			  uint64_t *errors)
{
	atomic_fetch_add(&stats->lookups, *lookups);
	atomic_fetch_add(&stats->lookup_misses, *misses);
	atomic_fetch_add(&stats->lookup_errors, *errors);
	*lookups = *misses = *errors = 0;
}

static void *reader__run(void *arg)
{
	struct reader_thread *self = arg;
	struct store *store = self->store;
	struct idxstore_stats *stats = store__stats(store);
	unsigned partitions = store__options(store)->partitions;
	uint64_t state = self->seed | 1, lookups = 0, misses = 0, errors = 0;
	struct grace_reader *grace;

	if (store__reader_register(store, &grace)) {
		atomic_fetch_add(&stats->lookup_errors, 1);
		return NULL;
	}
	while (!atomic_load_explicit(self->stop, memory_order_relaxed)) {
		unsigned partition = (unsigned)(next_random(&state) % partitions);
		int64_t start, end, target, timestamp;
		struct index_entry entry;
		int ret;

		store__offset_range(store, partition, &start, &end);
		if (end <= start) {
			sched_yield();
			continue;
		}
		target = start + (int64_t)(next_random(&state) % (uint64_t)(end - start));

		ret = store__lookup_offset(store, grace, partition, target, &entry);
		lookups++;
		if (ret == -ENOENT)
			misses++;
		else if (ret || entry.key > target || entry.key < 0 || entry.value < 0)
			errors++;

		timestamp = WORKLOAD_TIMESTAMP_BASE + target;
		ret = store__lookup_time(store, grace, partition, timestamp, &entry);
		lookups++;
		if (ret == -ENOENT)
			misses++;
		else if (ret || entry.key > timestamp ||
			 entry.value != entry.key - WORKLOAD_TIMESTAMP_BASE)
			errors++;

		if (lookups >= READER_FLUSH_EVERY)
			reader__flush(stats, &lookups, &misses, &errors);
	}
	reader__flush(stats, &lookups, &misses, &errors);
	store__reader_unregister(store, grace);
	return NULL;
}

/*
 * When the writer is ahead of the roll rate, naps (at most 5 ms, so the
 * duration and @keep_going stay polled) and returns true. The sleep leaves the
 * CPU to the readers.
 */
static bool workload__nap_if_ahead(const struct workload_options *options, uint64_t rolls,
				   double started)
{
	double elapsed = monotonic_now() - started;
	double ahead = (double)rolls / options->roll_rate - elapsed;
	struct timespec nap = { 0 };

	if (options->duration > 0 && ahead > options->duration - elapsed)
		ahead = options->duration - elapsed;
	if (ahead <= 0)
		return false;
	nap.tv_nsec = (long)((ahead < 0.005 ? ahead : 0.005) * 1e9);
	nanosleep(&nap, NULL);
	return true;
}

int workload__run(struct store *store, const struct workload_options *options,
		  bool (*keep_going)(void *arg), void *arg, double *elapsed_seconds)
{
	struct idxstore_stats *stats = store__stats(store);
	unsigned partitions = store__options(store)->partitions;
	uint64_t state = options->seed * 2654435761u + 1, appended = 0;
	uint32_t payload_span = options->max_payload - options->min_payload + 1;
	uint64_t rolls_at_start = atomic_load(&stats->rolls);
	struct reader_thread *readers;
	double started = monotonic_now(), last_poll = started, now;
	_Atomic bool stop = false;
	int ret = 0;

	if (options->max_payload < options->min_payload)
		return -EINVAL;
	readers = calloc(options->readers ? options->readers : 1, sizeof(*readers));
	if (!readers)
		return -ENOMEM;
	for (unsigned i = 0; i < options->readers; i++) {
		readers[i].store = store;
		readers[i].stop = &stop;
		readers[i].seed = options->seed * 7919 + i + 1;
		ret = -pthread_create(&readers[i].thread, NULL, reader__run, &readers[i]);
		if (ret)
			break;
		readers[i].started = true;
	}

	while (!ret) {
		unsigned partition = (unsigned)(appended % partitions);
		int64_t start, end;
		uint32_t payload;

		/* Checked every 64 appends, like the clock: a nap skips the appending. */
		if (appended % 64 || options->roll_rate <= 0 ||
		    !workload__nap_if_ahead(options, atomic_load(&stats->rolls) - rolls_at_start,
					    started)) {
			payload = options->min_payload +
				  (uint32_t)(next_random(&state) % payload_span);
			store__offset_range(store, partition, &start, &end);
			ret = store__append(store, partition, WORKLOAD_TIMESTAMP_BASE + end,
					    payload, NULL);
			appended++;
			if (options->rolls &&
			    atomic_load(&stats->rolls) - rolls_at_start >= options->rolls)
				break;
			if (appended % 64)
				continue;
		}
		now = monotonic_now();
		if (options->duration > 0 && now - started >= options->duration)
			break;
		if (keep_going && now - last_poll >= 0.005) {
			last_poll = now;
			if (!keep_going(arg))
				break;
		}
	}

	atomic_store(&stop, true);
	for (unsigned i = 0; i < options->readers; i++)
		if (readers[i].started)
			pthread_join(readers[i].thread, NULL);
	free(readers);
	if (elapsed_seconds)
		*elapsed_seconds = monotonic_now() - started;
	return ret;
}
