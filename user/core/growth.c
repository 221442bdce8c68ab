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
/*
 * A count this far below the fitted line (and more than a second's growth)
 * has shrunk: unmapping outweighs the growth the window remembers. Wide
 * enough for the ups and downs of a process that maps and unmaps all day.
 */
#define SHRINK_MAPPINGS 100.0

static size_t slot(const struct mw_map_count_history *history, size_t i)
{
	return (history->first + i) % MAP_COUNT_SAMPLES;
}

void map_count_history__add(struct mw_map_count_history *history, uint64_t timestamp_ns,
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

/* The least-squares line through the samples in the window, and the newest of them. */
struct fit {
	double slope; /* mappings per second */
	double intercept; /* the line's count at the oldest sample */
	uint64_t oldest_ns;
	uint64_t newest_count;
};

static bool fit_window(const struct mw_map_count_history *history, uint64_t now_ns,
		       uint64_t window_ns, struct fit *fit)
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
		fit->newest_count = history->map_counts[index];
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
	fit->slope = (n * sum_xy - sum_x * sum_y) / denominator;
	fit->intercept = (sum_y - fit->slope * sum_x) / n;
	fit->oldest_ns = oldest;
	return true;
}

bool map_count_history__slope(const struct mw_map_count_history *history, uint64_t now_ns,
			      uint64_t window_ns, double *per_second)
{
	struct fit fit;

	if (!fit_window(history, now_ns, window_ns, &fit))
		return false;
	*per_second = fit.slope;
	return true;
}

bool map_count_history__growth_rate(const struct mw_map_count_history *history, uint64_t now_ns,
				    uint64_t window_ns, double *per_second)
{
	double stall_ns, trend_now, shortfall;
	struct fit fit;

	/* a count that never rose has no rate: no fit (most processes, every interval) */
	if (!history->last_rise_ns || history->last_rise_ns > now_ns)
		return false;
	if (!fit_window(history, now_ns, window_ns, &fit) || fit.slope <= 0)
		return false;
	stall_ns = STALL_MAPPINGS / fit.slope * NS_PER_SECOND;
	if (stall_ns < (double)STALL_MIN_NS)
		stall_ns = (double)STALL_MIN_NS;
	if ((double)(now_ns - history->last_rise_ns) > stall_ns)
		return false;
	/* rising again after a shrink: the line still runs through the old peak */
	trend_now = fit.intercept + fit.slope * (double)(now_ns - fit.oldest_ns) / NS_PER_SECOND;
	shortfall = trend_now - (double)fit.newest_count;
	if (shortfall > SHRINK_MAPPINGS && shortfall > fit.slope)
		return false;
	*per_second = fit.slope;
	return true;
}
