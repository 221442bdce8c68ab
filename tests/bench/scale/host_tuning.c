// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host_tuning.h"

long host_tuning__read(const char *path)
{
	char text[64];
	ssize_t length;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	length = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (length <= 0)
		return length < 0 ? -errno : -EIO;
	text[length] = '\0';
	return strtol(text, NULL, 10);
}

static int write_value(const char *path, long value)
{
	char text[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	int length = snprintf(text, sizeof(text), "%ld\n", value);

	if (fd < 0)
		return -errno;
	if (write(fd, text, length) != length)
		err = -errno;
	close(fd);
	return err;
}

int host_tuning__raise(struct host_tuning *tuning, const char *path, long minimum)
{
	long current = host_tuning__read(path);
	int err;

	if (current < 0)
		return (int)current;
	if (current >= minimum)
		return 0;
	if (tuning->raised_count == HOST_TUNING_SYSCTLS)
		return -ENOSPC;
	err = write_value(path, minimum);
	if (err)
		return err;
	tuning->raised[tuning->raised_count++] = (struct host_sysctl){ path, current };
	return 1;
}

int host_tuning__mount_tmpfs(struct host_tuning *tuning, const char *path)
{
	if (mkdir(path, 0700))
		return -errno;
	/* nr_inodes and size well past what the fixtures need: the default is half of RAM */
	if (mount("mapwatch-bench", path, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0700,size=1g,nr_inodes=65536")) {
		int err = -errno;

		rmdir(path);
		return err;
	}
	snprintf(tuning->mount_point, sizeof(tuning->mount_point), "%s", path);
	return 0;
}

void host_tuning__restore(struct host_tuning *tuning)
{
	if (tuning->mount_point[0]) {
		/* lazily when busy: a process that outlived its kill still lets go later */
		if (umount2(tuning->mount_point, 0))
			umount2(tuning->mount_point, MNT_DETACH);
		rmdir(tuning->mount_point);
		tuning->mount_point[0] = '\0';
	}
	/* newest first: two changes of one file end at the oldest value */
	while (tuning->raised_count > 0) {
		struct host_sysctl *raised = &tuning->raised[--tuning->raised_count];
		int err = write_value(raised->path, raised->original);

		if (err)
			fprintf(stderr, "bench_scale: cannot restore %s to %ld: %s\n", raised->path,
				raised->original, strerror(-err));
	}
}

long host_tuning__slab_object_size(const char *cache)
{
	FILE *file = fopen("/proc/slabinfo", "re");
	char line[512], name[128];
	unsigned long active, total, size;
	long found = -ENOENT;

	if (!file)
		return -errno;
	while (found < 0 && fgets(line, sizeof(line), file))
		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &total, &size) == 4 &&
		    !strcmp(name, cache))
			found = (long)size;
	fclose(file);
	return found;
}

long host_tuning__threads(void)
{
	FILE *file = fopen("/proc/loadavg", "re");
	long running, total;
	int fields;

	if (!file)
		return -errno;
	fields = fscanf(file, "%*s %*s %*s %ld/%ld", &running, &total);
	fclose(file);
	return fields == 2 ? total : -EIO;
}
