// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include "growth.h"

#define SECOND 1000000000ULL
#define WINDOW (300 * SECOND)

Test(growth, two_samples_must_span_a_second)
{
	struct mw_map_count_history history = { 0 };
	double slope = 0;

	map_count_history__add(&history, 10 * SECOND, 100, WINDOW);
	cr_assert_not(map_count_history__slope(&history, 10 * SECOND, WINDOW, &slope));
	map_count_history__add(&history, 10 * SECOND + SECOND / 2, 150, WINDOW);
	cr_assert_not(map_count_history__slope(&history, 11 * SECOND, WINDOW, &slope));
	map_count_history__add(&history, 11 * SECOND, 200, WINDOW);
	cr_assert(map_count_history__slope(&history, 11 * SECOND, WINDOW, &slope));
	cr_assert_float_eq(slope, 100.0, 1e-9);
}

Test(growth, least_squares_over_noisy_samples)
{
	struct mw_map_count_history history = { 0 };
	/* y = 2x + 1 with noise +1, -1, +1, -1: the fit recovers the slope of 2 within noise. */
	const int noise[] = { 1, -1, 1, -1, 1, -1 };
	double slope = 0;

	for (int i = 0; i < 6; i++)
		map_count_history__add(&history, (uint64_t)(i * 10) * SECOND,
				       (uint64_t)(1000 + 20 * i + noise[i]), WINDOW);
	cr_assert(map_count_history__slope(&history, 50 * SECOND, WINDOW, &slope));
	/* Exact least squares slope for these points: 2 - 30/1750 per second. */
	cr_assert_float_eq(slope, 2.0 - 30.0 / 1750.0, 1e-9);
}

Test(growth, a_burst_of_samples_uses_fixed_space_and_old_ones_leave_the_window)
{
	struct mw_map_count_history history = { 0 };
	double slope = 0;

	for (uint64_t i = 0; i < 100000; i++)
		map_count_history__add(&history, i * (SECOND / 100), i, WINDOW);
	cr_assert_leq(history.length, MAP_COUNT_SAMPLES);
	cr_assert(map_count_history__slope(&history, 999 * SECOND, WINDOW, &slope));
	cr_assert_float_eq(slope, 100.0, 1e-6);
	cr_assert_not(map_count_history__slope(&history, 2000 * SECOND, WINDOW, &slope));
}

#define LIMIT_WINDOW (120 * SECOND)

/* The broker: 300 mappings a second for two minutes, sampled every 15 s. */
static void grow_for_two_minutes(struct mw_map_count_history *history)
{
	for (uint64_t s = 0; s <= 120; s += 15)
		map_count_history__add(history, s * SECOND, 1000 + 300 * s, LIMIT_WINDOW);
}

Test(growth, a_rate_holds_while_the_count_rises_and_goes_with_the_next_flat_sample)
{
	struct mw_map_count_history history = { 0 };
	double rate = 0;

	grow_for_two_minutes(&history);
	cr_assert(map_count_history__growth_rate(&history, 120 * SECOND, LIMIT_WINDOW, &rate));
	cr_assert_float_eq(rate, 300.0, 1e-6);
	/* it stopped: the next sample shows the same count, and the forecast is gone */
	map_count_history__add(&history, 135 * SECOND, 1000 + 300 * 120, LIMIT_WINDOW);
	cr_assert_not(map_count_history__growth_rate(&history, 135 * SECOND, LIMIT_WINDOW, &rate));
	/* the slope alone would still say it grows: that is what froze the forecast */
	cr_assert(map_count_history__slope(&history, 135 * SECOND, LIMIT_WINDOW, &rate));
	cr_assert_gt(rate, 100);
	/* and it stays gone while nothing grows */
	for (uint64_t s = 150; s <= 600; s += 15) {
		map_count_history__add(&history, s * SECOND, 1000 + 300 * 120, LIMIT_WINDOW);
		cr_assert_not(
			map_count_history__growth_rate(&history, s * SECOND, LIMIT_WINDOW, &rate));
	}
}

