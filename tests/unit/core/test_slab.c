// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

/* More than one 1 MiB chunk holds, so chunk boundaries are crossed. */
#define OBJECTS 40000
#define OBJECT_SIZE 100

static void *objects[OBJECTS];

static void fill_all(struct mw_slab *slab)
{
	for (size_t i = 0; i < OBJECTS; i++) {
		objects[i] = slab__alloc(slab);
		cr_assert_not_null(objects[i]);
		memset(objects[i], (int)(i & 0xff), OBJECT_SIZE);
	}
}

Test(slab, objects_are_aligned_distinct_and_keep_their_bytes)
{
	struct mw_slab slab = MW_SLAB_INIT(OBJECT_SIZE);

	fill_all(&slab);
	cr_assert_eq(slab.live_objects, OBJECTS);
	cr_assert_gt(slab.chunks, 1, "40,000 objects of 112 bytes need several chunks");
	for (size_t i = 0; i < OBJECTS; i++) {
		const unsigned char *bytes = objects[i];

		cr_assert_eq((uintptr_t)objects[i] % 16, 0);
		for (size_t b = 0; b < OBJECT_SIZE; b++)
			cr_assert_eq(bytes[b], i & 0xff, "object %zu byte %zu overwritten", i, b);
	}
	for (size_t i = 0; i < OBJECTS; i++)
		slab__free(&slab, objects[i]);
	cr_assert_eq(slab.live_objects, 0);
	cr_assert_leq(slab.chunks, 1, "empty chunks go back to the kernel but one");
}

Test(slab, freed_objects_are_reused_before_new_chunks)
{
	struct mw_slab slab = MW_SLAB_INIT(OBJECT_SIZE);
	size_t chunks;

	fill_all(&slab);
	chunks = slab.chunks;
	/* every other object freed, then as many allocated again: no new chunk */
	for (size_t i = 0; i < OBJECTS; i += 2)
		slab__free(&slab, objects[i]);
	for (size_t i = 0; i < OBJECTS; i += 2) {
		objects[i] = slab__alloc(&slab);
		cr_assert_not_null(objects[i]);
	}
	cr_assert_eq(slab.chunks, chunks);
	cr_assert_eq(slab.live_objects, OBJECTS);
	for (size_t i = 0; i < OBJECTS; i++)
		slab__free(&slab, objects[i]);
	cr_assert_eq(slab.live_objects, 0);
	cr_assert_leq(slab.chunks, 1);
}

Test(slab, frees_in_any_order_return_every_chunk_but_one)
{
	struct mw_slab slab = MW_SLAB_INIT(OBJECT_SIZE);

	fill_all(&slab);
	srand(16);
	for (size_t i = OBJECTS - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1);
		void *swap = objects[i];

		objects[i] = objects[j];
		objects[j] = swap;
	}
	for (size_t i = 0; i < OBJECTS; i++)
		slab__free(&slab, objects[i]);
	cr_assert_eq(slab.live_objects, 0);
	cr_assert_eq(slab.chunks, 1);
	/* and the kept chunk serves again */
	objects[0] = slab__alloc(&slab);
	cr_assert_not_null(objects[0]);
	cr_assert_eq(slab.chunks, 1);
	slab__free(&slab, objects[0]);
}

Test(slab, small_objects_still_hold_a_free_list_link)
{
	struct mw_slab slab = MW_SLAB_INIT(1);
	void *a = slab__alloc(&slab), *b = slab__alloc(&slab);

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_geq((uintptr_t)b > (uintptr_t)a ? (uintptr_t)b - (uintptr_t)a
						  : (uintptr_t)a - (uintptr_t)b,
		      sizeof(void *));
	slab__free(&slab, a);
	slab__free(&slab, b);
	slab__free(&slab, NULL);
	cr_assert_eq(slab.live_objects, 0);
}
