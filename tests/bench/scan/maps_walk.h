/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPWATCH_BENCH_MAPS_WALK_H
#define MAPWATCH_BENCH_MAPS_WALK_H

#include <stdbool.h>

struct maps_walk_totals {
	unsigned long files;
	unsigned long bytes;
	unsigned long lines; /* counted only when asked: the raw floor does not */
};

/*
 * Reads every /proc/PID/maps on the host to its end. Processes that exit
 * meanwhile are skipped. Returns 0, or -errno when /proc cannot be opened.
 */
int maps_walk__read_all(bool count_lines, struct maps_walk_totals *totals);

#endif