Test(growth, growing_again_brings_the_forecast_back_at_the_new_rate)
{
	struct mw_map_count_history history = { 0 };
	double rate = 0;
	uint64_t count = 37000;

	grow_for_two_minutes(&history);
	map_count_history__add(&history, 135 * SECOND, count, LIMIT_WINDOW);
	cr_assert_not(map_count_history__growth_rate(&history, 135 * SECOND, LIMIT_WINDOW, &rate));
	/* 20 a second from now on: well below the old trend, until the window forgets it */
	map_count_history__add(&history, 150 * SECOND, count += 300, LIMIT_WINDOW);
	cr_assert_not(map_count_history__growth_rate(&history, 150 * SECOND, LIMIT_WINDOW, &rate),
		      "a forecast from the old rate of 300 a second");
	for (uint64_t s = 165; s <= 270; s += 15)
		map_count_history__add(&history, s * SECOND, count += 300, LIMIT_WINDOW);
	cr_assert(map_count_history__growth_rate(&history, 270 * SECOND, LIMIT_WINDOW, &rate));
	cr_assert_float_eq(rate, 20.0, 1e-6);
}

Test(growth, a_slowing_rate_shows_within_the_window)
{
	struct mw_map_count_history history = { 0 };
	double rate = 0;
	uint64_t count = 1000 + 300 * 120;

	grow_for_two_minutes(&history);
	/*
	 * then 10 a second: no forecast from the old rate while the fit still
	 * holds it, and the new rate once the window has only the slow samples
	 */
	for (uint64_t s = 135; s <= 255; s += 15) {
		count += 150;
		map_count_history__add(&history, s * SECOND, count, LIMIT_WINDOW);
		if (map_count_history__growth_rate(&history, s * SECOND, LIMIT_WINDOW, &rate))
			cr_assert_leq(rate, 10.0 + 1e-6, "the old rate of 300 a second at %llu s",
				      (unsigned long long)s);
	}
	cr_assert(map_count_history__growth_rate(&history, 255 * SECOND, LIMIT_WINDOW, &rate));
	cr_assert_float_eq(rate, 10.0, 1e-6);
}

Test(growth, a_shrinking_count_has_no_rate)
{
	struct mw_map_count_history history = { 0 };
	double rate = 0;

	grow_for_two_minutes(&history);
	/* the broker unmapped half of them */
	map_count_history__add(&history, 135 * SECOND, 18000, LIMIT_WINDOW);
	cr_assert_not(map_count_history__growth_rate(&history, 135 * SECOND, LIMIT_WINDOW, &rate));
	map_count_history__add(&history, 150 * SECOND, 17000, LIMIT_WINDOW);
	cr_assert_not(map_count_history__growth_rate(&history, 150 * SECOND, LIMIT_WINDOW, &rate));
}

Test(growth, slow_steady_growth_keeps_its_forecast_between_rises)
{
	struct mw_map_count_history history = { 0 };
	double rate = 0;

	/* one mapping every 40 s, sampled every 15 s: most samples show no rise */
	for (uint64_t s = 0; s <= 600; s += 15) {
		map_count_history__add(&history, s * SECOND, 500 + s / 40, LIMIT_WINDOW);
		if (s >= 120)
			cr_assert(map_count_history__growth_rate(&history, s * SECOND, LIMIT_WINDOW,
								 &rate),
				  "no rate at %llu s", (unsigned long long)s);
	}
	cr_assert_float_eq(rate, 1.0 / 40, 0.01);
	/* it stops; ten mappings' time at that rate later, the forecast is gone */
	for (uint64_t s = 615; s <= 1200; s += 15)
		map_count_history__add(&history, s * SECOND, 500 + 600 / 40, LIMIT_WINDOW);
	cr_assert_not(map_count_history__growth_rate(&history, 1200 * SECOND, LIMIT_WINDOW, &rate));
}

/*
 * Grows, stops, shrinks by 400 and grows again by a few: the fit over the
 * window still slopes up and the last rise is recent, yet the count is far
 * below where that trend says: no forecast until the growth outweighs the fall.
 */
Test(growth, a_shrink_ends_the_forecast_even_while_it_rises_again)
{
	struct mw_map_count_history history = { 0 };
	double rate = 0;

	for (uint64_t s = 0; s <= 30; s += 10)
		map_count_history__add(&history, s * SECOND, 1000 + 100 * s, LIMIT_WINDOW);
	map_count_history__add(&history, 40 * SECOND, 3600, LIMIT_WINDOW);
	map_count_history__add(&history, 43 * SECOND, 3602, LIMIT_WINDOW);
	cr_assert(map_count_history__slope(&history, 43 * SECOND, LIMIT_WINDOW, &rate));
	cr_assert_gt(rate, 0, "the fit must still slope up for this test to mean anything");
	cr_assert_not(map_count_history__growth_rate(&history, 43 * SECOND, LIMIT_WINDOW, &rate));
}
