// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Ages and counts as top's narrow columns show them. */
#include <criterion/criterion.h>
#include "top_format.h"

static void expect_age(double seconds, const char *expected)
{
	char text[32];

	top_format__age(seconds, text, sizeof(text));
	cr_assert_str_eq(text, expected, "%g s", seconds);
}

static void expect_count(uint64_t value, size_t width, const char *expected)
{
	char text[32];

	top_format__count(value, width, text, sizeof(text));
	cr_assert_str_eq(text, expected);
}

Test(top_format, ages_fit_in_seven_columns)
{
	expect_age(-3, "0s");
	expect_age(12.9, "12s");
	expect_age(75, "1m15s");
	expect_age(3599, "59m59s");
	expect_age(3725, "1h02m");
	expect_age(86399, "23h59m");
	expect_age(2 * 86400 + 4 * 3600, "2d04h");
	expect_age(412 * 86400.0, "412d");
}

Test(top_format, counts_shorten_only_when_they_must)
{
	expect_count(65530, 6, "65530");
	expect_count(999999, 6, "999999");
	expect_count(1234567, 6, "1235k");
	expect_count(1234567, 4, "1.2M");
	expect_count(12345678, 5, "12M");
	expect_count(7, 5, "7");
}
