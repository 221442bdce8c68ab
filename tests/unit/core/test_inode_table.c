// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inode_table.h"

/*
 * Few distinct keys and many operations: probe runs grow long, wrap around
 * the array and are cut by removals in their middle, the cases linear
 * probing's deletion must get right.
 */
#define KEYS 3000
#define OPERATIONS 200000

struct reference {
	bool present[KEYS];
	struct mw_inode *inode[KEYS];
};

/* Inode numbers repeat across devices, as on btrfs: only {dev, ino} is a key. */
static uint32_t key_dev(int key)
{
	return 1 + (uint32_t)(key % 3);
}

static uint64_t key_ino(int key)
{
	return 1000 + (uint64_t)(key / 3);
}

static void key_name(int key, char *name, size_t size)
{
	/* several inodes per basename, as Kafka names every first segment the same */
	snprintf(name, size, "/data/%d/%020d.index", key, key % 17);
}

static void expect_same(struct mw_inode_table *table, const struct reference *reference,
			unsigned int seed, int operation)
{
	size_t count = 0, listed = 0;
	struct mw_inode *inode;

	for (int key = 0; key < KEYS; key++) {
		struct mw_inode *found = inode_table__find(table, key_dev(key), key_ino(key));

		cr_assert_eq(found, reference->present[key] ? reference->inode[key] : NULL,
			     "seed %u, after operation %d: key %d found wrongly", seed, operation,
			     key);
		count += reference->present[key];
	}
	cr_assert_eq(inode_table__count(table), count, "seed %u", seed);
	INODE_TABLE_FOREACH(table, inode)
	{
		listed++;
	}
	cr_assert_eq(listed, count, "seed %u: the list and the index disagree", seed);
}

Test(inode_table, finds_exactly_what_was_added_through_random_adds_and_removes)
{
	unsigned int seed = (unsigned int)time(NULL);
	struct reference *reference = calloc(1, sizeof(*reference));
	struct mw_inode_table table = { 0 };
	char path[64];

	cr_assert_not_null(reference);
	srand(seed);
	for (int operation = 0; operation < OPERATIONS; operation++) {
		int key = rand() % KEYS;

		if (reference->present[key]) {
			inode_table__remove(&table, reference->inode[key]);
			reference->present[key] = false;
		} else {
			key_name(key, path, sizeof(path));
			reference->inode[key] = inode_table__add(
				&table, key_dev(key), key_ino(key), path,
				inode_table__name_hash(inode_table__basename(path)));
			cr_assert_not_null(reference->inode[key], "seed %u", seed);
			reference->present[key] = true;
		}
		if (operation % 20000 == 0)
			expect_same(&table, reference, seed, operation);
	}
	expect_same(&table, reference, seed, OPERATIONS);
	inode_table__destroy(&table);
	free(reference);
}

static size_t count_by_name(struct mw_inode_table *table, const char *basename)
{
	struct mw_inode *inode = inode_table__by_name(table, inode_table__name_hash(basename));
	size_t count = 0;

	for (; inode; inode = inode->bucket_next)
		count++;
	return count;
}

Test(inode_table, basename_index_built_on_first_use_then_kept)
{
	struct mw_inode_table table = { 0 };
	struct mw_inode *first, *second, *third;

	first = inode_table__add(&table, 1, 10, "/a/00000000000000000000.index",
				 inode_table__name_hash("00000000000000000000.index"));
	second = inode_table__add(&table, 1, 11, "/b/00000000000000000000.index",
				  inode_table__name_hash("00000000000000000000.index"));
	cr_assert(first && second);
	cr_assert_not(table.names_indexed, "nobody asked by name yet");
	/* a rename before the index exists still counts once it is built */
	cr_assert_eq(inode_table__set_basename(&table, second, "renamed.index",
					       inode_table__name_hash("renamed.index")),
		     0);
	cr_assert_eq(count_by_name(&table, "00000000000000000000.index"), 1);
	cr_assert(table.names_indexed);
	cr_assert_eq(count_by_name(&table, "renamed.index"), 1);

	/* kept up to date from then on: adds, renames and removals */
	third = inode_table__add(&table, 2, 10, "/c/00000000000000000000.index",
				 inode_table__name_hash("00000000000000000000.index"));
	cr_assert_not_null(third);
	cr_assert_eq(count_by_name(&table, "00000000000000000000.index"), 2);
	cr_assert_eq(inode_table__set_path(&table, first, "/a/renamed.index",
					   inode_table__name_hash("renamed.index")),
		     0);
	cr_assert_eq(count_by_name(&table, "renamed.index"), 2);
	cr_assert_eq(count_by_name(&table, "00000000000000000000.index"), 1);
	inode_table__remove(&table, second);
	cr_assert_eq(count_by_name(&table, "renamed.index"), 1);
	cr_assert_eq(inode_table__find(&table, 1, 11), NULL);
	cr_assert_eq(inode_table__find(&table, 2, 10), third);
	inode_table__destroy(&table);
}
