// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "promtool_check.h"

/*
 * deploy/reference.md ("Metrics") names these two gauges, and dashboards and alerts use the names;
 * promtool's linter keeps the _count suffix for histograms and summaries and
 * says so for each. Exactly these findings are accepted, nothing else.
 */
static const char *const contract_findings[] = {
	"mapwatch_max_map_count non-histogram and non-summary metrics should not have \"_count\" suffix",
	"mapwatch_process_map_count non-histogram and non-summary metrics should not have \"_count\" suffix",
};

/* promtool's exit statuses: 0 clean, 3 lint findings only; anything else did not parse. */
#define PROMTOOL_LINT_ONLY 3

static bool accepted(const char *line)
{
	for (size_t i = 0; i < sizeof(contract_findings) / sizeof(contract_findings[0]); i++)
		if (!strcmp(line, contract_findings[i]))
			return true;
	return false;
}

void promtool_check__textfile(const char *path)
{
	char command[PATH_MAX + 64], line[1024];
	FILE *promtool;
	int status;

	snprintf(command, sizeof(command), "promtool check metrics < '%s' 2>&1", path);
	promtool = popen(command, "r");
	cr_assert_not_null(promtool, "cannot run promtool: %s", strerror(errno));
	while (fgets(line, sizeof(line), promtool)) {
		line[strcspn(line, "\n")] = '\0';
		cr_expect(accepted(line), "promtool check metrics on %s: %s", path, line);
	}
	status = pclose(promtool);
	cr_assert(WIFEXITED(status), "promtool did not run to the end on %s", path);
	cr_assert(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == PROMTOOL_LINT_ONLY,
		  "promtool check metrics exited %d on %s (127: promtool is missing; it is in "
		  "Debian's prometheus package)",
		  WEXITSTATUS(status), path);
}
