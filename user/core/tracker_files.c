// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Orphaned files rather than mappings: each deleted inode once, with the disk
 * space it still holds, per process and across the host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>
#include "tracker_internal.h"

static bool orphaned(const struct mw_inode *inode)
{
	return inode->deleted && inode->mapping_count > 0;
}

static int compare_pids(const void *left, const void *right)
{
	uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;

	return a < b ? -1 : a > b;
}

static const struct mw_vma_entry *some_entry(const struct mw_inode *inode, uint32_t *pid);

static int report_file(const struct mw_inode *inode, uint64_t now_ns, struct mw_orphaned_file *file)
{
	const struct mw_vma_entry *probe;
	const struct mw_process_inode *user;
	size_t users = 0;

	memset(file, 0, sizeof(*file));
	file->dev = inode->maps_dev;
	file->st_dev = inode->id.dev;
	file->ino = inode->id.ino;
	file->size_known = inode->size_known;
	file->size = inode->size;
	file->disk_bytes_known = inode->disk_bytes_known;
	file->disk_bytes = inode->disk_bytes;
	file->deleted_age_known = inode->deletion_time_known;
	if (inode->deletion_time_known)
		file->deleted_seconds_ago =
			now_ns > inode->deleted_ns ? (double)(now_ns - inode->deleted_ns) / 1e9 : 0;
	DL_FOREACH2(inode->users, user, users_next)
	users++;
	/* a mapping to measure its page cache through, each file once */
	probe = some_entry(inode, &file->probe_pid);
	if (probe) {
		file->probe_start = probe->start;
		file->probe_end = probe->end;
		file->kernel_inode = inode->kernel_address;
		file->generation = inode->generation;
	}
	file->path = strdup(inode->path);
	file->pids = calloc(users ? users : 1, sizeof(*file->pids));
	if (!file->path || !file->pids)
		return -ENOMEM;
	DL_FOREACH2(inode->users, user, users_next)
	{
		const struct mw_vma_entry *entry;

		if (!user->entry_count)
			continue;
		file->pids[file->pid_count++] = user->process->pid;
		DL_FOREACH2(user->entries, entry, owner_next)
		{
			file->mappings++;
			file->mapped_bytes += entry->end - entry->start;
		}
	}
	qsort(file->pids, file->pid_count, sizeof(*file->pids), compare_pids);
	return 0;
}

/* Most disk space held first, then the largest, then by device and inode. */
static int compare_files(const void *left, const void *right)
{
	const struct mw_orphaned_file *a = left, *b = right;

	if (a->disk_bytes != b->disk_bytes)
		return a->disk_bytes > b->disk_bytes ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return a->st_dev < b->st_dev ? -1 : a->st_dev > b->st_dev;
}

int tracker__report_files(struct mw_tracker *tracker, uint64_t now_ns, struct mw_snapshot *out)
{
	struct mw_inode *inode;
	size_t count = 0;

	INODE_TABLE_FOREACH(&tracker->inodes, inode)
	count += orphaned(inode);
	out->files = calloc(count ? count : 1, sizeof(*out->files));
	if (!out->files)
		return -ENOMEM;
	INODE_TABLE_FOREACH(&tracker->inodes, inode)
	{
		struct mw_orphaned_file *file = &out->files[out->file_count];

		if (!orphaned(inode))
			continue;
		out->file_count++;
		if (report_file(inode, now_ns, file))
			return -ENOMEM;
		out->orphaned_files_size_bytes += file->size_known ? file->size : 0;
		out->orphaned_files_disk_bytes += file->disk_bytes_known ? file->disk_bytes : 0;
	}
	qsort(out->files, out->file_count, sizeof(*out->files), compare_files);
	return 0;
}

int tracker__set_disk_bytes(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint64_t size,
			    uint64_t disk_bytes)
{
	struct mw_inode *inode = inode_table__find(&tracker->inodes, dev, ino);

	if (!inode)
		return -ENOENT;
	if (!inode->size_known)
		inode__stat_size(inode, size, 0);
	inode__learn_disk_bytes(inode, size, disk_bytes);
	return 0;
}

/* One live mapping of the inode, to stat it through. */
static const struct mw_vma_entry *some_entry(const struct mw_inode *inode, uint32_t *pid)
{
	const struct mw_process_inode *user;

	DL_FOREACH2(inode->users, user, users_next)
	{
		if (user->entries) {
			*pid = user->process->pid;
			return user->entries;
		}
	}
	return NULL;
}

ssize_t tracker__take_unmeasured_files(struct mw_tracker *tracker, struct mw_file_check **out)
{
	struct mw_inode *inode;
	size_t count = 0, taken = 0;

	*out = NULL;
	INODE_TABLE_FOREACH(&tracker->inodes, inode)
	count += orphaned(inode) && !inode->disk_bytes_known && !inode->disk_bytes_asked;
	if (!count)
		return 0;
	*out = calloc(count, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	INODE_TABLE_FOREACH(&tracker->inodes, inode)
	{
		const struct mw_vma_entry *entry;
		uint32_t pid = 0;

		if (!orphaned(inode) || inode->disk_bytes_known || inode->disk_bytes_asked)
			continue;
		entry = some_entry(inode, &pid);
		if (!entry)
			continue;
		inode->disk_bytes_asked = true;
		(*out)[taken++] = (struct mw_file_check){
			.dev = inode->id.dev,
			.ino = inode->id.ino,
			.pid = pid,
			.start = entry->start,
			.end = entry->end,
		};
	}
	return (ssize_t)taken;
}
