/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPWATCH_LIB_CLOCK_H
#define MAPWATCH_LIB_CLOCK_H

#include <stdint.h>
#include <time.h>

/* --interval, and top's refresh interval when changed from the keyboard */
#define MW_INTERVAL_MIN_SECONDS 0.05
#define MW_INTERVAL_MAX_SECONDS 86400.0

/* CLOCK_MONOTONIC in nanoseconds: the clock bpf_ktime_get_ns() reads. */
static inline uint64_t clock__monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* Seconds to add to a CLOCK_MONOTONIC time to get the wall clock. */
static inline double clock__realtime_offset_seconds(void)
{
	struct timespec wall, monotonic;

	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &monotonic);
	return (double)(wall.tv_sec - monotonic.tv_sec) +
	       (double)(wall.tv_nsec - monotonic.tv_nsec) / 1e9;
}

#endif
