// SPDX-License-Identifier: GPL-2.0
/*
 * End to end: the mapwatch agent against the reference store, idxstore. The
 * agent's snapshot entry for the store must equal both the store's own ground
 * truth and /proc/PID/maps: under the remap policy (the leak) and under
 * locked-unmap (the fix), and with the store started before the agent.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <stdlib.h>
#include <string.h>

#include "agent_runner.h"
#include "orphan_match.h"
#include "proc_truth.h"
#include "process_util.h"
#include "store_runner.h"

static struct agent_runner agent;
static struct store_runner store;

static void stop_everything(void)
{
	agent_runner__stop(&agent);
	store_runner__stop(&store);
}

TestSuite(store_agent, .fini = stop_everything, .timeout = 200);

static bool running_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

/*
 * Starts the agent; when it cannot start (no BPF, not root), fails under
 * CI=true and skips otherwise, after stopping what the test started: a
 * skipped test does not run the suite's fini.
 */
static void start_agent(void)
{
	char reason[4608];

	if (!agent_runner__start(&agent, reason, sizeof(reason)))
		return;
	stop_everything();
	if (running_in_ci())
		cr_assert_fail("%s", reason);
	cr_skip_test("%s (set CI=true to fail instead)", reason);
}

/* What a test compares, side by side. */
struct figures {
	json_int_t store_deleted_mappings_live;
	json_int_t store_remaps;
	json_int_t agent_orphaned_mappings; /* 0 when the process is absent */
	json_int_t agent_orphaned_bytes;
	json_int_t agent_resize_remaps;
	size_t truth_orphans;
	uint64_t truth_orphaned_bytes;
};

static json_int_t entry_field(json_t *entry, const char *name)
{
	json_t *value;

	/* A process is listed only when it has something to report: absent means zero. */
	if (!entry)
		return 0;
	value = json_object_get(entry, name);
	cr_assert(json_is_integer(value), "the snapshot entry has no integer \"%s\"", name);
	return json_integer_value(value);
}

/* The workload really rolled and deleted segments, so a zero below means something. */
static void expect_workload_ran(json_t *report)
{
	cr_assert_eq(store_report__field(report, "rolls"), 10);
	cr_assert_gt(store_report__field(report, "deletions"), 0,
		     "no segment was deleted: the sizes are too large to roll");
	cr_assert_gt(store_report__field(report, "resizes"), 0);
	cr_assert_eq(store_report__field(report, "lookup_errors"), 0);
}

/*
 * Reads /proc and the snapshot while the store stands still, compares their
 * orphans mapping by mapping and returns the figures; the snapshot entry of
 * the store is left in *@entry (borrowed from @snapshot).
 */
static void compare(const char *label, json_t *report, json_t *snapshot, json_t **entry,
		    struct figures *figures)
{
	struct orphan_list agent_orphans, truth_orphans;
	struct mw_truth_summary summary = { 0 };
	struct mw_vma *orphans = NULL;
	size_t count = 0;
	int err;

	err = proc_truth__orphans(store.pid, &orphans, &count, &summary);
	cr_assert_eq(err, 0, "reading /proc/%d/maps: %s", (int)store.pid, strerror(-err));
	*entry = agent_runner__process(snapshot, store.pid);

	figures->store_deleted_mappings_live = store_report__field(report, "deleted_mappings_live");
	figures->store_remaps = store_report__field(report, "remaps");
	figures->agent_orphaned_mappings = entry_field(*entry, "orphaned_mappings");
	figures->agent_orphaned_bytes = entry_field(*entry, "orphaned_bytes");
	figures->agent_resize_remaps = entry_field(*entry, "resize_remaps");
	figures->truth_orphans = count;
	figures->truth_orphaned_bytes = summary.orphaned_bytes;
	cr_log_info("%s: pid %d | store: deleted_mappings_live %lld, remaps %lld | "
		    "agent: %s, orphaned_mappings %lld, orphaned_bytes %lld, resize_remaps %lld | "
		    "/proc: orphans %zu, orphaned_bytes %llu",
		    label, (int)store.pid, (long long)figures->store_deleted_mappings_live,
		    (long long)figures->store_remaps, *entry ? "listed" : "not listed",
		    (long long)figures->agent_orphaned_mappings,
		    (long long)figures->agent_orphaned_bytes,
		    (long long)figures->agent_resize_remaps, figures->truth_orphans,
		    (unsigned long long)figures->truth_orphaned_bytes);

	orphan_list__from_snapshot(*entry, &agent_orphans);
	orphan_list__from_truth(orphans, count, &truth_orphans);
	cr_expect_eq((size_t)figures->agent_orphaned_mappings, agent_orphans.count,
		     "orphaned_mappings %lld but %zu orphans listed",
		     (long long)figures->agent_orphaned_mappings, agent_orphans.count);
	orphan_list__expect_same(&agent_orphans, &truth_orphans);
	orphan_list__free(&agent_orphans);
	orphan_list__free(&truth_orphans);
	free(orphans);
}

