// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "top_format.h"

void top_format__age(double seconds, char *out, size_t size)
{
	uint64_t whole = seconds > 0 ? (uint64_t)seconds : 0;

	if (whole < 60)
		snprintf(out, size, "%" PRIu64 "s", whole);
	else if (whole < 3600)
		snprintf(out, size, "%" PRIu64 "m%02" PRIu64 "s", whole / 60, whole % 60);
	else if (whole < 86400)
		snprintf(out, size, "%" PRIu64 "h%02" PRIu64 "m", whole / 3600, whole % 3600 / 60);
	else if (whole < 100 * 86400)
		snprintf(out, size, "%" PRIu64 "d%02" PRIu64 "h", whole / 86400,
			 whole % 86400 / 3600);
	else
		snprintf(out, size, "%" PRIu64 "d", whole / 86400);
}

void top_format__count(uint64_t value, size_t width, char *out, size_t size)
{
	static const char suffixes[] = "kMGTPE";
	double scaled = (double)value;

	snprintf(out, size, "%" PRIu64, value);
	if (strlen(out) <= width)
		return;
	for (size_t i = 0; i < sizeof(suffixes) - 1; i++) {
		scaled /= 1000;
		snprintf(out, size, scaled < 10 ? "%.1f%c" : "%.0f%c", scaled, suffixes[i]);
		if (strlen(out) <= width)
			return;
	}
}
