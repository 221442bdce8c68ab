// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "vma_tree.h"

#define PAGE 4096ULL
#define BASE 0x7f0000000000ULL

/* Counts hook calls: live entries must equal added minus removed. */
struct hook_counts {
	long added;
	long removed;
	long unmapped;
};

static void count_added(void *ctx, struct mw_vma_entry *entry)
{
	(void)entry;
	((struct hook_counts *)ctx)->added++;
}

static void count_removed(void *ctx, struct mw_vma_entry *entry, enum mw_vma_removal why)
{
	(void)entry;
	((struct hook_counts *)ctx)->removed++;
	if (why == VMA_TREE_UNMAPPED)
		((struct hook_counts *)ctx)->unmapped++;
}

static const struct mw_vma_tree_hooks counting_hooks = { count_added, count_removed, NULL };

static struct mw_vma_tree map;
static struct hook_counts counts;

static void setup(void)
{
	memset(&counts, 0, sizeof(counts));
	vma_tree__init(&map, &counting_hooks, &counts);
}

static void teardown(void)
{
	vma_tree__clear(&map, VMA_TREE_UNMAPPED);
	cr_assert_eq(counts.added, counts.removed);
}

static void map_pages(uint64_t first_page, uint64_t pages, uint64_t ino, uint64_t offset_page,
		      uint32_t prot)
{
	struct mw_vma_entry entry = {
		.start = BASE + first_page * PAGE,
		.end = BASE + (first_page + pages) * PAGE,
		.offset = offset_page * PAGE,
		.ino = ino,
		.dev = 1,
		.prot = prot,
		.shared = true,
	};

	cr_assert_eq(vma_tree__insert(&map, &entry, true), 0);
}

/* Asserts the map holds exactly these entries: {first page, pages, offset page}. */
static void expect_entries(const uint64_t (*expected)[3], size_t count)
{
	struct mw_vma_entry *entry = vma_tree__first(&map);

	cr_assert_eq(vma_tree__count(&map), count, "count %zu, want %zu", vma_tree__count(&map),
		     count);
	cr_assert_eq((long)count, counts.added - counts.removed);
	for (size_t i = 0; i < count; i++, entry = vma_tree__next(entry)) {
		cr_assert_not_null(entry);
		cr_assert_eq(entry->start, BASE + expected[i][0] * PAGE, "entry %zu start", i);
		cr_assert_eq(entry->end, BASE + (expected[i][0] + expected[i][1]) * PAGE,
			     "entry %zu end", i);
		cr_assert_eq(entry->offset, expected[i][2] * PAGE, "entry %zu offset", i);
	}
	cr_assert_null(entry);
}

TestSuite(vma_tree, .init = setup, .fini = teardown);

Test(vma_tree, partial_munmap_front_back_and_middle)
{
	map_pages(0, 10, 7, 0, PROT_READ);
	cr_assert_eq(vma_tree__remove_range(&map, BASE, BASE + 2 * PAGE, VMA_TREE_UNMAPPED), 0);
	expect_entries((const uint64_t[][3]){ { 2, 8, 2 } }, 1);
	cr_assert_eq(
		vma_tree__remove_range(&map, BASE + 8 * PAGE, BASE + 10 * PAGE, VMA_TREE_UNMAPPED),
		0);
	expect_entries((const uint64_t[][3]){ { 2, 6, 2 } }, 1);
	cr_assert_eq(
		vma_tree__remove_range(&map, BASE + 4 * PAGE, BASE + 5 * PAGE, VMA_TREE_UNMAPPED),
		0);
	expect_entries((const uint64_t[][3]){ { 2, 2, 2 }, { 5, 3, 5 } }, 2);
	/* Trims and splits end no mapping. */
	cr_assert_eq(counts.unmapped, 0);
}

Test(vma_tree, munmap_across_several_mappings)
{
	map_pages(0, 4, 1, 0, PROT_READ);
	map_pages(5, 4, 2, 0, PROT_READ);
	map_pages(10, 4, 3, 0, PROT_READ);
	map_pages(15, 4, 4, 0, PROT_READ);
	cr_assert_eq(
		vma_tree__remove_range(&map, BASE + 2 * PAGE, BASE + 16 * PAGE, VMA_TREE_UNMAPPED),
		0);
	expect_entries((const uint64_t[][3]){ { 0, 2, 0 }, { 16, 3, 1 } }, 2);
	cr_assert_eq(counts.unmapped, 2);
	cr_assert_null(vma_tree__find(&map, BASE + 2 * PAGE));
	cr_assert_not_null(vma_tree__find(&map, BASE + 16 * PAGE));
	cr_assert_null(vma_tree__find(&map, BASE + 19 * PAGE));
}

