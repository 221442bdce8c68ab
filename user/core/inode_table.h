/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every inode some tracked mapping references, keyed by {dev, ino} as stat()
 * gives them (btrfs subvolumes repeat the maps line's {dev, ino}), with a
 * second index by basename hash: the kernel reports unlinks it cannot settle
 * as a basename bucket, and many files share a basename (Kafka names every
 * partition's first segment 00000000000000000000.index).
 *
 * The {dev, ino} index is open addressing in one array: a scan of a host of
 * distinct files asks about 100,000s of inodes it has never seen, and a
 * chained table pays a cache miss per link to say no. The basename index is
 * built on its first use: `scan` never asks it, the agent at its first
 * deletion it cannot settle by inode.
 */
#ifndef MAPWATCH_CORE_INODE_TABLE_H
#define MAPWATCH_CORE_INODE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

/* splitmix64's finalizer: inode numbers come in runs; spread them. */
static inline uint64_t mw_inode_id_hash(uint32_t dev, uint64_t ino)
{
	uint64_t x = ino ^ ((uint64_t)dev << 40 | dev);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct mw_inode_id {
	uint64_t ino;
	uint32_t dev;
	uint32_t pad; /* zero: the whole struct is the hash key */
};

struct mw_process_inode;

struct mw_inode {
	struct mw_inode_id id;
	struct mw_inode *all_prev, *all_next; /* every inode, in the order added */
	uint32_t maps_dev; /* the device /proc/PID/maps prints for it, kernel encoding */
	char *path; /* full path when /proc told us, else the basename the kernel reported */
	uint64_t name_hash; /* of the basename */
	uint64_t size;
	/* false only when seeded from /proc without a stat (no CAP_SYS_ADMIN): no stale verdict */
	bool size_known;
	bool record_size_known;
	uint64_t size_seen_ns; /* when the size above was true: older news does not replace it */
	/*
	 * The size as the records carry it, in their order, and how often it
	 * changed there. A stat is read out of that order (before records
	 * stamped earlier are drained), so it never counts as a change.
	 */
	uint64_t record_size;
	uint64_t size_generation;
	/* st_blocks * 512 at the current size; a size change makes it unknown again */
	uint64_t disk_bytes;
	bool disk_bytes_known;
	bool disk_bytes_asked; /* handed out by tracker__take_unmeasured_files() at this size */
	uint32_t nlink;
	uint64_t stat_seen_ns; /* when the read that gave its stat began; 0: never */
	bool deleted; /* link count 0: its mappings are orphaned */
	bool deletion_time_known; /* false when it was deleted before we saw it */
	uint64_t deleted_ns;
	/*
	 * The kernel's struct inode address and i_generation, 0 until a record
	 * gives them: they tell this file from a later one that gets its number.
	 */
	uint64_t kernel_address;
	uint32_t generation;
	size_t mapping_count; /* live mappings across all processes */
	struct mw_process_inode *users; /* per-process records, list */
	/* Bookkeeping of the tracker: a check is pending, or its last mapping went (when). */
	bool check_pending;
	/* a size change may have gone unrecorded: the check's stat counts as a record */
	bool resize_check_pending;
	bool forget_pending;
	uint64_t unused_since_ns;
	struct mw_inode *check_prev, *check_next;
	struct mw_inode *forget_prev, *forget_next;
	struct mw_inode *bucket_prev, *bucket_next;
};

struct mw_name_bucket {
	uint64_t name_hash;
	UT_hash_handle hh;
	struct mw_inode *inodes; /* list through bucket_prev/bucket_next */
};

struct mw_inode_table_slot {
	uint64_t ino; /* the key, compared and rehashed without touching the inode */
	uint32_t dev;
	uint32_t pad;
	struct mw_inode *inode; /* NULL: empty */
};

struct mw_inode_table {
	struct mw_inode_table_slot *slots; /* linear probing, at most half full */
	size_t capacity; /* 0 or a power of two */
	size_t count;
	struct mw_inode *all; /* list through all_prev/all_next */
	struct mw_name_bucket *by_name;
	bool names_indexed; /* by_name is built and kept */
};

/* Every inode of @table, in the order added; @inode may not be removed meanwhile. */
#define INODE_TABLE_FOREACH(table, inode) \
	for ((inode) = (table)->all; (inode); (inode) = (inode)->all_next)

struct mw_inode *inode_table__find(struct mw_inode_table *table, uint32_t dev, uint64_t ino);
/*
 * Adds a new inode named path (not NULL) whose basename hashes to name_hash
 * (the kernel's figure when it sent one). Returns it, or NULL when out of memory.
 */
struct mw_inode *inode_table__add(struct mw_inode_table *table, uint32_t dev, uint64_t ino,
				  const char *path, uint64_t name_hash);
/* Renames: path becomes the inode's path, its bucket follows. Returns 0 or -ENOMEM. */
int inode_table__set_path(struct mw_inode_table *table, struct mw_inode *inode, const char *path,
			  uint64_t name_hash);
/* Keeps the directory of the current path and replaces the basename. */
int inode_table__set_basename(struct mw_inode_table *table, struct mw_inode *inode,
			      const char *basename, uint64_t name_hash);
/* Removes and frees the inode (the caller has unlinked it from its own lists). */
void inode_table__remove(struct mw_inode_table *table, struct mw_inode *inode);
/* The inodes whose basename hashes to name_hash (list through bucket_next), or NULL. */
struct mw_inode *inode_table__by_name(struct mw_inode_table *table, uint64_t name_hash);
size_t inode_table__count(const struct mw_inode_table *table);
void inode_table__destroy(struct mw_inode_table *table);

uint64_t inode_table__name_hash(const char *basename);
const char *inode_table__basename(const char *path);

#endif
