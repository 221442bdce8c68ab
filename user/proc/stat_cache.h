/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a stat of a mapped file said, kept per inode: a stat through /proc
 * costs several times the read of the VMA itself, and a shared library, a
 * file mapped in pieces or a file inherited across fork has many VMAs of one
 * inode. A cache lives for one walk or one scan; its answers are as old as it.
 *
 * The maps line's {dev, ino} does not always name one file: btrfs gives every
 * subvolume and snapshot the filesystem's device there, and their inode
 * numbers repeat. Such a file (its st_dev is not the maps line's) is kept with
 * the VMA it was seen through, and answers only the same name in the same
 * process.
 */
#ifndef MAPWATCH_PROC_STAT_CACHE_H
#define MAPWATCH_PROC_STAT_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct mw_file_status {
	uint32_t dev; /* st_dev, kernel encoding */
	uint64_t seen_as; /* who saw it (its pid and name), when dev is not the maps line's */
	mode_t mode;
	nlink_t nlink;
	off_t size;
	blkcnt_t blocks; /* st_blocks: 512-byte units */
};

struct mw_stat_cache;

/*
 * Someone else who keeps what a stat said during this walk: the tracker a
 * scan seeds holds every regular file it was handed. Fills @status and
 * returns true when it knows the file of the maps line's {dev, ino}.
 */
typedef bool (*mw_stat_source_fn)(void *ctx, uint32_t dev, uint64_t ino,
				  struct mw_file_status *status);

/* NULL when out of memory. */
struct mw_stat_cache *stat_cache__create(void);

/*
 * Asks @source before taking a stat, and keeps no copy of what the source
 * will hold: a regular file whose st_dev is the maps line's. On a host of
 * distinct files that halves the lookups per VMA.
 */
void stat_cache__set_source(struct mw_stat_cache *cache, mw_stat_source_fn source, void *ctx);
void stat_cache__destroy(struct mw_stat_cache *cache);

/*
 * What is kept for the inode, or NULL. @dev in the kernel's encoding
 * (major << 20 | minor), as /proc/PID/maps spells it; @pid and @path of the
 * VMA asking, which a file of an ambiguous {dev, ino} must match.
 */
const struct mw_file_status *stat_cache__find(struct mw_stat_cache *cache, uint32_t dev,
					      uint64_t ino, uint32_t pid, const char *path);

/*
 * Keeps what @st says for the inode process @pid maps as @path; returns the
 * kept copy (valid until the next add), or NULL when out of memory.
 */
const struct mw_file_status *stat_cache__add(struct mw_stat_cache *cache, uint32_t dev,
					     uint64_t ino, uint32_t pid, const char *path,
					     const struct stat *st);

#endif
