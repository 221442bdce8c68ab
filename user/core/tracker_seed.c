// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the caller learns from /proc: seeding, rescans and answers to checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>
#include "tracker_internal.h"

/* What an unchanged mapping keeps across a rescan: its size generation. */
struct kept_history {
	bool matched;
	uint64_t size_generation;
};

static bool same_mapping(const struct procmap_entry *entry, const struct mw_vma *vma)
{
	return entry->start == vma->start && entry->end == vma->end &&
	       entry->offset == vma->offset && entry->dev == vma->dev && entry->ino == vma->ino;
}

/* The inode a VMA maps, added or brought up to date with what /proc showed. */
static struct mw_inode *seeded_inode(struct mw_tracker *tracker, const struct mw_vma *vma,
				     uint64_t scan_started_ns)
{
	const char *path = vma->path[0] ? vma->path : "";
	uint64_t name_hash = inode_table__name_hash(inode_table__basename(path));
	struct mw_inode *inode = inode_table__find(&tracker->inodes, vma->dev, vma->ino);
	/* Without a stat, " (deleted)" is the best evidence there is. */
	bool orphaned = vma->deleted && (!vma->file_stat_known || vma->nlink == 0);

	if (!inode) {
		inode = inode_table__add(&tracker->inodes, vma->dev, vma->ino, path, name_hash);
		if (!inode)
			return NULL;
		tracker__schedule_forget(tracker, inode); /* kept if the mapping goes in */
		inode->size_known = vma->file_stat_known;
		if (vma->file_stat_known) {
			inode->size = vma->file_size;
			inode->nlink = vma->nlink;
			inode->disk_bytes = vma->file_disk_bytes;
			inode->disk_bytes_known = true;
		}
		if (orphaned)
			tracker__mark_deleted(inode, false, 0, false);
		tracker__watch_inode(tracker, inode, false);
		return inode;
	}
	if (vma->file_stat_known) {
		tracker__set_size(inode, vma->file_size);
		if (!orphaned)
			inode->nlink = vma->nlink;
		inode->disk_bytes = vma->file_disk_bytes;
		inode->disk_bytes_known = true;
	}
	if (orphaned) {
		tracker__mark_deleted(inode, false, 0, false);
	} else if (inode->deleted &&
		   !(inode->deletion_time_known && inode->deleted_ns >= scan_started_ns)) {
		/* Linked as the scan saw it, and no deletion we know of came after. */
		inode->deleted = false;
	}
	if (path[0] && strcmp(path, inode->path) != 0) {
		if (inode_table__set_path(&tracker->inodes, inode, path, name_hash))
			return NULL;
		tracker__watch_inode(tracker, inode, false);
	}
	return inode;
}

static int insert_seeded(struct process *process, struct mw_inode *inode, const struct mw_vma *vma,
			 const struct kept_history *kept)
{
	struct procmap_entry entry = { 0 };

	entry.owner = tracker__get_process_inode(process, inode);
	if (!entry.owner)
		return -ENOMEM;
	entry.start = vma->start;
	entry.end = vma->end;
	entry.offset = vma->offset;
	entry.dev = vma->dev;
	entry.ino = vma->ino;
	entry.prot = vma->prot;
	entry.shared = vma->shared;
	entry.size_generation = kept->matched ? kept->size_generation : inode->size_generation;
	/* Exactly the VMAs /proc showed: the kernel did not merge them, neither do we. */
	return procmap__insert(&process->map, &entry, false);
}

