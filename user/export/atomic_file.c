// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"

#define TEMP_SUFFIX ".tmp.XXXXXX"
/* What mkostemp() puts in place of the Xs. */
#define TEMP_RANDOM_LENGTH 6

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
	/* a snapshot of thousands of processes is megabytes: 64 KiB writes, not 4 KiB ones */
	setvbuf(file, NULL, _IOFBF, 64 * 1024);
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

/* "<name>.tmp." followed by exactly what mkostemp() fills in. */
static bool is_temp_of(const char *entry, const char *name)
{
	size_t length = strlen(name), prefix = sizeof(".tmp.") - 1;

	if (strncmp(entry, name, length) || strncmp(entry + length, ".tmp.", prefix))
		return false;
	entry += length + prefix;
	if (strlen(entry) != TEMP_RANDOM_LENGTH)
		return false;
	for (; *entry; entry++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
			    *entry))
			return false;
	return true;
}

int atomic_file__remove_stale(const char *path)
{
	char *directory_copy = strdup(path), *name_copy = strdup(path);
	struct dirent *entry;
	int removed = 0, fd;
	const char *name;
	DIR *directory;

	if (!directory_copy || !name_copy) {
		free(directory_copy);
		free(name_copy);
		return -ENOMEM;
	}
	name = basename(name_copy);
	directory = opendir(dirname(directory_copy));
	if (!directory) {
		removed = -errno;
		goto out;
	}
	fd = dirfd(directory);
	while ((entry = readdir(directory)))
		if (is_temp_of(entry->d_name, name) && !unlinkat(fd, entry->d_name, 0))
			removed++;
	closedir(directory);
out:
	free(directory_copy);
	free(name_copy);
	return removed;
}
