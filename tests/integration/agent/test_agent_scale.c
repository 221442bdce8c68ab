// SPDX-License-Identifier: GPL-2.0
/* 10,000 orphans in one process: counted exactly, and how soon the agent shows them all. */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "test_deadline.h"
#include "truth_check.h"

#define ORPHANS 10000
/* far below vm.max_map_count (65530): the process stays healthy */
#define CONVERGE_TIMEOUT_NS TEST_DEADLINE_NS

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_scale, .init = setup, .timeout = 300);

Test(agent_scale, ten_thousand_orphans_in_one_process_counted_exactly)
{
	struct scenario_orphan_files files = { .page = (size_t)sysconf(_SC_PAGESIZE),
					       .count = ORPHANS };
	struct scenario scenario;
	struct truth before, truth;
	json_t *snapshot = NULL, *entry;
	uint64_t last_unlink_ns, shown_ns, expected;
	int refreshes = 0;

	harness__make_dir(harness__work_dir(), files.dir, sizeof(files.dir));
	scenario__start(&scenario, scenario__orphan_files_step, &files);
	/* what the child inherited from the test process (the test runner's own files) */
	truth__read(scenario.pid, &before);
	expected = before.count + ORPHANS;
	truth__free(&before);

	last_unlink_ns = scenario__step(&scenario, 0);
	for (;;) {
		snapshot = harness__fresh_snapshot();
		refreshes++;
		entry = harness__snapshot_process(snapshot, scenario.pid);
		if (entry && (uint64_t)json_integer_value(
				     json_object_get(entry, "orphaned_mappings")) == expected)
			break;
		cr_assert_lt(harness__now_ns() - last_unlink_ns, CONVERGE_TIMEOUT_NS,
			     "after %llu s the agent shows %lld of %llu orphans",
			     CONVERGE_TIMEOUT_NS / 1000000000ull,
			     entry ? json_integer_value(json_object_get(entry, "orphaned_mappings"))
				   : 0,
			     (unsigned long long)expected);
		json_decref(snapshot);
	}
	shown_ns = harness__now_ns();
	cr_log_info("%d orphans shown %.1f ms after the last unlink (%d snapshot%s)", ORPHANS,
		    (double)(shown_ns - last_unlink_ns) / 1e6, refreshes, refreshes > 1 ? "s" : "");
	fprintf(stderr, "agent_scale: %d orphans shown %.1f ms after the last unlink\n", ORPHANS,
		(double)(shown_ns - last_unlink_ns) / 1e6);

	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth.count, expected);
	cr_assert_not_null(entry);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(files.dir);
}

