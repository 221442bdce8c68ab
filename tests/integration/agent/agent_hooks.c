// SPDX-License-Identifier: GPL-2.0
/* One agent for the whole executable: started before the first test, stopped after the last. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "agent_harness.h"

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
	(void)tests;
	harness__start_agent();
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	harness__stop_agent();
}
