// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The report `mapwatch scan` prints, written to memory and read line by line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_fixture.h"
#include "text_report.h"

static struct mw_snapshot snapshot;
static char *report;

static void print_report(void)
{
	size_t size = 0;
	FILE *stream = open_memstream(&report, &size);

	cr_assert_not_null(stream);
	cr_assert_eq(text_report__print(stream, &snapshot, 5, false), 0);
	cr_assert_eq(fclose(stream), 0);
}

static void setup(void)
{
	snapshot_fixture__fill(&snapshot);
}

static void teardown(void)
{
	free(report);
	report = NULL;
	snapshot__clear(&snapshot);
}

TestSuite(text_report, .init = setup, .fini = teardown);

/* The whole line of the report that starts with @prefix, or NULL. */
static char *line_starting(const char *prefix)
{
	static char line[512];

	for (const char *at = report; at && *at;) {
		const char *end = strchr(at, '\n');
		size_t length = end ? (size_t)(end - at) : strlen(at);

		if (!strncmp(at, prefix, strlen(prefix)) && length < sizeof(line)) {
			memcpy(line, at, length);
			line[length] = '\0';
			return line;
		}
		at = end ? end + 1 : NULL;
	}
	return NULL;
}

Test(text_report, ranges_are_spelled_as_proc_maps_spells_them)
{
	print_report();
	/* at least eight hex digits, as the kernel pads them; longer ones whole */
	cr_assert_str_eq(line_starting("    00001000-"),
			 "    00001000-00003000 103:01 12         /var/lib/old \"quoted\".index  "
			 "(deleted before start)");
	cr_assert_str_eq(
		line_starting("    7f3fc1800000-"),
		"    7f3fc1800000-7f3fc2200000 fe:00 9440471    "
		"/kafka-logs/t-4/00000000000000461285.timeindex.deleted  (deleted 12.5s ago)");
}

Test(text_report, every_listed_range_gets_a_line_and_the_rest_a_count)
{
	struct mw_process_report *java = &snapshot.processes[0];
	struct mw_orphan *orphan = &java->orphans[0];
	static const struct mw_orphan_range ranges[] = {
		{ 0, 0x1000, 0 },
		{ 0xfffff000, 0x100000000, 0 },
		{ 0xfffffffffffff000, 0xffffffffffffffff, 0 },
	};

	free(orphan->ranges);
	orphan->ranges = malloc(sizeof(ranges));
	memcpy(orphan->ranges, ranges, sizeof(ranges));
	orphan->range_count = 3;
	java->orphan_ranges_omitted = 4;
	print_report();
	cr_assert_not_null(line_starting("    00000000-00001000 103:01 12 "));
	cr_assert_not_null(line_starting("    fffff000-100000000 103:01 12 "));
	cr_assert_not_null(line_starting("    fffffffffffff000-ffffffffffffffff 103:01 12 "));
	cr_assert_str_eq(line_starting("    (4 more"), "    (4 more orphaned mappings not listed)");
}
