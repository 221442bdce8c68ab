// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Naming after the walk: only the processes some output shows are read. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc_scan.h"
#include "report_names.h"

/* Six reports, all of this process (so each can be named), by snapshot order. */
static struct mw_snapshot snapshot;
static char own_comm[MW_COMM_LEN];

static void setup(void)
{
	static const uint64_t map_counts[] = { 10, 900, 20, 30, 800, 40 };

	cr_assert_eq(proc_scan__read_comm(getpid(), own_comm), 0);
	memset(&snapshot, 0, sizeof(snapshot));
	snapshot.process_count = 6;
	snapshot.processes = calloc(6, sizeof(*snapshot.processes));
	for (size_t i = 0; i < 6; i++) {
		snapshot.processes[i].pid = (uint32_t)getpid();
		snapshot.processes[i].map_count = map_counts[i];
	}
	snapshot.processes[0].orphaned_mappings = 1;
	snapshot.processes[3].stale_mappings = 1;
}

static void teardown(void)
{
	snapshot__clear(&snapshot);
}

TestSuite(report_names, .init = setup, .fini = teardown);

static bool named(size_t i)
{
	return !strcmp(snapshot.processes[i].comm, own_comm);
}

Test(report_names, notable_nearest_and_the_textfile_s_first)
{
	/* the first 2 for the textfile, the 2 with the most mappings for the text report */
	cr_assert_eq(report_names__fill(&snapshot, 2, 2), 0);
	cr_assert(named(0), "notable and first");
	cr_assert(named(1), "first, and the most mappings");
	cr_assert_not(named(2));
	cr_assert(named(3), "notable");
	cr_assert(named(4), "second most mappings");
	cr_assert_not(named(5));
	/* the cgroup comes with the name: v2 hosts give one to every process */
	if (!access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		cr_assert_not_null(snapshot.processes[0].cgroup);
	cr_assert_null(snapshot.processes[2].cgroup);
}

Test(report_names, every_process_when_the_textfile_lists_all)
{
	cr_assert_eq(report_names__fill(&snapshot, SIZE_MAX, 0), 0);
	for (size_t i = 0; i < 6; i++)
		cr_assert(named(i), "report %zu", i);
}

Test(report_names, a_process_gone_keeps_no_name)
{
	snapshot.processes[0].pid = 0x7ffffff0; /* above any pid_max */
	cr_assert_eq(report_names__fill(&snapshot, 0, 0), 0);
	cr_assert_str_eq(snapshot.processes[0].comm, "");
	cr_assert_null(snapshot.processes[0].cgroup);
	cr_assert(named(3));
}