Test(vma_tree, insert_replaces_what_it_overlaps)
{
	map_pages(0, 10, 1, 0, PROT_READ);
	map_pages(3, 2, 2, 0, PROT_READ);
	expect_entries((const uint64_t[][3]){ { 0, 3, 0 }, { 3, 2, 0 }, { 5, 5, 5 } }, 3);
	cr_assert_eq(vma_tree__find(&map, BASE + 4 * PAGE)->ino, 2);
}

Test(vma_tree, insert_merges_like_the_kernel)
{
	map_pages(0, 2, 1, 0, PROT_READ);
	map_pages(4, 2, 1, 4, PROT_READ);
	map_pages(2, 2, 1, 2, PROT_READ); /* fills the hole with contiguous offsets */
	expect_entries((const uint64_t[][3]){ { 0, 6, 0 } }, 1);
	map_pages(6, 2, 1, 9, PROT_READ); /* offsets not contiguous */
	map_pages(8, 2, 1, 11, PROT_WRITE); /* protection differs */
	expect_entries((const uint64_t[][3]){ { 0, 6, 0 }, { 6, 2, 9 }, { 8, 2, 11 } }, 3);
}

Test(vma_tree, mprotect_splits_and_merges_back)
{
	map_pages(0, 10, 1, 0, PROT_READ);
	cr_assert_eq(vma_tree__mprotect(&map, BASE + 3 * PAGE, BASE + 5 * PAGE, PROT_NONE), 0);
	expect_entries((const uint64_t[][3]){ { 0, 3, 0 }, { 3, 2, 3 }, { 5, 5, 5 } }, 3);
	cr_assert_eq(vma_tree__find(&map, BASE + 3 * PAGE)->prot, PROT_NONE);
	cr_assert_eq(vma_tree__find(&map, BASE + 5 * PAGE)->prot, PROT_READ);
	cr_assert_eq(vma_tree__mprotect(&map, BASE + 3 * PAGE, BASE + 5 * PAGE, PROT_READ), 0);
	expect_entries((const uint64_t[][3]){ { 0, 10, 0 } }, 1);
}

Test(vma_tree, mremap_moves_grows_and_shrinks)
{
	map_pages(0, 4, 1, 0, PROT_READ);
	/* move */
	cr_assert_eq(vma_tree__mremap(&map, BASE, 4 * PAGE, BASE + 20 * PAGE, 4 * PAGE,
				      MREMAP_MAYMOVE | MREMAP_FIXED),
		     0);
	expect_entries((const uint64_t[][3]){ { 20, 4, 0 } }, 1);
	/* grow in place */
	cr_assert_eq(
		vma_tree__mremap(&map, BASE + 20 * PAGE, 4 * PAGE, BASE + 20 * PAGE, 6 * PAGE, 0),
		0);
	expect_entries((const uint64_t[][3]){ { 20, 6, 0 } }, 1);
	/* shrink */
	cr_assert_eq(
		vma_tree__mremap(&map, BASE + 20 * PAGE, 6 * PAGE, BASE + 20 * PAGE, 1 * PAGE, 0),
		0);
	expect_entries((const uint64_t[][3]){ { 20, 1, 0 } }, 1);
	/* move and grow a middle part */
	map_pages(30, 8, 2, 0, PROT_READ);
	cr_assert_eq(vma_tree__mremap(&map, BASE + 32 * PAGE, 2 * PAGE, BASE + 50 * PAGE, 3 * PAGE,
				      MREMAP_MAYMOVE),
		     0);
	expect_entries(
		(const uint64_t[][3]){ { 20, 1, 0 }, { 30, 2, 0 }, { 34, 4, 4 }, { 50, 3, 2 } }, 4);
	/* Nothing ended: the moved and resized mappings live on. */
	cr_assert_eq(counts.unmapped, 0);
}

/*
 * Left where it was, a mapping is not split at the address given: the same
 * size changes nothing (the range may even run past the VMA), a shrink
 * unmaps the tail, growth extends the VMA the range ends.
 */
