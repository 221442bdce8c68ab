// SPDX-License-Identifier: MIT
/*
 * Readers looking up offsets and timestamps while the writer appends, rolls
 * (trim resizes) and retention deletes segments. Every answer is checked by
 * the readers; a fault or a sanitizer report kills the test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "idxstore/store.h"
#include "idxstore/workload.h"
#include "scratch_dir.h"

static char dir[] = "/tmp/idxstore-stress-XXXXXX";

static void setup(void)
{
	scratch_dir__create(dir);
}

static void teardown(void)
{
	scratch_dir__remove(dir);
}

TestSuite(stress, .init = setup, .fini = teardown, .timeout = 60);

static void stress(enum resize_policy policy, double collect_delay, const char *name)
{
	struct store_options options;
	struct workload_options workload;
	struct idxstore_stats *stats;
	char where[256], err[256] = "";
	struct store *store;

	snprintf(where, sizeof(where), "%s/%s", dir, name);
	store_options__defaults(&options);
	options.dir = where;
	options.policy = policy;
	options.partitions = 3;
	options.segment_bytes = 16 * 1024;
	options.index_interval = 128;
	options.index_max_bytes = 16 * 1024;
	options.retention_segments = 2;
	options.file_delete_delay = 0;
	options.collect_delay = collect_delay;
	workload_options__defaults(&workload);
	workload.readers = 4;
	/* a count of rolls, not a duration: on a busy host a second holds too few */
	workload.rolls = 30;
	workload.duration = 0;
	workload.seed = 42;

	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(workload__run(store, &workload, NULL, NULL, NULL), 0);
	store__drain_deletions(store);
	stats = store__stats(store);
	cr_log_info("%s: %lu lookups, %lu rolls, %lu deletions, %lu resizes", name,
		    (unsigned long)stats->lookups, (unsigned long)stats->rolls,
		    (unsigned long)stats->deletions, (unsigned long)stats->resizes);
	cr_assert_gt(stats->lookups, 1000);
	cr_assert_geq(stats->rolls, 30, "the workload stopped before its 30 rolls");
	cr_assert_gt(stats->deletions, 10);
	cr_assert_eq(stats->lookup_errors, 0, "%lu lookups returned a wrong answer",
		     (unsigned long)stats->lookup_errors);
	if (policy == RESIZE_POLICY_LOCKED_UNMAP) {
		cr_assert_eq(stats->remaps, 0);
		cr_assert_eq(stats->deleted_mappings_live, 0);
	} else {
		cr_assert_eq(stats->remaps, stats->resizes);
	}
	cr_assert_eq(store__close(store), 0);
}

Test(stress, locked_unmap_readers_resizes_deletions)
{
	stress(RESIZE_POLICY_LOCKED_UNMAP, CLEANER_NEVER, "locked");
}

/* The cleaner unmaps as soon as the grace period allows: the race readers must survive. */
Test(stress, remap_with_an_eager_cleaner)
{
	stress(RESIZE_POLICY_REMAP, 0, "remap-eager");
}

Test(stress, remap_with_a_cleaner_that_never_runs)
{
	stress(RESIZE_POLICY_REMAP, CLEANER_NEVER, "remap-never");
}
