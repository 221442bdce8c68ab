// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open addressing in one array: a scan of a busy host asks about every mapped
 * inode, and a chained hash of separately allocated entries costs a cache miss
 * per hop on each of those questions.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "inode_table.h"
#include "mapwatch_events.h"
#include "stat_cache.h"

#define INITIAL_SLOTS 1024

struct slot {
	uint64_t ino;
	uint32_t dev;
	bool used;
	struct mw_file_status status;
};

struct mw_stat_cache {
	struct slot *slots;
	size_t capacity; /* a power of two */
	size_t used;
	mw_stat_source_fn source;
	void *source_ctx;
	struct mw_file_status answer; /* what the source said, or a stat it will hold */
};

static struct slot *probe(struct slot *slots, size_t capacity, uint32_t dev, uint64_t ino)
{
	size_t mask = capacity - 1, i = mw_inode_id_hash(dev, ino) & mask;

	while (slots[i].used && (slots[i].ino != ino || slots[i].dev != dev))
		i = (i + 1) & mask;
	return &slots[i];
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
	struct slot *slot = probe(cache->slots, cache->capacity, dev, ino);

	if (!slot->used) {
		if (cache->source && cache->source(cache->source_ctx, dev, ino, &cache->answer))
			return &cache->answer;
		return NULL;
	}
	/* another subvolume's file may have this number: only the same VMA's name knows */
	if (slot->status.dev != dev && slot->status.seen_as != seen_as(pid, path))
		return NULL;
	return &slot->status;
}

/* Doubles the table: at most half full keeps the probes short. */
static int grow(struct mw_stat_cache *cache)
{
	size_t capacity = cache->capacity * 2;
	struct slot *slots = calloc(capacity, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < cache->capacity; i++)
		if (cache->slots[i].used)
			*probe(slots, capacity, cache->slots[i].dev, cache->slots[i].ino) =
				cache->slots[i];
	free(cache->slots);
	cache->slots = slots;
	cache->capacity = capacity;
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

	if (cache->source && S_ISREG(st->st_mode) &&
	    (major(st->st_dev) << 20 | minor(st->st_dev)) == dev) {
		fill(&cache->answer, dev, pid, path, st);
		return &cache->answer;
	}
	if ((cache->used + 1) * 2 > cache->capacity && grow(cache))
		return NULL;
	slot = probe(cache->slots, cache->capacity, dev, ino);
	if (!slot->used) {
		slot->used = true;
		slot->ino = ino;
		slot->dev = dev;
		cache->used++;
	}
	fill(&slot->status, dev, pid, path, st);
	return &slot->status;
}