Test(vma_tree, mremap_in_place_splits_nothing)
{
	map_pages(0, 8, 1, 0, PROT_READ);
	cr_assert_eq(vma_tree__mremap(&map, BASE + PAGE, 2 * PAGE, BASE + PAGE, 2 * PAGE,
				      MREMAP_MAYMOVE),
		     0);
	cr_assert_eq(vma_tree__mremap(&map, BASE + 6 * PAGE, 4 * PAGE, BASE + 6 * PAGE, 4 * PAGE,
				      MREMAP_MAYMOVE),
		     0);
	expect_entries((const uint64_t[][3]){ { 0, 8, 0 } }, 1);
	cr_assert_eq(
		vma_tree__mremap(&map, BASE + PAGE, 2 * PAGE, BASE + PAGE, PAGE, MREMAP_MAYMOVE),
		0);
	expect_entries((const uint64_t[][3]){ { 0, 2, 0 }, { 3, 5, 3 } }, 2);
	map_pages(10, 4, 2, 0, PROT_READ);
	cr_assert_eq(
		vma_tree__mremap(&map, BASE + 12 * PAGE, 2 * PAGE, BASE + 12 * PAGE, 4 * PAGE, 0),
		0);
	expect_entries((const uint64_t[][3]){ { 0, 2, 0 }, { 3, 5, 3 }, { 10, 6, 0 } }, 3);
}

Test(vma_tree, mremap_dontunmap_keeps_the_source_and_fixed_replaces_the_target)
{
	map_pages(0, 4, 1, 0, PROT_READ);
	map_pages(10, 4, 2, 0, PROT_READ);
	cr_assert_eq(vma_tree__mremap(&map, BASE, 4 * PAGE, BASE + 10 * PAGE, 4 * PAGE,
				      MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP),
		     0);
	expect_entries((const uint64_t[][3]){ { 0, 4, 0 }, { 10, 4, 0 } }, 2);
	cr_assert_eq(vma_tree__find(&map, BASE + 10 * PAGE)->ino, 1);
	cr_assert_eq(counts.unmapped, 1);
}

Test(vma_tree, mremap_of_length_zero_duplicates)
{
	map_pages(0, 4, 1, 0, PROT_READ);
	cr_assert_eq(
		vma_tree__mremap(&map, BASE + PAGE, 0, BASE + 10 * PAGE, 2 * PAGE, MREMAP_MAYMOVE),
		0);
	expect_entries((const uint64_t[][3]){ { 0, 4, 0 }, { 10, 2, 1 } }, 2);
}

/*
 * Randomised: a page-granular model of who maps what against the vma_tree.
 * After every step each page must agree, and no entry may join pages the
 * kernel would keep apart.
 */
#define MODEL_PAGES 96

struct model_page {
	uint64_t ino; /* 0: not a file mapping */
	uint64_t offset_page;
	uint32_t prot;
};

static struct model_page model[MODEL_PAGES];

static bool model_mergeable(size_t below)
{
	const struct model_page *a = &model[below], *b = &model[below + 1];

	return a->ino && b->ino == a->ino && b->offset_page == a->offset_page + 1 &&
	       b->prot == a->prot;
}

static void compare_with_model(unsigned step)
{
	size_t runs = 0;

	for (size_t page = 0; page < MODEL_PAGES; page++) {
		struct mw_vma_entry *entry = vma_tree__find(&map, BASE + page * PAGE);

		if (!model[page].ino) {
			cr_assert_null(entry, "step %u page %zu should be unmapped", step, page);
			continue;
		}
		cr_assert_not_null(entry, "step %u page %zu should be mapped", step, page);
		cr_assert_eq(entry->ino, model[page].ino, "step %u page %zu file", step, page);
		cr_assert_eq(entry->offset + (BASE + page * PAGE - entry->start),
			     model[page].offset_page * PAGE, "step %u page %zu offset", step, page);
		cr_assert_eq(entry->prot, model[page].prot, "step %u page %zu prot", step, page);
		if (page == 0 || !model_mergeable(page - 1))
			runs++;
	}
	/*
	 * No entry spans pages the kernel keeps apart (checked page by page above);
	 * runs may stay in several entries, as the kernel leaves VMAs resized in
	 * place, or of private writable memory mapped apart, unmerged.
	 */
	cr_assert_geq(vma_tree__count(&map), runs, "step %u: %zu entries, %zu runs", step,
		      vma_tree__count(&map), runs);
	cr_assert_eq((long)vma_tree__count(&map), counts.added - counts.removed, "step %u hooks",
		     step);
}

static size_t random_below(size_t limit)
{
	return (size_t)rand() % limit;
}

