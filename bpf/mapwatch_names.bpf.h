/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deletion, rename and truncate detection by basename bucket. An unlink,
 * rename or truncate(path) looks at the MW_NAME_SLOTS slots of the basename it
 * names, never at every tracked inode, so its cost does not grow with them.
 * Inode addresses were stored when the file was seen mapped; the mapping pins
 * the inode, and a stale address only yields values userspace cross-checks.
 */
#ifndef MAPWATCH_NAMES_BPF_H
#define MAPWATCH_NAMES_BPF_H

#include "mapwatch_basename.bpf.h"

/* What one slot showed, as bits. */
#define MW_SLOT_OCCUPIED (1 << 0)
#define MW_SLOT_AFFECTED (1 << 1) /* the syscall changed this inode: an event went out */
#define MW_SLOT_UNKNOWN (1 << 2) /* seeded from /proc, kernel address not learned yet */

static __always_inline void mw_file_id_of_tracked(struct mw_inode_key *key, __u64 inode_address,
						  struct mw_file_id *id)
{
	struct inode *inode = mw_cast(inode, inode_address);

	mw_read_file_id(inode, inode, key->dev, id);
	/* The key is the identity userspace knows; never report a stale address's fields for it. */
	id->ino = key->ino;
	/* the held inode's device, not the one /proc prints on a stacking filesystem */
	id->maps_dev = 0;
}

static __always_inline void mw_emit_file_event(__u32 type, __u32 flags, struct mw_inode_key *key,
					       __u64 inode_address, bool urgent)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_file_event *event = mw_event_reserve(task, sizeof(*event), type, flags);

	if (!event)
		return;
	mw_file_id_of_tracked(key, inode_address, &event->file);
	mw_event_submit(event, urgent);
}

static __always_inline void mw_emit_check(__u64 name_hash, __u32 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_check_event *event =
		mw_event_reserve(task, sizeof(*event), MW_EVENT_CHECK, flags);

	if (!event)
		return;
	event->name_hash = name_hash;
	event->syscall_result = 0;
	event->pad = 0;
	mw_event_submit(event, true);
}

static __always_inline void mw_emit_rename(struct mw_inode_key *key, __u64 inode_address,
					   __u64 dentry_address, __u64 new_hash)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_rename_event *event = mw_event_reserve(task, sizeof(*event), MW_EVENT_RENAME, 0);

	if (!event)
		return;
	mw_file_id_of_tracked(key, inode_address, &event->file);
	event->name_hash = new_hash;
	mw_copy_dentry_name(mw_cast(dentry, dentry_address), event->name);
	mw_event_submit(event, false);
}

/* The tracked inode's last link went: report it once, and free its slot. */
static __always_inline void mw_report_deleted(struct mw_tracked_inode *tracked,
					      struct mw_inode_key *inode_key, __u32 flags)
{
	mw_emit_file_event(MW_EVENT_UNLINK, MW_UNLINK_LAST | flags, inode_key, tracked->inode,
			   true);
	mw_release_name_slot(tracked->name_hash, tracked->slot, inode_key);
	tracked->slot = MW_NAME_SLOTS;
	tracked->flags |= MW_TRACKED_DELETED;
	mw_forget_multilink(inode_key);
}

/* Settles one slot of a bucket an unlink or rename touched. Global: verified once. */
__noinline int mw_check_name_slot(__u64 name_hash, __u32 slot)
{
	struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };
	struct mw_tracked_inode *tracked;
	struct mw_inode_key inode_key;
	struct mw_inode_key *holder;
	__u64 inode_address, dentry_address, new_hash;
	struct dentry *dentry;

	holder = bpf_map_lookup_elem(&name_slots, &slot_key);
	if (!holder)
		return 0;
	inode_key = *holder;
	tracked = bpf_map_lookup_elem(&tracked_inodes, &inode_key);
	if (!tracked) {
		/* userspace forgot the inode but not its slot */
		mw_delete_name_slot(&slot_key);
		return 0;
	}
	inode_address = tracked->inode;
	dentry_address = tracked->dentry;
	if (!inode_address)
		return MW_SLOT_OCCUPIED | MW_SLOT_UNKNOWN;

	if (mw_cast(inode, inode_address)->i_nlink == 0) {
		mw_report_deleted(tracked, &inode_key, 0);
		return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
	}
	if (!dentry_address)
		return MW_SLOT_OCCUPIED;

	/* d_move() renames the very dentry the file was mapped through. */
	new_hash = mw_dentry_name_hash(dentry_address);
	if (new_hash && new_hash != name_hash) {
		mw_emit_rename(&inode_key, inode_address, dentry_address, new_hash);
		mw_delete_name_slot(&slot_key);
		tracked->name_hash = new_hash;
		tracked->slot = mw_claim_name_slot(new_hash, &inode_key);
		return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
	}

	/* Unhashed dentry, links left: this name went, another hard link still holds the inode. */
	dentry = mw_cast(dentry, dentry_address);
	if (!dentry->d_hash.pprev) {
		mw_emit_file_event(MW_EVENT_UNLINK, 0, &inode_key, inode_address, false);
		long err = bpf_map_update_elem(&multilink_inodes, &inode_key, &inode_address,
					       BPF_NOEXIST);

		if (!err)
			__sync_fetch_and_add(&multilink_count, 1);
		else if (err == -MW_E2BIG)
			/* full: only the periodic audit sees this inode's last link go */
			__sync_fetch_and_add(&inode_table_full, 1);
		mw_delete_name_slot(&slot_key);
		tracked->slot = MW_NAME_SLOTS;
		return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
	}
	return MW_SLOT_OCCUPIED;
}

