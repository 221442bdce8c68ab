/* SPDX-License-Identifier: MIT */
/*
 * The driver's workload: one writer appends records round-robin over the
 * partitions (rolling and deleting segments as the store's limits say) while
 * reader threads look up random offsets and timestamps and check every answer.
 * Record timestamps are WORKLOAD_TIMESTAMP_BASE + offset, so a time lookup
 * answer {timestamp, offset} can be checked on its own.
 */
#ifndef IDXSTORE_WORKLOAD_H
#define IDXSTORE_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "idxstore/store.h"

#define WORKLOAD_TIMESTAMP_BASE 1700000000000LL /* ms */

struct workload_options {
	unsigned readers;
	uint64_t rolls; /* stop after this many rolls (0: no limit) */
	double duration; /* stop after this many seconds (0: no limit) */
	double roll_rate; /* the writer sleeps to roll no faster than this per second (0: flat out) */
	uint64_t seed;
	uint32_t min_payload;
	uint32_t max_payload;
};

void workload_options__defaults(struct workload_options *options);

/*
 * Runs until the roll count or the duration is reached, or @keep_going
 * (polled every few milliseconds, may be NULL) returns false. Lookup counts
 * land in the store's stats. Returns 0 or the writer's -errno.
 */
int workload__run(struct store *store, const struct workload_options *options,
		  bool (*keep_going)(void *arg), void *arg, double *elapsed_seconds);

#endif
