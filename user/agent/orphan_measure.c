// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "orphan_measure.h"
#include "proc_maps.h"

void orphan_measure__run(struct mw_tracker *tracker, uint64_t now_ns)
{
	struct mw_file_check *files;
	ssize_t count = tracker__take_unmeasured_files(tracker, &files);

	for (ssize_t i = 0; i < count; i++) {
		const struct mw_file_check *file = &files[i];
		char path[PATH_MAX];
		struct stat status;

		/* gone meanwhile, or no CAP_SYS_ADMIN: asked again only at a new size */
		if (proc_maps__stat_mapping((pid_t)file->pid, file->start, file->end, &status))
			continue;
		if (proc_maps__mapping_path((pid_t)file->pid, file->start, file->end,
					    status.st_nlink == 0, path, sizeof(path)))
			path[0] = '\0';
		(void)tracker__set_file_status(tracker, file->dev, file->ino,
					       (uint32_t)status.st_nlink, (uint64_t)status.st_size,
					       path[0] ? path : NULL, now_ns);
		(void)tracker__set_disk_bytes(tracker, file->dev, file->ino,
					      (uint64_t)status.st_size,
					      (uint64_t)status.st_blocks * 512);
	}
	free(files);
}