static void random_mremap(void)
{
	size_t page = random_below(MODEL_PAGES), first, last, old_first, old_pages, new_pages;
	struct model_page moved[MODEL_PAGES];
	uint64_t new_first;
	uint32_t flags = MREMAP_MAYMOVE;
	bool in_place;

	if (!model[page].ino)
		return;
	/* The source must lie within one VMA: one merged run of the model. */
	for (first = page; first > 0 && model_mergeable(first - 1); first--)
		;
	for (last = page; last + 1 < MODEL_PAGES && model_mergeable(last); last++)
		;
	old_first = first + random_below(last - first + 1);
	old_pages = 1 + random_below(last - old_first + 1);
	new_pages = 1 + random_below(8);
	in_place = random_below(2) == 0;
	if (in_place) {
		new_first = old_first;
		if (new_first + new_pages > MODEL_PAGES)
			return;
		for (size_t p = old_first + old_pages; p < new_first + new_pages; p++)
			if (model[p].ino)
				return; /* the kernel would have had to move it */
	} else {
		new_first = random_below(MODEL_PAGES - new_pages + 1);
		if (new_first < old_first + old_pages && old_first < new_first + new_pages)
			return; /* overlapping ranges: EINVAL */
		flags |= MREMAP_FIXED;
		if (random_below(3) == 0)
			flags |= MREMAP_DONTUNMAP;
	}
	for (size_t i = 0; i < new_pages; i++) {
		if (i < old_pages) {
			moved[i] = model[old_first + i];
		} else {
			moved[i] = moved[i - 1];
			moved[i].offset_page++;
		}
	}
	if (!(flags & MREMAP_DONTUNMAP))
		for (size_t i = 0; i < old_pages; i++)
			model[old_first + i] = (struct model_page){ 0 };
	for (size_t i = 0; i < new_pages; i++)
		model[new_first + i] = moved[i];
	cr_assert_eq(vma_tree__mremap(&map, BASE + old_first * PAGE, old_pages * PAGE,
				      BASE + new_first * PAGE, new_pages * PAGE, flags),
		     0);
}

Test(vma_tree, randomised_against_a_page_model)
{
	const uint32_t prots[] = { PROT_READ, PROT_READ | PROT_WRITE };

	srand(12345);
	memset(model, 0, sizeof(model));
	for (unsigned step = 0; step < 20000; step++) {
		size_t first = random_below(MODEL_PAGES);
		size_t pages =
			1 + random_below(MODEL_PAGES - first < 12 ? MODEL_PAGES - first : 12);
		uint32_t prot = prots[random_below(2)];

		switch (random_below(6)) {
		case 0:
		case 1: {
			uint64_t ino = 1 + random_below(3), offset = random_below(16);

			for (size_t i = 0; i < pages; i++)
				model[first + i] = (struct model_page){ ino, offset + i, prot };
			map_pages(first, pages, ino, offset, prot);
			break;
		}
		case 2:
			for (size_t i = 0; i < pages; i++)
				model[first + i] = (struct model_page){ 0 };
			cr_assert_eq(vma_tree__remove_range(&map, BASE + first * PAGE,
							    BASE + (first + pages) * PAGE,
							    VMA_TREE_UNMAPPED),
				     0);
			break;
		case 3:
			for (size_t i = 0; i < pages; i++)
				if (model[first + i].ino)
					model[first + i].prot = prot;
			cr_assert_eq(vma_tree__mprotect(&map, BASE + first * PAGE,
							BASE + (first + pages) * PAGE, prot),
				     0);
			break;
		default:
			random_mremap();
			break;
		}
		compare_with_model(step);
	}
}

/* A map that goes with its owner frees every entry, tells no hook, and can be filled again. */
Test(vma_tree, destroy_frees_every_entry_without_hooks)
{
	size_t live_before = vma_tree__live_entries();
	unsigned int random = 7;
	long removed;

	/* out of order, so the tree is not a chain of appends */
	for (int i = 0; i < 2000; i++)
		map_pages((uint64_t)(rand_r(&random) % 100000) * 2, 1, 100 + (uint64_t)i, 0,
			  PROT_READ);
	cr_assert_gt(vma_tree__count(&map), 1000);
	cr_assert_eq(vma_tree__live_entries(), live_before + vma_tree__count(&map));
	removed = counts.removed; /* the random pages that fell on each other */
	vma_tree__destroy(&map);
	cr_assert_eq(vma_tree__count(&map), 0);
	cr_assert_null(vma_tree__first(&map));
	cr_assert_eq(vma_tree__live_entries(), live_before);
	cr_assert_eq(counts.removed, removed, "no hook is told");
	/* what went without a hook is balanced here, for the teardown's check */
	counts.added = counts.removed;
	map_pages(0, 4, 1, 0, PROT_READ);
	cr_assert_eq(vma_tree__count(&map), 1);
}
