// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor for any /proc walk: read every /proc/PID/maps to its end and do
 * nothing with it, not even count lines. Prints how much it read.
 *
 * usage: bench_scan_raw_read
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	static char buffer[1 << 16];
	unsigned long files = 0, bytes = 0;
	struct dirent *entry;
	DIR *proc = opendir("/proc");

	if (!proc) {
		perror("bench_scan_raw_read: /proc");
		return 1;
	}
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
		while ((length = read(fd, buffer, sizeof(buffer))) > 0)
			bytes += length;
		close(fd);
		files++;
	}
	closedir(proc);
	printf("%lu files, %lu bytes\n", files, bytes);
	return 0;
}
