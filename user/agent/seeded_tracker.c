// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "proc_seed.h"
#include "seeded_tracker.h"
#include "sysctl.h"

int seeded_tracker__create(struct mw_seeded_tracker *seeded,
			   const struct mw_tracker_options *tracker_options, char *error,
			   size_t error_size)
{
	int err;

	memset(seeded, 0, sizeof(*seeded));
	err = sysctl__max_map_count(&seeded->max_map_count);
	if (err) {
		snprintf(error, error_size, "cannot read /proc/sys/vm/max_map_count: %s",
			 strerror(-err));
		return err;
	}
	seeded->filter = malloc(sizeof(*seeded->filter));
	err = seeded->filter ? tracker__create(tracker_options, &seeded->tracker) : -ENOMEM;
	if (err)
		snprintf(error, error_size, "out of memory");
	return err;
}

int seeded_tracker__seed(struct mw_seeded_tracker *seeded, const struct mw_options *options,
			 struct mw_proc_scan_stats *stats, char *error, size_t error_size)
{
	int err = process_filter__init(seeded->filter, options, error, error_size);

	if (err)
		return err;
	/*
	 * A tracker for one snapshot (scan) is named after it, only for what
	 * it shows, unless --comm or --cgroup decide what it reads.
	 */
	seeded->names_later = !tracker__keeps_every_file(seeded->tracker) &&
			      !process_filter__needs_names(seeded->filter);
	err = proc_seed__all(seeded->tracker, seeded->filter, seeded->names_later,
			     clock__monotonic_ns(), stats);
	if (err)
		snprintf(error, error_size, "cannot read /proc: %s", strerror(-err));
	return err;
}

void seeded_tracker__destroy(struct mw_seeded_tracker *seeded)
{
	tracker__destroy(seeded->tracker);
	free(seeded->filter);
	memset(seeded, 0, sizeof(*seeded));
}
