// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "snapshot_sums.h"

struct pid_index {
	uint32_t pid;
	size_t index;
};

struct container_sum {
	struct mw_container_report report;
	size_t last_file; /* the file (index + 1) last counted: a file counts once per container */
	UT_hash_handle hh;
};

static int compare_pids(const void *left, const void *right)
{
	const struct pid_index *a = left, *b = right;

	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* Most page cache first, then most disk space, then by id: a stable order for --top. */
static int compare_containers(const void *left, const void *right)
{
	const struct mw_container_report *a = left, *b = right;

	if (a->orphaned_files_cached_bytes != b->orphaned_files_cached_bytes)
		return a->orphaned_files_cached_bytes > b->orphaned_files_cached_bytes ? -1 : 1;
	if (a->orphaned_files_disk_bytes != b->orphaned_files_disk_bytes)
		return a->orphaned_files_disk_bytes > b->orphaned_files_disk_bytes ? -1 : 1;
	return strcmp(a->container.id, b->container.id);
}

static struct mw_process_report *find_process(struct mw_snapshot *snapshot,
					      const struct pid_index *index, uint32_t pid)
{
	struct pid_index key = { .pid = pid };
	const struct pid_index *found =
		bsearch(&key, index, snapshot->process_count, sizeof(*index), compare_pids);

	return found ? &snapshot->processes[found->index] : NULL;
}

/* The process's container's sums, added when new; NULL outside containers or out of memory. */
static struct container_sum *container_of(struct container_sum **sums,
					  const struct mw_process_report *process, int *err)
{
	struct container_sum *sum;

	if (!process->container.id[0])
		return NULL;
	HASH_FIND_STR(*sums, process->container.id, sum);
	if (sum)
		return sum;
	sum = calloc(1, sizeof(*sum));
	if (!sum) {
		*err = -ENOMEM;
		return NULL;
	}
	sum->report.container = process->container;
	HASH_ADD_STR(*sums, report.container.id, sum);
	return sum;
}

static void free_sums(struct container_sum **sums)
{
	struct container_sum *sum, *next;

	HASH_ITER(hh, *sums, sum, next) {
		HASH_DEL(*sums, sum);
		free(sum);
	}
}

/* Each file once per container, whichever of its processes map it. */
static int sum_containers(struct mw_snapshot *snapshot, const struct pid_index *index,
			  struct container_sum **sums)
{
	int err = 0;

	for (size_t i = 0; i < snapshot->file_count && !err; i++) {
		const struct mw_orphaned_file *file = &snapshot->files[i];

		for (size_t j = 0; j < file->pid_count && !err; j++) {
			struct mw_process_report *process =
				find_process(snapshot, index, file->pids[j]);
			struct container_sum *sum =
				process ? container_of(sums, process, &err) : NULL;

			if (!sum || sum->last_file == i + 1)
				continue;
			sum->last_file = i + 1;
			sum->report.orphaned_files++;
			sum->report.orphaned_files_disk_bytes +=
				file->disk_bytes_known ? file->disk_bytes : 0;
			sum->report.orphaned_files_cached_bytes +=
				file->cached_bytes_known ? file->cached_bytes : 0;
		}
	}
	for (size_t i = 0; i < snapshot->process_count && !err; i++) {
		const struct mw_process_report *process = &snapshot->processes[i];
		struct container_sum *sum;

		if (!process->orphaned_files)
			continue;
		sum = container_of(sums, process, &err);
		if (sum)
			sum->report.processes++;
	}
	return err;
}

int snapshot_sums__fill(struct mw_snapshot *snapshot)
{
	struct pid_index *index =
		calloc(snapshot->process_count ? snapshot->process_count : 1, sizeof(*index));
	struct container_sum *sums = NULL, *sum, *next;
	size_t count = 0;
	int err;

	free(snapshot->containers);
	snapshot->containers = NULL;
	snapshot->container_count = 0;
	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < snapshot->process_count; i++) {
		index[i] = (struct pid_index){ .pid = snapshot->processes[i].pid, .index = i };
		snapshot->processes[i].orphaned_files_cached_bytes = 0;
	}
	if (snapshot->process_count > 1)
		qsort(index, snapshot->process_count, sizeof(*index), compare_pids);
	/* per process: every file it maps, also those past the cap on listed ranges */
	for (size_t i = 0; i < snapshot->file_count; i++) {
		const struct mw_orphaned_file *file = &snapshot->files[i];

		for (size_t j = 0; file->cached_bytes_known && j < file->pid_count; j++) {
			struct mw_process_report *process =
				find_process(snapshot, index, file->pids[j]);

			if (process)
				process->orphaned_files_cached_bytes += file->cached_bytes;
		}
	}
	err = sum_containers(snapshot, index, &sums);
	free(index);
	if (!err && HASH_COUNT(sums)) {
		snapshot->containers = calloc(HASH_COUNT(sums), sizeof(*snapshot->containers));
		if (!snapshot->containers)
			err = -ENOMEM;
	}
	HASH_ITER(hh, sums, sum, next) {
		if (!err)
			snapshot->containers[count++] = sum->report;
	}
	free_sums(&sums);
	snapshot->container_count = count;
	if (count > 1)
		qsort(snapshot->containers, count, sizeof(*snapshot->containers),
		      compare_containers);
	return err;
}
