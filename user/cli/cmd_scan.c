// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "commands.h"
#include "json_snapshot.h"
#include "output_check.h"
#include "prometheus_textfile.h"
#include "proc_seed.h"
#include "sysctl.h"
#include "text_report.h"
#include "tracker.h"

#define NEAREST_LIMIT_SHOWN 5

static int write_outputs(const struct mw_options *options, const struct mw_snapshot *snapshot)
{
	int err;

	if (options->snapshot_path) {
		err = json_snapshot__write_path(snapshot, options->snapshot_path);
		if (err) {
			fprintf(stderr, "mapwatch: cannot write snapshot %s: %s\n",
				options->snapshot_path, strerror(-err));
			return err;
		}
	}
	if (options->textfile_path) {
		err = prometheus_textfile__write_path(snapshot, options->top,
						      options->textfile_path);
		if (err) {
			fprintf(stderr, "mapwatch: cannot write textfile %s: %s\n",
				options->textfile_path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * A report cut short by a full disk or a closed pipe must not pass for one
 * that was written: stdio keeps the error until the end, so look there once.
 */
static int finish_stdout(void)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno ? -errno : -EIO;
}

int command__scan(const struct mw_options *options)
{
	struct mw_tracker_options tracker_options = { .page_size =
							      (uint64_t)sysconf(_SC_PAGESIZE) };
	struct mw_tracker *tracker = NULL;
	struct mw_snapshot snapshot = { 0 };
	struct mw_proc_scan_stats stats = { 0 };
	uint64_t max_map_count = 0;
	char error[512];
	int err, status = MW_EXIT_FAILURE;

	if (output_check__options(options, error, sizeof(error))) {
		fprintf(stderr, "mapwatch: %s\n", error);
		return MW_EXIT_FAILURE;
	}
	err = sysctl__max_map_count(&max_map_count);
	if (err) {
		fprintf(stderr, "mapwatch: cannot read /proc/sys/vm/max_map_count: %s\n",
			strerror(-err));
		return MW_EXIT_FAILURE;
	}
	err = tracker__create(&tracker_options, &tracker);
	if (err) {
		fprintf(stderr, "mapwatch: out of memory\n");
		return MW_EXIT_FAILURE;
	}
	err = proc_seed__all(tracker, options, clock__monotonic_ns(), &stats);
	if (err) {
		fprintf(stderr, "mapwatch: cannot read /proc: %s\n", strerror(-err));
		goto cleanup;
	}
	if (stats.unreadable && options->verbosity)
		fprintf(stderr,
			"mapwatch: %llu processes could not be read (run as root to see all)\n",
			(unsigned long long)stats.unreadable);
	err = tracker__snapshot(tracker, clock__monotonic_ns(), clock__realtime_offset_seconds(),
				max_map_count, &snapshot);
	if (err) {
		fprintf(stderr, "mapwatch: out of memory\n");
		goto cleanup;
	}
	snapshot.source = "scan";

	if (options->json) {
		err = json_snapshot__write_stream(&snapshot, stdout);
	} else {
		text_report__print(stdout, &snapshot, NEAREST_LIMIT_SHOWN);
		if (stats.unreadable && geteuid() != 0)
			printf("(%llu processes not readable: run as root to see every process)\n",
			       (unsigned long long)stats.unreadable);
		err = 0;
	}
	if (!err)
		err = finish_stdout();
	if (err) {
		fprintf(stderr, "mapwatch: cannot write the %s to standard output: %s\n",
			options->json ? "snapshot" : "report", strerror(-err));
		goto cleanup;
	}
	if (write_outputs(options, &snapshot))
		goto cleanup;
	status = MW_EXIT_OK;

cleanup:
	snapshot__clear(&snapshot);
	tracker__destroy(tracker);
	return status;
}
