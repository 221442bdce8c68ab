// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open addressing over a table of small slots, the entries themselves in one
 * array in the order they came. A scan of a busy host asks about every mapped
 * inode, and on a host of distinct files nearly every question misses: a
 * miss reads one 8-byte slot (its tag differs), not a whole entry, and the
 * table a scan of 100,000 files touches at random is 2 MiB, not 16. The
 * entries are written once each, in order, so they cost no random misses.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "inode_table.h"
#include "mapwatch_events.h"
#include "stat_cache.h"

#define INITIAL_SLOTS 1024

struct slot {
	uint32_t entry; /* 1 + the entry's index; 0: empty */
	uint32_t tag; /* the hash's high half: most misses end here */
};

struct entry {
	uint64_t ino;
	uint32_t dev;
	struct mw_file_status status;
};

struct mw_stat_cache {
	struct slot *slots;
	size_t capacity; /* a power of two */
	struct entry *entries;
	size_t used;
	size_t entry_capacity;
	/*
	 * Where the last find that missed would put its file: the add after its
	 * stat goes there without a second probe, whose slot the stat's own
	 * work has most likely pushed out of the CPU's cache.
	 */
	struct slot *vacant;
	uint64_t vacant_ino;
	uint32_t vacant_dev;
	mw_stat_source_fn source;
	void *source_ctx;
	struct mw_file_status answer; /* what the source said, or a stat it will hold */
};

/* The slot holding {dev, ino}, or the empty one where it would go. */
static struct slot *probe(const struct mw_stat_cache *cache, struct slot *slots, size_t capacity,
			  uint32_t dev, uint64_t ino)
{
	uint64_t hash = mw_inode_id_hash(dev, ino);
	uint32_t tag = (uint32_t)(hash >> 32);
	size_t mask = capacity - 1, i = hash & mask;

	for (;; i = (i + 1) & mask) {
		const struct entry *entry;

		if (!slots[i].entry)
			return &slots[i];
		if (slots[i].tag != tag)
			continue;
		entry = &cache->entries[slots[i].entry - 1];
		if (entry->ino == ino && entry->dev == dev)
			return &slots[i];
	}
}

struct mw_stat_cache *stat_cache__create(void)
{
	struct mw_stat_cache *cache = calloc(1, sizeof(*cache));

	if (!cache)
		return NULL;
	cache->slots = calloc(INITIAL_SLOTS, sizeof(*cache->slots));
	if (!cache->slots) {
		free(cache);
		return NULL;
	}
	cache->capacity = INITIAL_SLOTS;
	return cache;
}

void stat_cache__destroy(struct mw_stat_cache *cache)
{
	if (!cache)
		return;
	free(cache->entries);
	free(cache->slots);
	free(cache);
}

/* The process and the name it maps a file under: hashed only for ambiguous numbers. */
static uint64_t seen_as(uint32_t pid, const char *path)
{
	return mw_name_hash_mix(mw_name_hash(path), pid);
}

const struct mw_file_status *stat_cache__find(struct mw_stat_cache *cache, uint32_t dev,
					      uint64_t ino, uint32_t pid, const char *path)
{
	struct slot *slot = probe(cache, cache->slots, cache->capacity, dev, ino);
	const struct mw_file_status *status;

	if (!slot->entry) {
		cache->vacant = slot;
		cache->vacant_ino = ino;
		cache->vacant_dev = dev;
		if (cache->source && cache->source(cache->source_ctx, dev, ino, &cache->answer))
			return &cache->answer;
		return NULL;
	}
	status = &cache->entries[slot->entry - 1].status;
	/* another subvolume's file may have this number: only the same VMA's name knows */
	if (status->dev != dev && status->seen_as != seen_as(pid, path))
		return NULL;
	return status;
}

/* Doubles the table: at most half full keeps the probes short. */
static int grow_slots(struct mw_stat_cache *cache)
{
	size_t capacity = cache->capacity * 2;
	struct slot *slots = calloc(capacity, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < cache->used; i++)
		*probe(cache, slots, capacity, cache->entries[i].dev, cache->entries[i].ino) =
			(struct slot){
				.entry = (uint32_t)(i + 1),
				.tag = (uint32_t)(mw_inode_id_hash(cache->entries[i].dev,
								   cache->entries[i].ino) >>
						  32),
			};
	free(cache->slots);
	cache->slots = slots;
	cache->capacity = capacity;
	cache->vacant = NULL;
	return 0;
}

static int grow_entries(struct mw_stat_cache *cache)
{
	size_t capacity = cache->entry_capacity ? cache->entry_capacity * 2 : INITIAL_SLOTS / 2;
	struct entry *entries;

	/* the slot's index is 32 bits: four billion files is past any host */
	if (capacity >= UINT32_MAX)
		return -1;
	entries = realloc(cache->entries, capacity * sizeof(*entries));
	if (!entries)
		return -1;
	cache->entries = entries;
	cache->entry_capacity = capacity;
	return 0;
}

void stat_cache__set_source(struct mw_stat_cache *cache, mw_stat_source_fn source, void *ctx)
{
	cache->source = source;
	cache->source_ctx = ctx;
}

static void fill(struct mw_file_status *status, uint32_t dev, uint32_t pid, const char *path,
		 const struct stat *st)
{
	status->dev = major(st->st_dev) << 20 | minor(st->st_dev);
	status->seen_as = status->dev != dev ? seen_as(pid, path) : 0;
	status->mode = st->st_mode;
	status->nlink = st->st_nlink;
	status->size = st->st_size;
	status->blocks = st->st_blocks;
}

const struct mw_file_status *stat_cache__add(struct mw_stat_cache *cache, uint32_t dev,
					     uint64_t ino, uint32_t pid, const char *path,
					     const struct stat *st)
{
	struct slot *slot;
	struct entry *entry;

	if (cache->source && S_ISREG(st->st_mode) &&
	    (major(st->st_dev) << 20 | minor(st->st_dev)) == dev) {
		fill(&cache->answer, dev, pid, path, st);
		return &cache->answer;
	}
	if ((cache->used + 1) * 2 > cache->capacity && grow_slots(cache))
		return NULL;
	if (cache->used == cache->entry_capacity && grow_entries(cache))
		return NULL;
	slot = cache->vacant && cache->vacant_ino == ino && cache->vacant_dev == dev
		       ? cache->vacant
		       : probe(cache, cache->slots, cache->capacity, dev, ino);
	cache->vacant = NULL;
	if (!slot->entry) {
		entry = &cache->entries[cache->used++];
		entry->ino = ino;
		entry->dev = dev;
		slot->entry = (uint32_t)cache->used;
		slot->tag = (uint32_t)(mw_inode_id_hash(dev, ino) >> 32);
	} else {
		entry = &cache->entries[slot->entry - 1];
	}
	fill(&entry->status, dev, pid, path, st);
	return &entry->status;
}
