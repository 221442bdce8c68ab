// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <sys/stat.h>
#include "textfile_default.h"

const char *textfile_default__path(const char *node_exporter_directory, char *buffer, size_t size)
{
	struct stat status;

	if (stat(node_exporter_directory, &status) == 0 && S_ISDIR(status.st_mode))
		snprintf(buffer, size, "%s/%s", node_exporter_directory, TEXTFILE_DEFAULT_NAME);
	else
		snprintf(buffer, size, "%s", TEXTFILE_DEFAULT_NAME);
	return buffer;
}
