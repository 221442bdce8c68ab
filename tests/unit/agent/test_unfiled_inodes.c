// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The set of files the kernel's table had no room for: visited in turn, a batch at a time. */
#include <criterion/criterion.h>
#include "unfiled_inodes.h"

#define DEV (254u << 20)
#define FILES 10

static struct mw_unfiled_inodes *set;
static size_t visits[FILES + 1];
static uint64_t last_hash[FILES + 1];
static uint64_t drop_ino; /* the visit asks to drop this one */

static void setup(void)
{
	set = unfiled_inodes__create();
	cr_assert_not_null(set);
	memset(visits, 0, sizeof(visits));
	drop_ino = 0;
}

static void teardown(void)
{
	unfiled_inodes__destroy(set);
}

TestSuite(unfiled_inodes, .init = setup, .fini = teardown);

static struct mw_file_id file(uint64_t ino)
{
	return (struct mw_file_id){ .ino = ino, .dev = DEV };
}

static bool count_visit(void *context, const struct mw_file_id *file, uint64_t name_hash)
{
	(void)context;
	cr_assert_leq(file->ino, FILES);
	visits[file->ino]++;
	last_hash[file->ino] = name_hash;
	return file->ino == drop_ino;
}

static void add_all(void)
{
	for (uint64_t ino = 1; ino <= FILES; ino++) {
		struct mw_file_id id = file(ino);

		cr_assert_eq(unfiled_inodes__add(set, &id, ino * 100), 1);
	}
}

Test(unfiled_inodes, a_file_is_added_once_and_keeps_its_newest_name)
{
	struct mw_file_id id = file(1);

	cr_assert_eq(unfiled_inodes__add(set, &id, 5), 1);
	cr_assert_eq(unfiled_inodes__add(set, &id, 6), 0);
	cr_assert_eq(unfiled_inodes__count(set), 1);
	cr_assert_eq(unfiled_inodes__visit(set, 10, count_visit, NULL), 1);
	cr_assert_eq(last_hash[1], 6);
}

Test(unfiled_inodes, batches_go_on_where_the_last_stopped_and_cover_every_file)
{
	add_all();
	cr_assert_eq(unfiled_inodes__visit(set, 4, count_visit, NULL), 4);
	cr_assert_eq(unfiled_inodes__visit(set, 4, count_visit, NULL), 4);
	cr_assert_eq(unfiled_inodes__visit(set, 4, count_visit, NULL), 4);
	/* 12 visits of 10 files: each once, two of them twice */
	for (uint64_t ino = 1; ino <= FILES; ino++)
		cr_assert(visits[ino] == 1 || visits[ino] == 2, "file %lu visited %zu times",
			  (unsigned long)ino, visits[ino]);
	cr_assert_eq(unfiled_inodes__visit(set, 100, count_visit, NULL), FILES,
		     "once round at most per call");
}

Test(unfiled_inodes, a_visit_can_drop_its_file_and_removal_keeps_the_walk_going)
{
	add_all();
	drop_ino = 3;
	cr_assert_eq(unfiled_inodes__visit(set, FILES, count_visit, NULL), FILES);
	cr_assert_eq(unfiled_inodes__count(set), FILES - 1);
	unfiled_inodes__remove(set, DEV, 7);
	unfiled_inodes__remove(set, DEV, 7);
	unfiled_inodes__remove(set, DEV + 1, 8);
	cr_assert_eq(unfiled_inodes__count(set), FILES - 2);
	memset(visits, 0, sizeof(visits));
	cr_assert_eq(unfiled_inodes__visit(set, 3, count_visit, NULL), 3);
	cr_assert_eq(unfiled_inodes__visit(set, FILES, count_visit, NULL), FILES - 2);
	cr_assert_eq(visits[3], 0);
	cr_assert_eq(visits[7], 0);
}
