// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer: a command line, arguments separated by NUL bytes. Parsing either
 * succeeds with values inside their documented ranges or fails saying why,
 * never crashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

#define ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[ARGS_MAX + 2];
	struct mw_options options;
	char error[512];
	int argc = 0;
	FILE *null;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "mapwatch";
	for (size_t at = 0; at <= size && argc < ARGS_MAX + 1;) {
		argv[argc++] = copy + at;
		at += strlen(copy + at) + 1;
	}
	argv[argc] = NULL;
	if (options__parse(&options, argc, argv, error, sizeof(error)) == 0) {
		if (options.interval_seconds &&
		    (options.interval_seconds < MW_INTERVAL_MIN_SECONDS ||
		     options.interval_seconds > MW_INTERVAL_MAX_SECONDS))
			abort();
		if (options.pid_count > MW_FILTER_PIDS_MAX ||
		    options.comm_count > MW_FILTER_COMMS_MAX)
			abort();
		if (options.ring_buffer_bytes & (options.ring_buffer_bytes - 1))
			abort();
		null = fopen("/dev/null", "w");
		if (null) {
			options__print_usage(null, options.command);
			fclose(null);
		}
	} else if (!error[0]) {
		abort(); /* a refusal always says why */
	}
	free(copy);
	return 0;
}
