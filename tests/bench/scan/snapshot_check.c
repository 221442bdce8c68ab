// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_check.h"

static bool holds_one_orphan_under(json_t *process, const char *directory)
{
	json_t *orphans = json_object_get(process, "orphans");
	const char *path;

	if (!json_is_array(orphans) || json_array_size(orphans) != 1)
		return false;
	path = json_string_value(json_object_get(json_array_get(orphans, 0), "path"));
	return path && strncmp(path, directory, strlen(directory)) == 0;
}

long snapshot_check__orphan_holders(const char *path, const char *directory)
{
	FILE *file = fopen(path, "r");
	json_t *document, *processes, *process;
	json_error_t error;
	long holders = 0;
	size_t i;

	if (!file)
		return -errno;
	document = json_loadf(file, 0, &error);
	fclose(file);
	if (!document)
		return -EBADMSG;
	processes = json_object_get(document, "processes");
	if (json_integer_value(json_object_get(document, "version")) != 3 ||
	    !json_is_array(processes)) {
		json_decref(document);
		return -EBADMSG;
	}
	json_array_foreach(processes, i, process) holders +=
		holds_one_orphan_under(process, directory);
	json_decref(document);
	return holders;
}

long snapshot_check__lines_containing(const char *path, const char *text)
{
	FILE *file = fopen(path, "r");
	char *line = NULL;
	size_t capacity = 0;
	long lines = 0;

	if (!file)
		return -errno;
	while (getline(&line, &capacity, file) > 0)
		lines += strstr(line, text) != NULL;
	free(line);
	fclose(file);
	return lines;
}
