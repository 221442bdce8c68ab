/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The name-slot protocol, written once for both sides that file inodes in
 * name_slots: the programs (bpf/mapwatch.bpf.c: the inodes they see mapped,
 * and the moves of renamed ones) and userspace
 * (user/kernel/kernel_tracer_tables.c: the inodes seeded from /proc).
 * Compiled on both sides as mapwatch_events.h is; each side only says how it
 * reaches the map (struct mw_name_slot_access).
 *
 * name_counts[bucket] counts the occupied slots of every basename hash that
 * falls in the bucket. Both sides change it with atomic adds (userspace
 * through the mmap()ed .bss), counting before a slot is claimed and
 * uncounting after one is deleted, so it never reads lower than the slots
 * that exist: an unlink whose bucket reads zero is settled at once.
 */
#ifndef MAPWATCH_NAME_SLOTS_H
#define MAPWATCH_NAME_SLOTS_H

#ifndef __VMLINUX_H__
#include <stdbool.h>
#endif

#include "mapwatch_events.h"

/*
 * How one side reaches name_slots: the programs pass the map, userspace what
 * finds its fd. insert adds key -> inode only where key is free
 * (BPF_NOEXIST), remove deletes key; both answer 0 on success, as the map
 * operations of either side do. holds says whether key exists and holds inode.
 * Always inlined: the programs' map and operations must be known at each call.
 */
struct mw_name_slot_access {
	__u32 *counts; /* name_counts, MW_NAME_COUNT_BUCKETS of them */
	void *slots;
	long (*insert)(void *slots, const struct mw_name_slot_key *key,
		       const struct mw_inode_key *inode);
	bool (*holds)(void *slots, const struct mw_name_slot_key *key,
		      const struct mw_inode_key *inode);
	long (*remove)(void *slots, const struct mw_name_slot_key *key);
};

/* The entry of name_counts that counts name_hash's slots. */
static inline __u32 *mw_name_count(__u32 *counts, __u64 name_hash)
{
	return &counts[name_hash & (MW_NAME_COUNT_BUCKETS - 1)];
}

/* Whether a slot's holder is this inode: {dev, ino}, as both sides key it. */
static inline bool mw_inode_key_equal(const struct mw_inode_key *a, const struct mw_inode_key *b)
{
	return a->ino == b->ino && a->dev == b->dev;
}

/* Takes the first free slot of name_hash's bucket for inode; MW_NAME_SLOTS when all are taken. */
static inline __attribute__((always_inline)) __u32
mw_name_slot_claim(const struct mw_name_slot_access *access, __u64 name_hash,
		   const struct mw_inode_key *inode)
{
	__u32 *count = mw_name_count(access->counts, name_hash);

	/* counted before the slot exists, so a concurrent unlink never reads it low */
	__sync_fetch_and_add(count, 1);
	for (__u32 slot = 0; slot < MW_NAME_SLOTS; slot++) {
		struct mw_name_slot_key key = { .name_hash = name_hash, .slot = slot };

		if (!access->insert(access->slots, &key, inode))
			return slot;
	}
	__sync_fetch_and_sub(count, 1);
	return MW_NAME_SLOTS;
}

/* Deletes a slot, whoever holds it; uncounted after it is gone. */
static inline __attribute__((always_inline)) void
mw_name_slot_delete(const struct mw_name_slot_access *access, const struct mw_name_slot_key *key)
{
	if (!access->remove(access->slots, key))
		__sync_fetch_and_sub(mw_name_count(access->counts, key->name_hash), 1);
}

/* Frees inode's slot of name_hash's bucket, unless another inode has claimed it since. */
static inline __attribute__((always_inline)) void
mw_name_slot_release(const struct mw_name_slot_access *access, __u64 name_hash, __u32 slot,
		     const struct mw_inode_key *inode)
{
	struct mw_name_slot_key key = { .name_hash = name_hash, .slot = slot };

	if (slot >= MW_NAME_SLOTS || !access->holds(access->slots, &key, inode))
		return;
	mw_name_slot_delete(access, &key);
}

#endif /* MAPWATCH_NAME_SLOTS_H */
