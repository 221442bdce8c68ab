// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --pid, --comm and --cgroup as the /proc side applies them. */
#include <criterion/criterion.h>
#include <string.h>
#include "process_filter.h"

static struct mw_options options;
static struct mw_process_filter filter;

/* A filter on @pids and @comms as the options hold them, with no --cgroup. */
static void make_filter(const uint32_t *pids, size_t pid_count, const char *const *comms,
			size_t comm_count)
{
	char error[256];

	memset(&options, 0, sizeof(options));
	for (size_t i = 0; i < pid_count; i++)
		options.pids[options.pid_count++] = pids[i];
	for (size_t i = 0; i < comm_count; i++)
		snprintf(options.comms[options.comm_count++], sizeof(options.comms[0]), "%s",
			 comms[i]);
	cr_assert_eq(process_filter__init(&filter, &options, error, sizeof(error)), 0, "%s", error);
}

Test(process_filter, no_filter_keeps_every_process)
{
	make_filter(NULL, 0, NULL, 0);
	cr_assert(process_filter__may_match(&filter, 1, "init"));
	cr_assert(process_filter__matches(&filter, 1, "init", NULL));
	cr_assert(process_filter__matches(&filter, 1, "init", "/system.slice"));
}

/* What --pid and --comm leave out is out before its cgroup is read, and stays out after. */
Test(process_filter, pid_and_comm_decide_before_the_cgroup)
{
	static const uint32_t pids[] = { 42, 7 };
	static const char *const comms[] = { "java" };

	make_filter(pids, 2, NULL, 0);
	cr_assert(process_filter__may_match(&filter, 42, "java"));
	cr_assert(process_filter__matches(&filter, 42, "java", NULL));
	cr_assert_not(process_filter__may_match(&filter, 43, "java"));
	cr_assert_not(process_filter__matches(&filter, 43, "java", "/"));

	make_filter(NULL, 0, comms, 1);
	cr_assert(process_filter__may_match(&filter, 43, "java"));
	cr_assert_not(process_filter__may_match(&filter, 43, "kafka"));
	cr_assert_not(process_filter__matches(&filter, 43, "kafka", "/"));
}
