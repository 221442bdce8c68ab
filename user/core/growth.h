/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A process's recent map counts, and how fast they grow. Samples are kept at
 * least window/60 apart (a newer sample inside that spacing replaces the
 * newest), so a process making thousands of mappings a second costs a fixed
 * 64 slots.
 */
#ifndef MAPWATCH_CORE_GROWTH_H
#define MAPWATCH_CORE_GROWTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAP_COUNT_SAMPLES 64

struct mw_map_count_history {
	uint64_t timestamps_ns[MAP_COUNT_SAMPLES];
	uint64_t map_counts[MAP_COUNT_SAMPLES];
	size_t first; /* index of the oldest sample */
	size_t length;
	/* when a sample last showed more mappings than the one before it; 0: never */
	uint64_t last_rise_ns;
};

void map_count_history__add(struct mw_map_count_history *history, uint64_t timestamp_ns,
			    uint64_t map_count, uint64_t window_ns);
/*
 * Least-squares slope, in mappings per second, of the samples taken in
 * (now_ns - window_ns, now_ns]. False when fewer than two samples spanning at
 * least a second are in the window.
 */
bool map_count_history__slope(const struct mw_map_count_history *history, uint64_t now_ns,
			      uint64_t window_ns, double *per_second);

/*
 * The rate a forecast of the map limit may use: the slope over the window,
 * only while it is positive and the count is still rising at about that rate,
 * that is, it last rose no longer ago than ten new mappings take at that rate
 * (a second for rates above ten a second), and it is not more than a hundred
 * mappings (and a second's growth) below the fitted line. A count that
 * stopped rising loses its forecast that soon; one that shrank, at once.
 */
bool map_count_history__growth_rate(const struct mw_map_count_history *history, uint64_t now_ns,
				    uint64_t window_ns, double *per_second);

#endif
