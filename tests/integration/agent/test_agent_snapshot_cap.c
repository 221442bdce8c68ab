// SPDX-License-Identifier: GPL-2.0
/* The agent's cap on the orphaned mappings its snapshot lists: the first ones listed, all counted. */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "test_deadline.h"
#include "truth_check.h"

/*
 * Ten times the cap, each its own file: grouping by file cannot shrink the
 * snapshot, only the cap keeps it within 64 bytes an orphaned mapping.
 */
#define ORPHANS 10000

static void stop_agent(void)
{
	harness__stop_agent();
}

/*
 * The agent's own default: the snapshot lists the process's lowest thousand
 * orphaned mappings, exactly /proc's, counts the rest, and stays small (each
 * orphan a file of its own here, the case grouping cannot shrink).
 */
Test(agent_snapshot_cap, the_default_cap_lists_a_thousand_and_counts_the_rest, .fini = stop_agent,
     .timeout = 300)
{
	struct scenario_orphan_files files = { .page = (size_t)sysconf(_SC_PAGESIZE),
					       .count = ORPHANS };
	json_t *snapshot = NULL, *entry, *mappings;
	struct scenario scenario;
	struct truth truth;
	uint64_t last_unlink_ns, expected;
	struct stat written;
	char path[PATH_MAX], pid[32];

	/*
	 * The agent watches this process alone: the size bound is this process's,
	 * and other processes on the host with orphans of their own would add theirs.
	 */
	harness__make_dir("/tmp", files.dir, sizeof(files.dir));
	scenario__start(&scenario, scenario__orphan_files_step, &files);
	snprintf(pid, sizeof(pid), "%d", (int)scenario.pid);
	harness__start_agent_with((const char *const[]){ "--ranges", "1000", "--pid", pid, NULL });
	harness__require_agent();
	last_unlink_ns = scenario__step(&scenario, 0);
	for (;;) {
		snapshot = harness__fresh_snapshot();
		truth__read(scenario.pid, &truth);
		expected = truth.count;
		entry = harness__snapshot_process(snapshot, scenario.pid);
		if (entry && (uint64_t)json_integer_value(
				     json_object_get(entry, "orphaned_mappings")) == expected)
			break;
		truth__free(&truth);
		cr_assert_lt(harness__now_ns() - last_unlink_ns, TEST_DEADLINE_NS,
			     "the agent does not show the %llu orphans",
			     (unsigned long long)expected);
		json_decref(snapshot);
	}
	cr_assert_geq(expected, ORPHANS);
	mappings = truth__orphan_mappings(entry);
	cr_assert_eq(json_array_size(mappings), 1000);
	cr_assert_eq(json_integer_value(json_object_get(entry, "orphan_ranges_omitted")),
		     (json_int_t)(expected - 1000));
	cr_assert_eq(json_array_size(json_object_get(entry, "orphans")), 1000,
		     "only files with a listed mapping are listed");
	/* the lowest thousand, as /proc has them */
	for (size_t i = 0; i < 1000; i++) {
		char start[24];

		snprintf(start, sizeof(start), "%08llx", (unsigned long long)truth.orphans[i].start);
		cr_assert_str_eq(json_string_value(
					 json_object_get(json_array_get(mappings, i), "start")),
				 start, "listed mapping %zu", i);
	}
	/* the snapshot file sits beside the textfile */
	snprintf(path, sizeof(path), "%s", harness__textfile_path());
	strcpy(strrchr(path, '/') + 1, "snapshot.json");
	cr_assert_eq(stat(path, &written), 0);
	cr_assert_leq(written.st_size, 64 * (off_t)expected, "%lld bytes for %llu orphans",
		      (long long)written.st_size, (unsigned long long)expected);
	json_decref(mappings);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(files.dir);
}
