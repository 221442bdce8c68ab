/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a stat of a mapped file said, kept per inode: a stat through /proc
 * costs several times the read of the VMA itself, and a shared library, a
 * file mapped in pieces or a file inherited across fork has many VMAs of one
 * inode. A cache lives for one walk or one scan; its answers are as old as it.
 */
#ifndef MAPWATCH_PROC_STAT_CACHE_H
#define MAPWATCH_PROC_STAT_CACHE_H

#include <stdint.h>
#include <sys/stat.h>

struct mw_file_status {
	mode_t mode;
	nlink_t nlink;
	off_t size;
	blkcnt_t blocks; /* st_blocks: 512-byte units */
};

struct mw_stat_cache;

/* NULL when out of memory. */
struct mw_stat_cache *stat_cache__create(void);
void stat_cache__destroy(struct mw_stat_cache *cache);

/*
 * What is kept for the inode, or NULL. @dev in the kernel's encoding
 * (major << 20 | minor), as /proc/PID/maps spells it.
 */
const struct mw_file_status *stat_cache__find(struct mw_stat_cache *cache, uint32_t dev,
					      uint64_t ino);

/*
 * Keeps what @st says for the inode; returns the kept copy (valid until the
 * next add), or NULL when out of memory.
 */
const struct mw_file_status *stat_cache__add(struct mw_stat_cache *cache, uint32_t dev,
					     uint64_t ino, const struct stat *st);

#endif
