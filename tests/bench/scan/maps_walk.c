// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "maps_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int maps_walk__read_all(bool count_lines, struct maps_walk_totals *totals)
{
	static char buffer[1 << 16];
	struct dirent *entry;
	DIR *proc = opendir("/proc");

	*totals = (struct maps_walk_totals){ 0 };
	if (!proc)
		return -errno;
	while ((entry = readdir(proc))) {
		char name[300];
		ssize_t length;
		int fd;

		if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
			continue;
		snprintf(name, sizeof(name), "%s/maps", entry->d_name);
		fd = openat(dirfd(proc), name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* exited meanwhile */
		while ((length = read(fd, buffer, sizeof(buffer))) > 0) {
			totals->bytes += length;
			if (count_lines)
				for (ssize_t i = 0; i < length; i++)
					totals->lines += buffer[i] == '\n';
		}
		close(fd);
		totals->files++;
	}
	closedir(proc);
	return 0;
}
