/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What `mapwatch top` shows, kept between refreshes: the latest snapshot, the
 * event rate between the last two, and each process's recent map count and
 * orphan count for the detail view's chart. Pure: the collector hands it
 * snapshots, the frame reads it.
 */
#ifndef MAPWATCH_TOP_HISTORY_H
#define MAPWATCH_TOP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uthash.h>
#include "snapshot.h"

/* Four minutes at the default interval; also how long an exited process is remembered. */
#define TOP_HISTORY_SAMPLES 240

struct mw_top_sample {
	double timestamp;
	uint64_t map_count;
	uint64_t orphaned_mappings;
};

struct mw_top_process_history {
	uint32_t pid;
	char comm[MW_COMM_LEN];
	struct mw_top_sample samples[TOP_HISTORY_SAMPLES]; /* a ring, oldest at first */
	size_t first;
	size_t length;
	size_t last_update; /* the model update that last saw the process */
	UT_hash_handle hh;
};

struct mw_top_history {
	struct mw_snapshot snapshot; /* the one shown, owned */
	size_t updates;
	/* the first snapshot's time: a file deleted before it has no known deletion time */
	double first_timestamp;
	bool has_event_rate; /* false until two snapshots are in */
	double events_per_second;
	uint64_t previous_events;
	struct mw_top_process_history *histories; /* by pid */
};

void top_history__init(struct mw_top_history *model);
void top_history__clear(struct mw_top_history *model);

/*
 * Takes @snapshot in: the model owns what it held and @snapshot is zeroed.
 * Returns 0 or -ENOMEM (the model then keeps the snapshot but not all history).
 */
int top_history__update(struct mw_top_history *model, struct mw_snapshot *snapshot);

/* The history of @pid, or NULL when the model never saw it or has forgotten it. */
const struct mw_top_process_history *top_history__history(const struct mw_top_history *model,
							  uint32_t pid);

/* Sample @index of @history, oldest first (index < history->length). */
const struct mw_top_sample *
top_process_history__sample(const struct mw_top_process_history *history, size_t index);

/* The process of the shown snapshot with @pid, or NULL (it exited, or is no longer watched). */
const struct mw_process_report *top_history__process(const struct mw_top_history *model,
						     uint32_t pid);

#endif
