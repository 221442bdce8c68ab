// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <uthash.h>
#include "unfiled_inodes.h"

struct unfiled_key {
	uint64_t ino;
	uint32_t dev;
	uint32_t pad; /* zero: the whole struct is the hash key */
};

struct unfiled_entry {
	struct unfiled_key key;
	UT_hash_handle hh;
	struct mw_file_id file;
	uint64_t name_hash;
};

struct mw_unfiled_inodes {
	struct unfiled_entry *entries;
	struct unfiled_entry *next_visit; /* NULL: from the first */
};

struct mw_unfiled_inodes *unfiled_inodes__create(void)
{
	return calloc(1, sizeof(struct mw_unfiled_inodes));
}

void unfiled_inodes__destroy(struct mw_unfiled_inodes *set)
{
	struct unfiled_entry *entry, *next;

	if (!set)
		return;
	HASH_ITER(hh, set->entries, entry, next) {
		HASH_DEL(set->entries, entry);
		free(entry);
	}
	free(set);
}

static struct unfiled_entry *find(const struct mw_unfiled_inodes *set, uint32_t dev, uint64_t ino)
{
	struct unfiled_key key = { .ino = ino, .dev = dev };
	struct unfiled_entry *entry;

	HASH_FIND(hh, set->entries, &key, sizeof(key), entry);
	return entry;
}

int unfiled_inodes__add(struct mw_unfiled_inodes *set, const struct mw_file_id *file,
			uint64_t name_hash)
{
	struct unfiled_entry *entry = find(set, file->dev, file->ino);

	if (entry) {
		/* the name may have changed since: try under the newest */
		entry->file = *file;
		entry->name_hash = name_hash;
		return 0;
	}
	entry = calloc(1, sizeof(*entry));
	if (!entry)
		return -ENOMEM;
	entry->key.ino = file->ino;
	entry->key.dev = file->dev;
	entry->file = *file;
	entry->name_hash = name_hash;
	HASH_ADD(hh, set->entries, key, sizeof(entry->key), entry);
	return 1;
}

static void drop(struct mw_unfiled_inodes *set, struct unfiled_entry *entry)
{
	if (set->next_visit == entry)
		set->next_visit = entry->hh.next;
	HASH_DEL(set->entries, entry);
	free(entry);
}

void unfiled_inodes__remove(struct mw_unfiled_inodes *set, uint32_t dev, uint64_t ino)
{
	struct unfiled_entry *entry = find(set, dev, ino);

	if (entry)
		drop(set, entry);
}

size_t unfiled_inodes__count(const struct mw_unfiled_inodes *set)
{
	return HASH_COUNT(set->entries);
}

size_t unfiled_inodes__visit(struct mw_unfiled_inodes *set, size_t max,
			     unfiled_inodes_visit_fn visit, void *context)
{
	size_t visited = 0, total = HASH_COUNT(set->entries);

	while (visited < max && visited < total && set->entries) {
		struct unfiled_entry *entry = set->next_visit ? set->next_visit : set->entries;

		set->next_visit = entry->hh.next;
		visited++;
		if (visit(context, &entry->file, entry->name_hash))
			drop(set, entry);
	}
	return visited;
}
