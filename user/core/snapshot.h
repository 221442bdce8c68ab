/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the exporters write: one self-contained copy of the tracker's view at one
 * moment. The tracker (or scan) fills it; the JSON and Prometheus writers only
 * read it, so drawing never touches live state.
 */
#ifndef MAPWATCH_CORE_SNAPSHOT_H
#define MAPWATCH_CORE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mapwatch_events.h"

struct mw_orphan {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t ino;
	uint32_t dev; /* kernel encoding: major << 20 | minor */
	bool deleted_age_known; /* false when deleted before mapwatch started */
	double deleted_seconds_ago;
	char *path; /* owned; without " (deleted)" */
};

struct mw_process_report {
	uint32_t pid;
	char comm[MW_COMM_LEN];
	uint64_t map_count;
	uint64_t orphaned_mappings;
	uint64_t orphaned_bytes;
	uint64_t resize_remaps; /* counter since the process was first seen */
	uint64_t stale_mappings;
	bool oldest_orphan_age_known;
	double oldest_orphan_age_seconds;
	bool map_count_growing; /* seconds_to_map_limit is meaningful only when true */
	double seconds_to_map_limit;
	struct mw_orphan *orphans; /* owned, sorted by start */
	size_t orphan_count;
};

#define MW_DURATION_BUCKETS 10
/* Upper bounds in seconds of mapwatch_unlink_to_unmap_seconds; +Inf is implied. */
extern const double mw_duration_bucket_bounds[MW_DURATION_BUCKETS];

struct mw_duration_histogram {
	uint64_t buckets[MW_DURATION_BUCKETS]; /* cumulative is computed by the writer */
	uint64_t count;
	double sum;
};

struct mw_snapshot {
	double timestamp; /* seconds since the epoch */
	const char *source; /* "agent" or "scan", static */
	uint64_t max_map_count;
	/*
	 * Every process the tracker knows, sorted by orphaned bytes, then map count
	 * ratio, descending. The JSON writer keeps only those with an orphan, a resize
	 * remap or a stale mapping; the metrics writer keeps the first --top.
	 */
	struct mw_process_report *processes; /* owned */
	size_t process_count;
	/* host totals, never capped */
	uint64_t orphaned_mappings;
	uint64_t orphaned_bytes;
	uint64_t tracked_mappings;
	/* the agent's own counters; scan leaves them zero and has_agent_counters false */
	bool has_agent_counters;
	uint64_t events_by_type[MW_EVENT_TYPE_COUNT];
	uint64_t events_lost;
	uint64_t events_malformed;
	uint64_t reconcile_corrections;
	struct mw_duration_histogram unlink_to_unmap;
};

/* Frees what the snapshot owns and zeroes it; safe on a zeroed snapshot. */
void snapshot__clear(struct mw_snapshot *snapshot);

#endif
