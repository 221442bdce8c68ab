// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The walk's stat cache against a plain list, over random inodes: what was
 * added is found with what its latest stat said, what was not is not, across
 * the table's growth and whether or not a find came just before the add.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "stat_cache.h"

#define FILES 20000
#define OPERATIONS 200000

struct known {
	uint32_t dev;
	uint64_t ino;
	off_t size; /* 0: never added */
	nlink_t nlink;
};

static struct known files[FILES];

static struct stat stat_of(uint32_t dev, off_t size, nlink_t nlink)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_dev = makedev(dev >> 20, dev & 0xfffff);
	st.st_mode = S_IFREG | 0600;
	st.st_size = size;
	st.st_nlink = nlink;
	st.st_blocks = size / 512;
	return st;
}

Test(stat_cache, finds_what_was_added_as_a_list_would)
{
	unsigned int seed = (unsigned int)time(NULL);
	struct mw_stat_cache *cache = stat_cache__create();

	cr_assert_not_null(cache);
	srand(seed);
	for (size_t i = 0; i < FILES; i++) {
		/* few devices, inode numbers close together as filesystems hand them out */
		files[i].dev = (uint32_t)(8 << 20 | (rand() % 3));
		files[i].ino = 1000 + i / 3 + (uint64_t)(rand() % 2) * 1000000;
		files[i].size = 0;
	}
	/* the same {dev, ino} twice in the list would make the model ambiguous: drop repeats */
	for (size_t i = 0; i < FILES; i++)
		for (size_t j = i + 1; j < FILES && j < i + 8; j++)
			if (files[j].dev == files[i].dev && files[j].ino == files[i].ino)
				files[j].ino += 5000000 + j;
	for (int op = 0; op < OPERATIONS; op++) {
		struct known *file = &files[rand() % FILES];
		const struct mw_file_status *status;

		status = stat_cache__find(cache, file->dev, file->ino, 1, "/x");
		if (!file->size) {
			cr_assert_null(status, "seed %u: op %d: found a file never added", seed, op);
		} else {
			cr_assert_not_null(status, "seed %u: op %d: lost a file", seed, op);
			cr_assert_eq(status->size, file->size, "seed %u: op %d", seed, op);
			cr_assert_eq(status->nlink, file->nlink, "seed %u: op %d", seed, op);
		}
		if (rand() % 2) {
			struct stat st;

			/* now and then an add with no find just before it, or after another's */
			if (rand() % 4 == 0)
				(void)stat_cache__find(cache, files[rand() % FILES].dev, 7, 1, "/y");
			file->size = 1 + rand() % 100000;
			file->nlink = (nlink_t)(rand() % 3);
			st = stat_of(file->dev, file->size, file->nlink);
			status = stat_cache__add(cache, file->dev, file->ino, 1, "/x", &st);
			cr_assert_not_null(status);
			cr_assert_eq(status->size, file->size, "seed %u: op %d", seed, op);
		}
	}
	stat_cache__destroy(cache);
}

/* A file whose st_dev is not the maps line's (a btrfs subvolume) answers only its own VMA's name. */
Test(stat_cache, an_ambiguous_number_answers_only_the_same_name_in_the_same_process)
{
	struct mw_stat_cache *cache = stat_cache__create();
	uint32_t line_dev = 0 << 20 | 40, subvolume = 0 << 20 | 41;
	struct stat st = stat_of(subvolume, 4096, 1);

	cr_assert_not_null(cache);
	cr_assert_not_null(stat_cache__add(cache, line_dev, 257, 10, "/data/a", &st));
	cr_assert_not_null(stat_cache__find(cache, line_dev, 257, 10, "/data/a"));
	cr_assert_null(stat_cache__find(cache, line_dev, 257, 10, "/snapshot/a"));
	cr_assert_null(stat_cache__find(cache, line_dev, 257, 11, "/data/a"));
	stat_cache__destroy(cache);
}
