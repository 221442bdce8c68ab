// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include "growth.h"

#define SECOND 1000000000ULL
#define WINDOW (300 * SECOND)

Test(growth, two_samples_must_span_a_second)
{
	struct map_count_history history = { 0 };
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
	struct map_count_history history = { 0 };
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
	struct map_count_history history = { 0 };
	double slope = 0;

	for (uint64_t i = 0; i < 100000; i++)
		map_count_history__add(&history, i * (SECOND / 100), i, WINDOW);
	cr_assert_leq(history.length, MAP_COUNT_SAMPLES);
	cr_assert(map_count_history__slope(&history, 999 * SECOND, WINDOW, &slope));
	cr_assert_float_eq(slope, 100.0, 1e-6);
	cr_assert_not(map_count_history__slope(&history, 2000 * SECOND, WINDOW, &slope));
}
