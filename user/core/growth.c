// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "growth.h"

#define NS_PER_SECOND 1000000000.0
/*
 * A rate holds while the count last rose within this many mappings' time at
 * that rate: arrivals at random moments leave a longer gap about once in
 * e^10 (20,000) samples, so an alert with a `for:` duration does not reset on
 * steady growth...
 */
#define STALL_MAPPINGS 10.0
/* ...or within this long, for rates so fast that samples come further apart than that. */
#define STALL_MIN_NS 1000000000ULL

static size_t slot(const struct map_count_history *history, size_t i)
{
	return (history->first + i) % MAP_COUNT_SAMPLES;
}

void map_count_history__add(struct map_count_history *history, uint64_t timestamp_ns,
			    uint64_t map_count, uint64_t window_ns)
{
	uint64_t spacing = window_ns / 60;
	size_t index;

	if (history->length > 0) {
		size_t newest = slot(history, history->length - 1);

		/* Out of order (a late event): the newer figure already stands. */
		if (timestamp_ns < history->timestamps_ns[newest])
			return;
		if (map_count > history->map_counts[newest])
			history->last_rise_ns = timestamp_ns;
	}
	if (history->length >= 2) {
		size_t before_newest = slot(history, history->length - 2);

		if (timestamp_ns - history->timestamps_ns[before_newest] < spacing) {
			index = slot(history, history->length - 1);
			history->timestamps_ns[index] = timestamp_ns;
			history->map_counts[index] = map_count;
			return;
		}
	}
	if (history->length == MAP_COUNT_SAMPLES) {
		history->first = (history->first + 1) % MAP_COUNT_SAMPLES;
		history->length--;
	}
	index = slot(history, history->length++);
	history->timestamps_ns[index] = timestamp_ns;
	history->map_counts[index] = map_count;
}

bool map_count_history__slope(const struct map_count_history *history, uint64_t now_ns,
			      uint64_t window_ns, double *per_second)
{
	double sum_x = 0, sum_y = 0, sum_xx = 0, sum_xy = 0, n = 0, denominator;
	uint64_t oldest = 0, newest = 0;
	bool any = false;

	for (size_t i = 0; i < history->length; i++) {
		size_t index = slot(history, i);
		uint64_t timestamp = history->timestamps_ns[index];
		double x, y;

		if (timestamp > now_ns || now_ns - timestamp >= window_ns)
			continue;
		if (!any)
			oldest = timestamp;
		any = true;
		newest = timestamp;
		/* Relative to the oldest sample, so squares stay exact in a double. */
		x = (double)(timestamp - oldest) / NS_PER_SECOND;
		y = (double)history->map_counts[index];
		sum_x += x;
		sum_y += y;
		sum_xx += x * x;
		sum_xy += x * y;
		n++;
	}
	if (n < 2 || (double)(newest - oldest) < NS_PER_SECOND)
		return false;
	denominator = n * sum_xx - sum_x * sum_x;
	if (denominator <= 0)
		return false;
	*per_second = (n * sum_xy - sum_x * sum_y) / denominator;
	return true;
}

bool map_count_history__growth_rate(const struct map_count_history *history, uint64_t now_ns,
				    uint64_t window_ns, double *per_second)
{
	double slope, stall_ns;

	if (!map_count_history__slope(history, now_ns, window_ns, &slope) || slope <= 0 ||
	    !history->last_rise_ns || history->last_rise_ns > now_ns)
		return false;
	stall_ns = STALL_MAPPINGS / slope * NS_PER_SECOND;
	if (stall_ns < (double)STALL_MIN_NS)
		stall_ns = (double)STALL_MIN_NS;
	if ((double)(now_ns - history->last_rise_ns) > stall_ns)
		return false;
	*per_second = slope;
	return true;
}
