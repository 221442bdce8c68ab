// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

/* The rest of @given after the mount point when @given is under it, else NULL. */
static const char *after_mount(const char *given, const char *mount_point)
{
	size_t length = strlen(mount_point);

	if (!strncmp(given, mount_point, length) && (given[length] == '/' || !given[length]))
		return given + length;
	return NULL;
}

int cgroup_path__directory(const char *given, char *out, size_t size)
{
	char mount_point[4096];
	int err = cgroup_path__mount(mount_point, sizeof(mount_point));

	if (err)
		return err;
	if (after_mount(given, mount_point))
		return snprintf(out, size, "%s", given) < (int)size ? 0 : -ENAMETOOLONG;
	return snprintf(out, size, "%s%s", mount_point, strcmp(given, "/") ? given : "") < (int)size
		       ? 0
		       : -ENAMETOOLONG;
}

/*
 * Read for every process at seeding and for each new one after: one open and
 * one read, no stdio. A v1 or hybrid host lists a line per hierarchy; the v2
 * one is "0::PATH", last.
 */
int cgroup_path__of_process(pid_t pid, char *out, size_t size)
{
	char path[64], text[PATH_MAX + 1024];
	const char *line;
	ssize_t length;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	length = read(fd, text, sizeof(text) - 1);
	if (length < 0) {
		int err = errno == ESRCH ? -ESRCH : -errno;

		close(fd);
		return err;
	}
	close(fd);
	text[length] = '\0';
	for (line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		size_t path_length = (size_t)(end - line) - 3;

		if (end - line >= 3 && !strncmp(line, "0::", 3)) {
			if (path_length >= size)
				return -ENAMETOOLONG;
			memcpy(out, line + 3, path_length);
			out[path_length] = '\0';
			return 0;
		}
		line = *end ? end + 1 : end;
	}
	/* a process that exited leaves an empty file */
	return length == 0 ? -ESRCH : -ENOENT;
}

int cgroup_path__relative(const char *given, char *out, size_t size)
{
	char mount_point[4096];
	const char *rest;
	size_t length;
	int err = cgroup_path__mount(mount_point, sizeof(mount_point));

	if (err)
		return err;
	rest = after_mount(given, mount_point);
	if (rest)
		given = rest;
	length = strlen(given);
	/* "/a/b/" is "/a/b"; "" and "/" are the root */
	while (length > 1 && given[length - 1] == '/')
		length--;
	if (!length)
		given = "/", length = 1;
	if (length >= size)
		return -ENAMETOOLONG;
	memcpy(out, given, length);
	out[length] = '\0';
	return 0;
}

bool cgroup_path__within(const char *path, const char *subtree)
{
	size_t length = strlen(subtree);

	if (!strcmp(subtree, "/"))
		return path[0] == '/';
	return !strncmp(path, subtree, length) && (path[length] == '\0' || path[length] == '/');
}
