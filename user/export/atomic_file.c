// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"

#define TEMP_SUFFIX ".tmp.XXXXXX"

/* The rename is durable only once the directory entry is on disk too. */
static int sync_directory_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (fsync(fd) && errno != EINVAL) /* some filesystems cannot sync a directory */
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

/* Runs the writer and makes the result durable; closes @file in every case. */
static int fill_temp(FILE *file, atomic_file_writer writer, void *ctx)
{
	int err;

	err = writer(file, ctx);
	if (!err && fflush(file))
		err = -errno;
	if (!err && ferror(file))
		err = -EIO;
	if (!err && fsync(fileno(file)))
		err = -errno;
	/* mkstemp made it 0600; readers such as node_exporter run as another user */
	if (!err && fchmod(fileno(file), 0644))
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	return err;
}

int atomic_file__write(const char *path, atomic_file_writer writer, void *ctx)
{
	size_t length = strlen(path);
	char *temp;
	FILE *file;
	int fd, err;

	if (length == 0)
		return -EINVAL;
	temp = malloc(length + sizeof(TEMP_SUFFIX));
	if (!temp)
		return -ENOMEM;
	memcpy(temp, path, length);
	memcpy(temp + length, TEMP_SUFFIX, sizeof(TEMP_SUFFIX));

	fd = mkostemp(temp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(temp);
		return err;
	}
	file = fdopen(fd, "w");
	if (!file) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = fill_temp(file, writer, ctx);
	if (err)
		goto fail;
	if (rename(temp, path)) {
		err = -errno;
		goto fail;
	}
	free(temp);
	return sync_directory_of(path);
fail:
	unlink(temp);
	free(temp);
	return err;
}
