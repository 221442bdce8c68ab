// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where a plain `mapwatch agent` writes its textfile. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "textfile_default.h"

static char directory[] = "/tmp/mapwatch-textfile-default.XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(directory));
}

static void teardown(void)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/plain", directory);
	unlink(file);
	rmdir(directory);
}

TestSuite(textfile_default, .init = setup, .fini = teardown);

Test(textfile_default, debian_node_exporter_directory)
{
	cr_assert_str_eq(TEXTFILE_DEFAULT_DIRECTORY, "/var/lib/prometheus/node-exporter");
}

Test(textfile_default, inside_the_node_exporter_directory_when_it_exists)
{
	char buffer[PATH_MAX], expected[PATH_MAX];

	snprintf(expected, sizeof(expected), "%s/mapwatch.prom", directory);
	cr_assert_str_eq(textfile_default__path(directory, buffer, sizeof(buffer)), expected);
}

Test(textfile_default, in_the_working_directory_otherwise)
{
	char buffer[PATH_MAX], missing[PATH_MAX], plain[PATH_MAX];
	FILE *file;

	snprintf(missing, sizeof(missing), "%s/no-such-directory", directory);
	cr_assert_str_eq(textfile_default__path(missing, buffer, sizeof(buffer)), "mapwatch.prom");
	/* a file where the directory would be is no directory */
	snprintf(plain, sizeof(plain), "%s/plain", directory);
	file = fopen(plain, "w");
	cr_assert_not_null(file);
	fclose(file);
	cr_assert_str_eq(textfile_default__path(plain, buffer, sizeof(buffer)), "mapwatch.prom");
}
