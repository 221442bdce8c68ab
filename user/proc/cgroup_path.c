// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cgroup_path.h"

int cgroup_path__mount(char *out, size_t size)
{
	FILE *mounts = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	int err = -ENOENT;

	if (!mounts)
		return -errno;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER" */
	while (err && fgets(line, sizeof(line), mounts)) {
		char mount_point[4096];
		const char *fields = strstr(line, " - ");

		if (!fields || strncmp(fields, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mount_point) != 1)
			continue;
		err = snprintf(out, size, "%s", mount_point) < (int)size ? 0 : -ENAMETOOLONG;
	}
	fclose(mounts);
	return err;
}

int cgroup_path__directory(const char *given, char *out, size_t size)
{
	char mount_point[4096];
	size_t length;
	int err = cgroup_path__mount(mount_point, sizeof(mount_point));

	if (err)
		return err;
	length = strlen(mount_point);
	if (!strncmp(given, mount_point, length) && (given[length] == '/' || !given[length]))
		return snprintf(out, size, "%s", given) < (int)size ? 0 : -ENAMETOOLONG;
	return snprintf(out, size, "%s%s", mount_point, strcmp(given, "/") ? given : "") < (int)size
		       ? 0
		       : -ENAMETOOLONG;
}

int cgroup_path__of_process(pid_t pid, char *out, size_t size)
{
	char path[64], line[4096];
	int err = -ENOENT;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	file = fopen(path, "r");
	if (!file)
		return errno == ENOENT ? -ESRCH : -errno;
	while (err && fgets(line, sizeof(line), file)) {
		size_t length = strlen(line);

		if (strncmp(line, "0::", 3))
			continue;
		if (length && line[length - 1] == '\n')
			line[--length] = '\0';
		err = snprintf(out, size, "%s", line + 3) < (int)size ? 0 : -ENAMETOOLONG;
	}
	fclose(file);
	return err;
}