static int seed(struct mw_tracker *tracker, struct process *process, const struct mw_vma *vmas,
		size_t count, uint64_t scan_started_ns, size_t *differences)
{
	size_t old_count = procmap__count(&process->map), new_count = 0, matched = 0;
	struct kept_history *kept = calloc(count ? count : 1, sizeof(*kept));
	int err = 0;

	if (!kept)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct procmap_entry *entry;

		if (vmas[i].kind != MW_VMA_FILE || vmas[i].start >= vmas[i].end)
			continue;
		new_count++;
		entry = procmap__find(&process->map, vmas[i].start);
		if (entry && same_mapping(entry, &vmas[i])) {
			kept[i] = (struct kept_history){ true, entry->size_generation };
			matched++;
		}
	}
	*differences = (old_count - matched) + (new_count - matched);
	procmap__clear(&process->map, PROCMAP_REPLACED);
	for (size_t i = 0; !err && i < count; i++) {
		struct mw_inode *inode;

		if (vmas[i].kind != MW_VMA_FILE || vmas[i].start >= vmas[i].end)
			continue;
		inode = seeded_inode(tracker, &vmas[i], scan_started_ns);
		err = inode ? insert_seeded(process, inode, &vmas[i], &kept[i]) : -ENOMEM;
	}
	free(kept);
	return err;
}

int tracker__seed_process(struct mw_tracker *tracker, uint32_t pid, const char *comm,
			  uint64_t map_count, const struct mw_vma *vmas, size_t count,
			  uint64_t scan_started_ns)
{
	struct process *process = tracker__find_process(tracker, pid);
	bool view_held = process && !process->awaiting_rescan;
	size_t differences = 0;
	int err;

	if (!vmas && count)
		return -EINVAL;
	if (!process) {
		process = tracker__get_process(tracker, pid, comm);
		if (!process)
			return -ENOMEM;
	} else if (comm) {
		strncpy(process->comm, comm, MW_COMM_LEN - 1);
		process->comm[MW_COMM_LEN - 1] = '\0';
	}
	tracker->now_ns = scan_started_ns;
	err = seed(tracker, process, vmas, count, scan_started_ns, &differences);
	if (!err) {
		tracker__record_map_count(tracker, process, map_count, scan_started_ns);
		if (scan_started_ns > process->ignore_before_ns)
			process->ignore_before_ns = scan_started_ns;
		process->awaiting_rescan = false;
	}
	tracker__forget_unused_inodes(tracker);
	if (err)
		return err;
	return view_held ? (int)differences : 0;
}

int tracker__set_file_status(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint32_t nlink,
			     uint64_t size, const char *path, uint64_t timestamp_ns)
{
	struct mw_inode *inode = inode_table__find(&tracker->inodes, dev, ino);

	if (!inode)
		return -ENOENT;
	if (nlink == 0) {
		tracker__mark_deleted(inode, true, timestamp_ns, false);
	} else {
		inode->deleted = false;
		inode->nlink = nlink;
	}
	tracker__set_size(inode, size);
	if (path && path[0]) {
		uint64_t name_hash = inode_table__name_hash(inode_table__basename(path));
		bool renamed = name_hash != inode->name_hash;
		int err = inode_table__set_path(&tracker->inodes, inode, path, name_hash);

		/* renamed where the kernel could not follow: file it under the new name */
		if (!err && renamed)
			tracker__watch_inode(tracker, inode, false);
		return err;
	}
	return 0;
}

/* One live mapping of the inode, through any process. */
static const struct procmap_entry *some_mapping(const struct mw_inode *inode, uint32_t *pid)
{
	const struct process_inode *user;

	DL_FOREACH2(inode->users, user, users_next)
	{
		if (user->entries) {
			*pid = user->process->pid;
			return user->entries;
		}
	}
	return NULL;
}

size_t tracker__take_pending_checks(struct mw_tracker *tracker, struct mw_file_check *out,
				    size_t max)
{
	struct mw_inode *inode, *next;
	size_t taken = 0;

	DL_FOREACH_SAFE2(tracker->pending_checks, inode, next, check_next)
	{
		const struct procmap_entry *entry;
		uint32_t pid = 0;

		if (taken == max)
			break;
		DL_DELETE2(tracker->pending_checks, inode, check_prev, check_next);
		inode->check_pending = false;
		entry = some_mapping(inode, &pid);
		if (!entry)
			continue;
		out[taken++] = (struct mw_file_check){
			.dev = inode->id.dev,
			.ino = inode->id.ino,
			.pid = pid,
			.start = entry->start,
			.end = entry->end,
		};
	}
	return taken;
}