/* One truncate(path) slot: report the inode's size now, userspace compares. */
__noinline int mw_truncate_name_slot(__u64 name_hash, __u32 slot)
{
	struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };
	struct mw_tracked_inode *tracked;
	struct mw_inode_key inode_key;
	struct mw_inode_key *holder;

	holder = bpf_map_lookup_elem(&name_slots, &slot_key);
	if (!holder)
		return 0;
	inode_key = *holder;
	tracked = bpf_map_lookup_elem(&tracked_inodes, &inode_key);
	if (!tracked)
		return 0;
	if (!tracked->inode)
		return MW_SLOT_OCCUPIED | MW_SLOT_UNKNOWN;
	mw_emit_file_event(MW_EVENT_TRUNCATE, 0, &inode_key, tracked->inode, false);
	return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
}

/* Walks a bucket after a successful unlink or rename; CHECK when the kernel cannot settle it. */
static __always_inline void mw_check_bucket(__u64 name_hash, __u32 check_flags)
{
	__u32 occupied = 0, seen = 0;

	if (!name_hash) {
		mw_emit_check(0, check_flags | MW_CHECK_PATH_UNREADABLE);
		return;
	}
	if (!mw_bucket_may_hold(name_hash))
		return;
	for (__u32 slot = 0; slot < MW_NAME_SLOTS; slot++) {
		int result = mw_check_name_slot(name_hash, slot);

		if (result & MW_SLOT_OCCUPIED)
			occupied++;
		seen |= result;
	}
	if (seen & MW_SLOT_UNKNOWN)
		check_flags |= MW_CHECK_INODE_UNKNOWN;
	/* A full bucket may hold more inodes than slots: an unaffected one may be in the overflow. */
	if (occupied == MW_NAME_SLOTS && !(seen & MW_SLOT_AFFECTED))
		check_flags |= MW_CHECK_BUCKET_FULL;
	if (check_flags & (MW_CHECK_INODE_UNKNOWN | MW_CHECK_BUCKET_FULL))
		mw_emit_check(name_hash, check_flags);
}

static __always_inline void mw_truncate_bucket(__u64 name_hash)
{
	__u32 occupied = 0, seen = 0, check_flags = MW_CHECK_TRUNCATE;

	if (!name_hash) {
		mw_emit_check(0, check_flags | MW_CHECK_PATH_UNREADABLE);
		return;
	}
	if (!mw_bucket_may_hold(name_hash))
		return;
	for (__u32 slot = 0; slot < MW_NAME_SLOTS; slot++) {
		int result = mw_truncate_name_slot(name_hash, slot);

		if (result & MW_SLOT_OCCUPIED)
			occupied++;
		seen |= result;
	}
	if (seen & MW_SLOT_UNKNOWN)
		check_flags |= MW_CHECK_INODE_UNKNOWN;
	if (occupied == MW_NAME_SLOTS)
		check_flags |= MW_CHECK_BUCKET_FULL;
	if (check_flags != MW_CHECK_TRUNCATE)
		mw_emit_check(name_hash, check_flags);
}

static long mw_multilink_visit(struct bpf_map *map, struct mw_inode_key *key, __u64 *inode_address,
			       void *context)
{
	struct mw_inode_key inode_key = *key;
	struct mw_tracked_inode *tracked;

	if (mw_cast(inode, *inode_address)->i_nlink)
		return 0;
	tracked = bpf_map_lookup_elem(&tracked_inodes, &inode_key);
	if (tracked && tracked->inode == *inode_address) {
		mw_report_deleted(tracked, &inode_key, 0);
		return 0;
	}
	/* userspace forgot it meanwhile */
	mw_forget_multilink(&inode_key);
	return 0;
}

/* Hard-linked mapped files whose mapped name went first: did their last name just go? */
static __always_inline void mw_check_multilink_inodes(void)
{
	if (!multilink_count)
		return;
	bpf_for_each_map_elem(&multilink_inodes, mw_multilink_visit, NULL, 0);
}

#endif /* MAPWATCH_NAMES_BPF_H */
