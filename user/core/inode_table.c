// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>
#include "inode_table.h"
#include "mapwatch_events.h"
#include "slab.h"

/* One of each per mapped file: a scan of a host of distinct files makes 100,000s. */
static struct mw_slab inode_slab = MW_SLAB_INIT(sizeof(struct mw_inode));
static struct mw_slab bucket_slab = MW_SLAB_INIT(sizeof(struct mw_name_bucket));

uint64_t inode_table__name_hash(const char *basename)
{
	return mw_name_hash(basename);
}

const char *inode_table__basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

#define INITIAL_SLOTS 1024

static size_t home_slot(const struct mw_inode_table *table, uint32_t dev, uint64_t ino)
{
	return mw_inode_id_hash(dev, ino) & (table->capacity - 1);
}

/* The slot holding {dev, ino}, or the empty slot where it would go. */
static struct mw_inode_table_slot *probe(const struct mw_inode_table *table, uint32_t dev,
					 uint64_t ino)
{
	size_t mask = table->capacity - 1, i = home_slot(table, dev, ino);
	struct mw_inode_table_slot *slot;

	for (;; i = (i + 1) & mask) {
		slot = &table->slots[i];
		if (!slot->inode || (slot->ino == ino && slot->dev == dev))
			return slot;
	}
}

struct mw_inode *inode_table__find(struct mw_inode_table *table, uint32_t dev, uint64_t ino)
{
	if (!table->count)
		return NULL;
	return probe(table, dev, ino)->inode;
}

static int grow(struct mw_inode_table *table)
{
	size_t capacity = table->capacity ? table->capacity * 2 : INITIAL_SLOTS;
	struct mw_inode_table_slot *old = table->slots;
	size_t old_capacity = table->capacity;

	table->slots = calloc(capacity, sizeof(*table->slots));
	if (!table->slots) {
		table->slots = old;
		return -ENOMEM;
	}
	table->capacity = capacity;
	for (size_t i = 0; i < old_capacity; i++) {
		if (old[i].inode)
			*probe(table, old[i].dev, old[i].ino) = old[i];
	}
	free(old);
	return 0;
}

/* Linear probing's deletion: later entries of the run move up, no tombstones. */
static void unslot(struct mw_inode_table *table, struct mw_inode_table_slot *slot)
{
	size_t mask = table->capacity - 1, hole = (size_t)(slot - table->slots), i = hole;

	for (;;) {
		size_t home;

		i = (i + 1) & mask;
		if (!table->slots[i].inode)
			break;
		home = home_slot(table, table->slots[i].dev, table->slots[i].ino);
		/* it may fill the hole when the hole lies between its home and where it is */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			table->slots[hole] = table->slots[i];
			hole = i;
		}
	}
	table->slots[hole] = (struct mw_inode_table_slot){ 0 };
}

static struct mw_name_bucket *bucket_get(struct mw_inode_table *table, uint64_t name_hash)
{
	struct mw_name_bucket *bucket;

	HASH_FIND(hh, table->by_name, &name_hash, sizeof(name_hash), bucket);
	if (!bucket) {
		bucket = slab__alloc(&bucket_slab);
		if (!bucket)
			return NULL;
		memset(bucket, 0, sizeof(*bucket));
		bucket->name_hash = name_hash;
		HASH_ADD(hh, table->by_name, name_hash, sizeof(bucket->name_hash), bucket);
	}
	return bucket;
}

static int bucket_insert(struct mw_inode_table *table, struct mw_inode *inode)
{
	struct mw_name_bucket *bucket;

	if (!table->names_indexed)
		return 0;
	bucket = bucket_get(table, inode->name_hash);
	if (!bucket)
		return -ENOMEM;
	DL_APPEND2(bucket->inodes, inode, bucket_prev, bucket_next);
	return 0;
}

static void bucket_remove(struct mw_inode_table *table, struct mw_inode *inode)
{
	struct mw_name_bucket *bucket;

	if (!table->names_indexed)
		return;
	HASH_FIND(hh, table->by_name, &inode->name_hash, sizeof(inode->name_hash), bucket);
	if (!bucket)
		return;
	DL_DELETE2(bucket->inodes, inode, bucket_prev, bucket_next);
	if (!bucket->inodes) {
		HASH_DEL(table->by_name, bucket);
		slab__free(&bucket_slab, bucket);
	}
}