static void expect_orphan_counts_agree(const struct figures *figures)
{
	cr_expect_eq((size_t)figures->store_deleted_mappings_live, figures->truth_orphans,
		     "the store counts %lld deleted mappings, /proc shows %zu",
		     (long long)figures->store_deleted_mappings_live, figures->truth_orphans);
	cr_expect_eq((size_t)figures->agent_orphaned_mappings, figures->truth_orphans,
		     "the agent counts %lld orphaned mappings, /proc shows %zu",
		     (long long)figures->agent_orphaned_mappings, figures->truth_orphans);
	cr_expect_eq((uint64_t)figures->agent_orphaned_bytes, figures->truth_orphaned_bytes,
		     "the agent counts %lld orphaned bytes, /proc %llu",
		     (long long)figures->agent_orphaned_bytes,
		     (unsigned long long)figures->truth_orphaned_bytes);
}

/* The store renames a segment's files to ".deleted" before it unlinks them, as Kafka does. */
static void expect_deleted_suffix(json_t *entry)
{
	json_t *orphan;
	size_t index;

	json_array_foreach(json_object_get(entry, "orphans"), index, orphan)
	{
		const char *path = json_string_value(json_object_get(orphan, "path"));
		size_t length = path ? strlen(path) : 0;

		cr_expect(length > 8 && !strcmp(path + length - 8, ".deleted") &&
				  !strncmp(path, store.dir, strlen(store.dir)),
			  "orphan path %s is not a \".deleted\" file of the store", path);
	}
}

/*
 * Every orphan's deleted_seconds_ago: null when the file went before the
 * agent started (@known false), else an age no older than the agent.
 */
static void expect_ages(json_t *entry, bool known)
{
	double agent_age = clock__wall_seconds() - agent.started_wall_seconds;
	json_t *orphan;
	size_t index;

	json_array_foreach(json_object_get(entry, "orphans"), index, orphan)
	{
		json_t *age = json_object_get(orphan, "deleted_seconds_ago");

		cr_assert_not_null(age, "an orphan has no deleted_seconds_ago");
		if (known)
			cr_expect(json_is_number(age) && json_number_value(age) >= 0 &&
					  json_number_value(age) <= agent_age + 0.5,
				  "deleted_seconds_ago %s for a file deleted while the agent ran "
				  "(for %.1f s)",
				  json_is_number(age) ? "out of range" : "not a number", agent_age);
		else
			cr_expect(json_is_null(age),
				  "deleted_seconds_ago of a file deleted before the agent started "
				  "is %g, not null",
				  json_number_value(age));
	}
}

Test(store_agent, remap_policy_leak_matches_store_and_proc)
{
	struct figures figures;
	json_t *report, *snapshot, *entry;

	start_agent();
	report = store_runner__run_and_hold(&store, "remap");
	expect_workload_ran(report);
	cr_assert_gt(store_report__field(report, "deleted_mappings_live"), 0,
		     "under remap with collection off, deleted segments keep their mappings");
	cr_assert_gt(store_report__field(report, "remaps"), 0);

	snapshot = agent_runner__fresh_snapshot(&agent);
	compare("remap", report, snapshot, &entry, &figures);
	cr_assert_not_null(entry, "the store (pid %d) is not in the agent's snapshot",
			   (int)store.pid);
	expect_orphan_counts_agree(&figures);
	cr_expect_eq(figures.agent_resize_remaps, figures.store_remaps,
		     "the agent counts %lld resize remaps, the store made %lld",
		     (long long)figures.agent_resize_remaps, (long long)figures.store_remaps);
	expect_deleted_suffix(entry);
	expect_ages(entry, true);
	json_decref(snapshot);
	json_decref(report);
}

Test(store_agent, locked_unmap_policy_shows_nothing)
{
	struct figures figures;
	json_t *report, *snapshot, *entry;

	start_agent();
	report = store_runner__run_and_hold(&store, "locked-unmap");
	expect_workload_ran(report);
	cr_expect_eq(store_report__field(report, "remaps"), 0);
	cr_expect_eq(store_report__field(report, "deleted_mappings_live"), 0);

	snapshot = agent_runner__fresh_snapshot(&agent);
	compare("locked-unmap", report, snapshot, &entry, &figures);
	expect_orphan_counts_agree(&figures);
	cr_expect_eq(figures.truth_orphans, 0, "/proc shows orphans under locked-unmap");
	cr_expect_eq(figures.agent_orphaned_mappings, 0);
	cr_expect_eq(figures.agent_resize_remaps, 0,
		     "the agent counts %lld resize remaps under locked-unmap",
		     (long long)figures.agent_resize_remaps);
	json_decref(snapshot);
	json_decref(report);
}

Test(store_agent, store_started_before_agent_is_seeded_from_proc)
{
	struct figures figures;
	json_t *report, *snapshot, *entry;

	report = store_runner__run_and_hold(&store, "remap");
	expect_workload_ran(report);
	cr_assert_gt(store_report__field(report, "deleted_mappings_live"), 0);
	start_agent();

	snapshot = agent_runner__fresh_snapshot(&agent);
	compare("remap, seeded", report, snapshot, &entry, &figures);
	cr_assert_not_null(entry, "the store (pid %d) is not in the agent's snapshot",
			   (int)store.pid);
	expect_orphan_counts_agree(&figures);
	expect_deleted_suffix(entry);
	/* Every deletion happened before the agent existed: the agent cannot know when. */
	expect_ages(entry, false);
	json_decref(snapshot);
	json_decref(report);
}
