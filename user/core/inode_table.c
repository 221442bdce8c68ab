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
static struct mw_slab bucket_slab = MW_SLAB_INIT(sizeof(struct name_bucket));

uint64_t inode_table__name_hash(const char *basename)
{
	return mw_name_hash(basename);
}

const char *inode_table__basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

struct mw_inode *inode_table__find(struct inode_table *table, uint32_t dev, uint64_t ino)
{
	struct inode_id id = { .ino = ino, .dev = dev };
	struct mw_inode *inode;

	HASH_FIND(hh, table->by_id, &id, sizeof(id), inode);
	return inode;
}

static struct name_bucket *bucket_get(struct inode_table *table, uint64_t name_hash)
{
	struct name_bucket *bucket;

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

static void bucket_remove(struct inode_table *table, struct mw_inode *inode)
{
	struct name_bucket *bucket;

	HASH_FIND(hh, table->by_name, &inode->name_hash, sizeof(inode->name_hash), bucket);
	if (!bucket)
		return;
	DL_DELETE2(bucket->inodes, inode, bucket_prev, bucket_next);
	if (!bucket->inodes) {
		HASH_DEL(table->by_name, bucket);
		slab__free(&bucket_slab, bucket);
	}
}

struct mw_inode *inode_table__add(struct inode_table *table, uint32_t dev, uint64_t ino,
				  const char *path, uint64_t name_hash)
{
	struct mw_inode *inode = slab__alloc(&inode_slab);
	struct name_bucket *bucket;

	if (!inode)
		return NULL;
	memset(inode, 0, sizeof(*inode));
	inode->id.ino = ino;
	inode->id.dev = dev;
	inode->maps_dev = dev; /* the same on most filesystems; the caller knows better */
	inode->size_known = true; /* every kernel record carries the size */
	inode->path = strdup(path);
	bucket = inode->path ? bucket_get(table, name_hash) : NULL;
	if (!bucket) {
		free(inode->path);
		slab__free(&inode_slab, inode);
		return NULL;
	}
	inode->name_hash = name_hash;
	DL_APPEND2(bucket->inodes, inode, bucket_prev, bucket_next);
	HASH_ADD(hh, table->by_id, id, sizeof(inode->id), inode);
	return inode;
}

int inode_table__set_path(struct inode_table *table, struct mw_inode *inode, const char *path,
			  uint64_t name_hash)
{
	struct name_bucket *bucket = NULL;
	char *copy;

	if (strcmp(path, inode->path) == 0 && name_hash == inode->name_hash)
		return 0;
	copy = strdup(path);
	if (copy && name_hash != inode->name_hash)
		bucket = bucket_get(table, name_hash);
	if (!copy || (name_hash != inode->name_hash && !bucket)) {
		free(copy);
		return -ENOMEM;
	}
	if (bucket) {
		bucket_remove(table, inode);
		inode->name_hash = name_hash;
		DL_APPEND2(bucket->inodes, inode, bucket_prev, bucket_next);
	}
	free(inode->path);
	inode->path = copy;
	return 0;
}

int inode_table__set_basename(struct inode_table *table, struct mw_inode *inode,
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

void inode_table__remove(struct inode_table *table, struct mw_inode *inode)
{
	bucket_remove(table, inode);
	HASH_DEL(table->by_id, inode);
	free(inode->path);
	slab__free(&inode_slab, inode);
}

struct mw_inode *inode_table__by_name(struct inode_table *table, uint64_t name_hash)
{
	struct name_bucket *bucket;

	HASH_FIND(hh, table->by_name, &name_hash, sizeof(name_hash), bucket);
	return bucket ? bucket->inodes : NULL;
}

size_t inode_table__count(const struct inode_table *table)
{
	return HASH_COUNT(table->by_id);
}

void inode_table__destroy(struct inode_table *table)
{
	struct mw_inode *inode, *next_inode;
	struct name_bucket *bucket, *next_bucket;

	HASH_ITER(hh, table->by_id, inode, next_inode) {
		HASH_DEL(table->by_id, inode);
		free(inode->path);
		slab__free(&inode_slab, inode);
	}
	HASH_ITER(hh, table->by_name, bucket, next_bucket) {
		HASH_DEL(table->by_name, bucket);
		slab__free(&bucket_slab, bucket);
	}
}
