// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What top keeps between refreshes: the event rate and each process's history. */
#include <criterion/criterion.h>
#include "top_fixture.h"
#include "top_history.h"

static struct mw_top_history model;

static void setup(void)
{
	top_history__init(&model);
}

static void teardown(void)
{
	top_history__clear(&model);
}

TestSuite(top_history, .init = setup, .fini = teardown);

static void take(double timestamp, uint64_t mmaps, uint64_t exits, uint32_t pid, const char *comm,
		 uint64_t map_count)
{
	struct mw_snapshot snapshot;

	top_fixture__snapshot(&snapshot, timestamp);
	snapshot.events_by_type[MW_EVENT_MMAP] = mmaps;
	snapshot.events_by_type[MW_EVENT_EXIT] = exits;
	if (pid)
		top_fixture__process(&snapshot, pid, comm, map_count);
	cr_assert_eq(top_history__update(&model, &snapshot), 0);
	cr_assert_null(snapshot.processes, "the model takes the snapshot's processes");
}

Test(top_history, events_per_second_between_two_snapshots)
{
	take(100, 10, 0, 0, NULL, 0);
	cr_assert_not(model.has_event_rate);
	take(102, 410, 100, 0, NULL, 0);
	cr_assert(model.has_event_rate);
	cr_assert_float_eq(model.events_per_second, 250, 1e-9);
	take(102.5, 410, 100, 0, NULL, 0);
	cr_assert_float_eq(model.events_per_second, 0, 1e-9);
	cr_assert_float_eq(model.first_timestamp, 100, 1e-9);
	cr_assert_float_eq(model.snapshot.timestamp, 102.5, 1e-9);
}

Test(top_history, history_of_each_process)
{
	const struct mw_top_process_history *history;

	for (int i = 0; i < 5; i++)
		take(100 + i, 0, 0, 42, "java", 800 + (uint64_t)i);
	history = top_history__history(&model, 42);
	cr_assert_not_null(history);
	cr_assert_eq(history->length, 5);
	cr_assert_eq(top_process_history__sample(history, 0)->map_count, 800);
	cr_assert_eq(top_process_history__sample(history, 4)->map_count, 804);
	cr_assert_float_eq(top_process_history__sample(history, 4)->timestamp, 104, 1e-9);
	cr_assert_not_null(top_history__process(&model, 42));
	/* the pid taken by another program: a new history */
	take(105, 0, 0, 42, "bash", 30);
	history = top_history__history(&model, 42);
	cr_assert_eq(history->length, 1);
	cr_assert_str_eq(history->comm, "bash");
}

Test(top_history, history_keeps_the_newest_and_forgets_exited_processes)
{
	const struct mw_top_process_history *history;

	for (int i = 0; i < TOP_HISTORY_SAMPLES + 10; i++)
		take(i, 0, 0, 42, "java", (uint64_t)i);
	history = top_history__history(&model, 42);
	cr_assert_eq(history->length, TOP_HISTORY_SAMPLES);
	cr_assert_eq(top_process_history__sample(history, 0)->map_count, 10);
	cr_assert_eq(top_process_history__sample(history, TOP_HISTORY_SAMPLES - 1)->map_count,
		     TOP_HISTORY_SAMPLES + 9);
	/* gone from the snapshots: remembered for a while for the detail view, then dropped */
	take(1000, 0, 0, 0, NULL, 0);
	cr_assert_null(top_history__process(&model, 42));
	cr_assert_not_null(top_history__history(&model, 42));
	for (int i = 0; i < TOP_HISTORY_SAMPLES; i++)
		take(1001 + i, 0, 0, 0, NULL, 0);
	cr_assert_null(top_history__history(&model, 42));
}
