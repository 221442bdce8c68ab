// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "output_check.h"

int output_check__writable(const char *option, const char *path, char *error, size_t error_size)
{
	char directory[PATH_MAX], probe[PATH_MAX + 32];
	const char *slash = strrchr(path, '/');
	struct stat status;
	int fd, err;

	if (!slash)
		snprintf(directory, sizeof(directory), ".");
	else if (slash == path)
		snprintf(directory, sizeof(directory), "/");
	else
		snprintf(directory, sizeof(directory), "%.*s", (int)(slash - path), path);

	if (stat(path, &status) == 0 && S_ISDIR(status.st_mode)) {
		snprintf(error, error_size, "%s %s: is a directory; name a file inside it", option,
			 path);
		return -EISDIR;
	}
	snprintf(probe, sizeof(probe), "%s/.mapwatch-probe.XXXXXX", directory);
	fd = mkstemp(probe);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			snprintf(
				error, error_size,
				"%s %s: directory %s does not exist; create it or choose another path",
				option, path, directory);
		else
			snprintf(error, error_size,
				 "%s %s: cannot write in %s (%s); choose a writable directory",
				 option, path, directory, strerror(-err));
		return err;
	}
	close(fd);
	unlink(probe);
	return 0;
}

int output_check__options(const struct mw_options *options, char *error, size_t error_size)
{
	int err = 0;

	if (options->snapshot_path)
		err = output_check__writable("--snapshot", options->snapshot_path, error,
					     error_size);
	if (!err && options->textfile_path)
		err = output_check__writable("--textfile", options->textfile_path, error,
					     error_size);
	return err;
}