static void free_buckets(struct mw_inode_table *table)
{
	struct mw_name_bucket *bucket, *next_bucket;

	HASH_ITER(hh, table->by_name, bucket, next_bucket) {
		HASH_DEL(table->by_name, bucket);
		slab__free(&bucket_slab, bucket);
	}
	table->names_indexed = false;
}

struct mw_inode *inode_table__add(struct mw_inode_table *table, uint32_t dev, uint64_t ino,
				  const char *path, uint64_t name_hash)
{
	struct mw_inode *inode;
	struct mw_inode_table_slot *slot;

	if ((table->count + 1) * 2 > table->capacity && grow(table))
		return NULL;
	inode = slab__alloc(&inode_slab);
	if (!inode)
		return NULL;
	memset(inode, 0, sizeof(*inode));
	inode->id.ino = ino;
	inode->id.dev = dev;
	inode->maps_dev = dev; /* the same on most filesystems; the caller knows better */
	inode->name_hash = name_hash;
	inode->path = strdup(path);
	if (!inode->path || bucket_insert(table, inode)) {
		free(inode->path);
		slab__free(&inode_slab, inode);
		return NULL;
	}
	slot = probe(table, dev, ino);
	*slot = (struct mw_inode_table_slot){ .ino = ino, .dev = dev, .inode = inode };
	table->count++;
	DL_APPEND2(table->all, inode, all_prev, all_next);
	return inode;
}

int inode_table__set_path(struct mw_inode_table *table, struct mw_inode *inode, const char *path,
			  uint64_t name_hash)
{
	struct mw_name_bucket *bucket = NULL;
	char *copy;

	if (strcmp(path, inode->path) == 0 && name_hash == inode->name_hash)
		return 0;
	copy = strdup(path);
	if (copy && name_hash != inode->name_hash && table->names_indexed)
		bucket = bucket_get(table, name_hash);
	if (!copy || (name_hash != inode->name_hash && table->names_indexed && !bucket)) {
		free(copy);
		return -ENOMEM;
	}
	if (bucket) {
		bucket_remove(table, inode);
		DL_APPEND2(bucket->inodes, inode, bucket_prev, bucket_next);
	}
	inode->name_hash = name_hash;
	free(inode->path);
	inode->path = copy;
	return 0;
}

int inode_table__set_basename(struct mw_inode_table *table, struct mw_inode *inode,
			      const char *basename, uint64_t name_hash)
{
	const char *old_base = inode_table__basename(inode->path);
	size_t directory_length = (size_t)(old_base - inode->path);
	char *path;
	int err;

	if (strcmp(old_base, basename) == 0 && name_hash == inode->name_hash)
		return 0;
	path = malloc(directory_length + strlen(basename) + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, inode->path, directory_length);
	strcpy(path + directory_length, basename);
	err = inode_table__set_path(table, inode, path, name_hash);
	free(path);
	return err;
}

void inode_table__remove(struct mw_inode_table *table, struct mw_inode *inode)
{
	struct mw_inode_table_slot *slot = probe(table, inode->id.dev, inode->id.ino);

	bucket_remove(table, inode);
	if (slot->inode == inode) {
		unslot(table, slot);
		table->count--;
	}
	DL_DELETE2(table->all, inode, all_prev, all_next);
	free(inode->path);
	slab__free(&inode_slab, inode);
}

/* Indexes every inode by basename the first time it is asked. */
struct mw_inode *inode_table__by_name(struct mw_inode_table *table, uint64_t name_hash)
{
	struct mw_name_bucket *bucket;

	if (!table->names_indexed) {
		struct mw_inode *inode;

		table->names_indexed = true;
		INODE_TABLE_FOREACH(table, inode)
		{
			if (bucket_insert(table, inode)) {
				free_buckets(table); /* asked again next time */
				return NULL;
			}
		}
	}
	HASH_FIND(hh, table->by_name, &name_hash, sizeof(name_hash), bucket);
	return bucket ? bucket->inodes : NULL;
}

size_t inode_table__count(const struct mw_inode_table *table)
{
	return table->count;
}

void inode_table__destroy(struct mw_inode_table *table)
{
	struct mw_inode *inode, *next_inode;

	DL_FOREACH_SAFE2(table->all, inode, next_inode, all_next)
	{
		free(inode->path);
		slab__free(&inode_slab, inode);
	}
	free_buckets(table);
	free(table->slots);
	*table = (struct mw_inode_table){ 0 };
}
