/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How every command starts its view: vm.max_map_count, a tracker, and the
 * processes /proc shows that pass --pid, --comm and --cgroup, read into it.
 * The agent and a live top load the BPF programs between the two steps, so
 * nothing that happens while /proc is read is missed; scan and a one-frame
 * top read /proc alone.
 */
#ifndef MAPWATCH_AGENT_SEEDED_TRACKER_H
#define MAPWATCH_AGENT_SEEDED_TRACKER_H

#include <stddef.h>
#include <stdint.h>
#include "options.h"
#include "proc_scan.h"
#include "process_filter.h"
#include "tracker.h"

struct mw_seeded_tracker {
	uint64_t max_map_count;
	struct mw_tracker *tracker;
	struct mw_process_filter *filter; /* on the heap: it holds PATH_MAX per cgroup */
	/*
	 * Set by seeding a tracker that keeps only what it reports, without
	 * --comm or --cgroup: no comm or cgroup was read; report_names__fill
	 * reads them for the processes a report shows.
	 */
	bool names_later;
};

/*
 * Reads vm.max_map_count and creates the tracker with @tracker_options.
 * Returns 0, or -errno with a line for the user in @error; whatever was made
 * then is left for seeded_tracker__destroy.
 */
int seeded_tracker__create(struct mw_seeded_tracker *seeded,
			   const struct mw_tracker_options *tracker_options, char *error,
			   size_t error_size);

/*
 * Resolves the filters of @options (which must outlive @seeded) and reads
 * every process they let through from /proc. @stats may be NULL. Returns 0,
 * or -errno with a line for the user in @error.
 */
int seeded_tracker__seed(struct mw_seeded_tracker *seeded, const struct mw_options *options,
			 struct mw_proc_scan_stats *stats, char *error, size_t error_size);

/* Frees the tracker and the filter and zeroes @seeded; safe on a zeroed one. */
void seeded_tracker__destroy(struct mw_seeded_tracker *seeded);

#endif
