// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "clock.h"
#include "commands.h"
#include "log_line.h"
#include "json_snapshot.h"
#include "orphan_cache.h"
#include "output_check.h"
#include "prometheus_textfile.h"
#include "report_names.h"
#include "seeded_tracker.h"
#include "terminal_text.h"
#include "text_report.h"
#include "tracker.h"

#define NEAREST_LIMIT_SHOWN 5

static int write_outputs(const struct mw_options *options, const struct mw_snapshot *snapshot)
{
	int err;

	if (options->snapshot_path) {
		err = json_snapshot__write_path(snapshot, options->snapshot_path);
		if (err) {
			log_line__print("cannot write snapshot %s: %s", options->snapshot_path,
					strerror(-err));
			return err;
		}
	}
	if (options->textfile_path) {
		err = prometheus_textfile__write_path(snapshot, options->top,
						      options->textfile_path);
		if (err) {
			log_line__print("cannot write textfile %s: %s", options->textfile_path,
					strerror(-err));
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

/*
 * A --pid that names no process is a check that cannot say anything: one
 * line for each, and the scan fails. A process that is there but was not
 * read (a kernel thread, no right to read it) is no error.
 */
static bool every_pid_exists(const struct mw_options *options, struct mw_tracker *tracker)
{
	bool all = true;

	for (size_t i = 0; i < options->pid_count; i++) {
		char path[32];
		struct stat status;

		snprintf(path, sizeof(path), "/proc/%u", options->pids[i]);
		if (tracker__has_process(tracker, options->pids[i]) || !stat(path, &status))
			continue;
		log_line__print("--pid %u: no such process", options->pids[i]);
		all = false;
	}
	return all;
}

static int print_report(const struct mw_options *options, const struct mw_snapshot *snapshot,
			const struct mw_proc_scan_stats *stats)
{
	bool utf8 = terminal_text__use_locale();
	int err;

	if (options->json)
		return json_snapshot__write_stream(snapshot, stdout);
	if (options->by_file)
		err = text_report__print_files(stdout, snapshot, utf8);
	else
		err = text_report__print(stdout, snapshot, NEAREST_LIMIT_SHOWN, utf8);
	if (!err && stats->unreadable && geteuid() != 0)
		printf("(%llu processes not readable: run as root to see every process)\n",
		       (unsigned long long)stats->unreadable);
	return err;
}

/* The processes the textfile lists: --top of them, every one for 0, none without one. */
static size_t textfile_processes(const struct mw_options *options)
{
	if (!options->textfile_path)
		return 0;
	return options->top ? options->top : SIZE_MAX;
}

int command__scan(const struct mw_options *options)
{
	/* one walk, one snapshot: state only for what the report lists */
	struct mw_tracker_options tracker_options = {
		.page_size = (uint64_t)sysconf(_SC_PAGESIZE),
		.snapshot_ranges = options->ranges,
		.keep_reported_mappings_only = true,
	};
	struct mw_seeded_tracker seeded = { 0 };
	struct mw_snapshot snapshot = { 0 };
	struct mw_proc_scan_stats stats = { 0 };
	char error[512];
	bool pids_found;
	int err, status = MW_EXIT_FAILURE;

	/*
	 * Into a file or a pipe, in large pieces: a report of a process with
	 * 250,000 orphaned mappings is ~20 MB, 5,000 writes at stdio's 4 KiB.
	 */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 256 * 1024);
	if (output_check__options(options, error, sizeof(error))) {
		log_line__print("%s", error);
		return MW_EXIT_FAILURE;
	}
	err = seeded_tracker__create(&seeded, &tracker_options, error, sizeof(error));
	if (!err)
		err = seeded_tracker__seed(&seeded, options, &stats, error, sizeof(error));
	if (err) {
		log_line__print("%s", error);
		goto cleanup;
	}
	if (stats.unreadable && options->verbosity)
		log_line__print("%llu processes could not be read (run as root to see all)",
				(unsigned long long)stats.unreadable);
	pids_found = every_pid_exists(options, seeded.tracker);
	err = tracker__snapshot(seeded.tracker, clock__monotonic_ns(),
				clock__realtime_offset_seconds(), seeded.max_map_count, &snapshot);
	if (err) {
		log_line__print("out of memory");
		goto cleanup;
	}
	snapshot.source = "scan";
	/* before the sums: containers are told by the cgroups read here */
	if (seeded.names_later &&
	    report_names__fill(&snapshot, textfile_processes(options), NEAREST_LIMIT_SHOWN)) {
		log_line__print("out of memory");
		goto cleanup;
	}
	orphan_cache__measure(&snapshot);

	err = print_report(options, &snapshot, &stats);
	if (!err)
		err = finish_stdout();
	if (err) {
		log_line__print("cannot write the %s to standard output: %s",
				options->json ? "snapshot" : "report", strerror(-err));
		goto cleanup;
	}
	if (write_outputs(options, &snapshot) || !pids_found)
		goto cleanup;
	/* cron and monitoring checks: a failure above wins over what was found */
	status = options->check && snapshot.orphaned_mappings ? MW_EXIT_ORPHANS_FOUND : MW_EXIT_OK;

cleanup:
	snapshot__clear(&snapshot);
	seeded_tracker__destroy(&seeded);
	return status;
}
