// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "sysctl.h"

int sysctl__read_u64(const char *path, uint64_t *value)
{
	char buffer[32], *end;
	unsigned long long parsed;
	ssize_t length;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	length = read(fd, buffer, sizeof(buffer) - 1);
	if (length < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buffer[length] = '\0';
	if (buffer[0] < '0' || buffer[0] > '9')
		return -EBADMSG;
	errno = 0;
	parsed = strtoull(buffer, &end, 10);
	if (errno || (*end != '\n' && *end != '\0'))
		return -EBADMSG;
	*value = parsed;
	return 0;
}

int sysctl__max_map_count(uint64_t *value)
{
	return sysctl__read_u64("/proc/sys/vm/max_map_count", value);
}
