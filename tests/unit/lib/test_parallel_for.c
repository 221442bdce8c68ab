// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include "parallel_for.h"

#define ITEMS 100000

struct visits {
	atomic_int counts[ITEMS];
	atomic_int calls;
	pthread_t caller;
	atomic_bool off_the_caller;
	size_t fail_at; /* ITEMS: never */
};

static struct visits visits;

static int visit(size_t index, void *ctx)
{
	struct visits *seen = ctx;

	atomic_fetch_add(&seen->counts[index], 1);
	atomic_fetch_add(&seen->calls, 1);
	if (!pthread_equal(pthread_self(), seen->caller))
		atomic_store(&seen->off_the_caller, true);
	return index == seen->fail_at ? -EIO : 0;
}

/*
 * Item 0 waits until another thread has worked on an item: with a helper to
 * be had, one comes however slowly threads start on a busy machine; without,
 * it does not wait at all.
 */
static int wait_for_company(size_t index, void *ctx)
{
	struct visits *seen = ctx;
	struct timespec pause = { 0, 1000000 };

	if (index == 0 && parallel_for__helpers(3) > 0)
		for (int waited = 0; waited < 60000 && !atomic_load(&seen->off_the_caller);
		     waited++)
			nanosleep(&pause, NULL);
	return visit(index, ctx);
}

static void reset(size_t fail_at)
{
	for (size_t i = 0; i < ITEMS; i++)
		atomic_init(&visits.counts[i], 0);
	atomic_init(&visits.calls, 0);
	atomic_init(&visits.off_the_caller, false);
	visits.caller = pthread_self();
	visits.fail_at = fail_at;
}

Test(parallel_for, every_item_is_worked_on_exactly_once)
{
	reset(ITEMS);
	cr_assert_eq(parallel_for__each(ITEMS, 64, wait_for_company, &visits), 0);
	for (size_t i = 0; i < ITEMS; i++)
		cr_assert_eq(atomic_load(&visits.counts[i]), 1, "item %zu: %d times", i,
			     atomic_load(&visits.counts[i]));
	/* on a machine of one CPU the caller's thread does it all */
	cr_assert_eq(atomic_load(&visits.off_the_caller), parallel_for__helpers(3) > 0);
}

Test(parallel_for, few_items_stay_on_the_callers_thread)
{
	reset(ITEMS);
	cr_assert_eq(parallel_for__each(63, 64, visit, &visits), 0);
	cr_assert_eq(atomic_load(&visits.calls), 63);
	cr_assert_eq(atomic_load(&visits.off_the_caller), false);
	cr_assert_eq(parallel_for__each(0, 0, visit, &visits), 0);
	cr_assert_eq(atomic_load(&visits.calls), 63);
}

Test(parallel_for, an_error_comes_back_and_stops_what_has_not_started)
{
	reset(1000);
	cr_assert_eq(parallel_for__each(ITEMS, 64, visit, &visits), -EIO);
	cr_assert_eq(atomic_load(&visits.counts[1000]), 1);
	/* threads finish the chunk they hold, then take no more */
	cr_assert_lt(atomic_load(&visits.calls), ITEMS / 2);
}
