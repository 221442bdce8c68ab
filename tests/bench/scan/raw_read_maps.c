// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor for any /proc walk: read every /proc/PID/maps to its end and do
 * nothing with it, not even count lines. Prints how much it read.
 *
 * usage: bench_scan_raw_read
 */
#include <stdio.h>
#include <string.h>

#include "maps_walk.h"

int main(void)
{
	struct maps_walk_totals totals;
	int err = maps_walk__read_all(false, &totals);

	if (err) {
		fprintf(stderr, "bench_scan_raw_read: /proc: %s\n", strerror(-err));
		return 1;
	}
	printf("%lu files, %lu bytes\n", totals.files, totals.bytes);
	return 0;
}
