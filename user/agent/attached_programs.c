// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include "attached_programs.h"

size_t attached_programs__count(void)
{
	size_t links = 0, perf_events = 0;
	struct dirent *entry;
	DIR *fds = opendir("/proc/self/fd");

	if (!fds)
		return 0;
	while ((entry = readdir(fds))) {
		char target[64];
		ssize_t length = readlinkat(dirfd(fds), entry->d_name, target, sizeof(target) - 1);

		if (length <= 0)
			continue;
		target[length] = '\0';
		if (!strcmp(target, "anon_inode:bpf_link"))
			links++;
		else if (!strcmp(target, "anon_inode:[perf_event]"))
			perf_events++;
	}
	closedir(fds);
	return links ? links : perf_events;
}
