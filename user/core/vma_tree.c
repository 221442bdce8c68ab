// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "vma_tree.h"
#include "slab.h"

/* tree.h marks its static functions __unused, which glibc's cdefs does not define. */
#ifndef __unused
#define __unused __attribute__((unused))
#endif

static int compare_start(const struct mw_vma_entry *a, const struct mw_vma_entry *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

RB_GENERATE_STATIC(vma_rb_tree, mw_vma_entry, tree_link, compare_start)

/* One entry per VMA of every tracked process: from a slab, not one malloc each. */
static struct mw_slab entry_slab = MW_SLAB_INIT(sizeof(struct mw_vma_entry));

static struct mw_vma_entry *new_entry(void)
{
	return slab__alloc(&entry_slab);
}

static void free_entry(struct mw_vma_entry *entry)
{
	slab__free(&entry_slab, entry);
}

static void report_added(struct mw_vma_tree *map, struct mw_vma_entry *entry)
{
	if (map->hooks && map->hooks->added)
		map->hooks->added(map->hook_context, entry);
}

static void report_removed(struct mw_vma_tree *map, struct mw_vma_entry *entry,
			   enum mw_vma_removal why)
{
	if (map->hooks && map->hooks->removed)
		map->hooks->removed(map->hook_context, entry, why);
}

void vma_tree__init(struct mw_vma_tree *map, const struct mw_vma_tree_hooks *hooks,
		    void *hook_context)
{
	RB_INIT(&map->tree);
	map->last = NULL;
	map->count = 0;
	map->anon_serial = 0;
	map->hooks = hooks;
	map->hook_context = hook_context;
}

static void link_entry(struct mw_vma_tree *map, struct mw_vma_entry *entry)
{
	RB_INSERT(vma_rb_tree, &map->tree, entry);
	if (!map->last || entry->start > map->last->start)
		map->last = entry;
	map->count++;
	report_added(map, entry);
}

/* Links an entry that starts above every other one: the place is known, no search down the tree. */
static void link_last(struct mw_vma_tree *map, struct mw_vma_entry *last,
		      struct mw_vma_entry *entry)
{
	RB_SET(entry, last, tree_link);
	if (last)
		RB_RIGHT(last, tree_link) = entry;
	else
		RB_ROOT(&map->tree) = entry;
	vma_rb_tree_RB_INSERT_COLOR(&map->tree, entry);
	map->last = entry;
	map->count++;
	report_added(map, entry);
}

static void unlink_entry(struct mw_vma_tree *map, struct mw_vma_entry *entry,
			 enum mw_vma_removal why)
{
	report_removed(map, entry, why);
	if (map->last == entry)
		map->last = RB_PREV(vma_rb_tree, &map->tree, entry);
	RB_REMOVE(vma_rb_tree, &map->tree, entry);
	map->count--;
	free_entry(entry);
}

void vma_tree__clear(struct mw_vma_tree *map, enum mw_vma_removal why)
{
	struct mw_vma_entry *entry, *next;

	RB_FOREACH_SAFE(entry, vma_rb_tree, &map->tree, next)
		unlink_entry(map, entry, why);
}

size_t vma_tree__live_entries(void)
{
	return entry_slab.live_objects;
}

void vma_tree__destroy(struct mw_vma_tree *map)
{
	struct mw_vma_entry *entry = RB_ROOT(&map->tree), *parent;

	/* children before parents, so only entries not yet freed are read */
	while (entry) {
		if (RB_LEFT(entry, tree_link)) {
			entry = RB_LEFT(entry, tree_link);
			continue;
		}
		if (RB_RIGHT(entry, tree_link)) {
			entry = RB_RIGHT(entry, tree_link);
			continue;
		}
		parent = RB_PARENT(entry, tree_link);
		if (parent && RB_LEFT(parent, tree_link) == entry)
			RB_LEFT(parent, tree_link) = NULL;
		else if (parent)
			RB_RIGHT(parent, tree_link) = NULL;
		free_entry(entry);
		entry = parent;
	}
	RB_INIT(&map->tree);
	map->last = NULL;
	map->count = 0;
}

void vma_tree__remove_entry(struct mw_vma_tree *map, struct mw_vma_entry *entry,
			    enum mw_vma_removal why)
{
	unlink_entry(map, entry, why);
}

struct mw_vma_entry *vma_tree__first_from(struct mw_vma_tree *map, uint64_t addr)
{
	struct mw_vma_entry key = { .start = addr };

	return RB_NFIND(vma_rb_tree, &map->tree, &key);
}

struct mw_vma_entry *vma_tree__first(struct mw_vma_tree *map)
{
	return RB_MIN(vma_rb_tree, &map->tree);
}

struct mw_vma_entry *vma_tree__next(struct mw_vma_entry *entry)
{
	return RB_NEXT(vma_rb_tree, NULL, entry);
}

size_t vma_tree__count(const struct mw_vma_tree *map)
{
	return map->count;
}

/* The first entry that ends after addr: the one containing it, or the next one. */
static struct mw_vma_entry *first_ending_after(struct mw_vma_tree *map, uint64_t addr)
{
	struct mw_vma_entry key = { .start = addr };
	struct mw_vma_entry *entry = RB_NFIND(vma_rb_tree, &map->tree, &key);
	struct mw_vma_entry *previous;

	if (entry && entry->start == addr)
		return entry;
	previous = entry ? RB_PREV(vma_rb_tree, &map->tree, entry) : map->last;
	if (previous && previous->end > addr)
		return previous;
	return entry;
}

bool vma_tree__any_in(struct mw_vma_tree *map, uint64_t start, uint64_t end)
{
	struct mw_vma_entry *entry = first_ending_after(map, start);

	return entry && entry->start < end;
}

struct mw_vma_entry *vma_tree__find(struct mw_vma_tree *map, uint64_t addr)
{
	struct mw_vma_entry *entry = first_ending_after(map, addr);

	return entry && entry->start <= addr ? entry : NULL;
}

bool vma_tree__mergeable(const struct mw_vma_entry *a, const struct mw_vma_entry *b)
{
	return a->end == b->start && a->dev == b->dev && a->ino == b->ino &&
	       a->file_ref == b->file_ref && a->offset + (a->end - a->start) == b->offset &&
	       a->prot == b->prot && a->shared == b->shared && a->flags == b->flags &&
	       (a->anon == b->anon || !a->anon || !b->anon) && a->owner == b->owner;
}

/*
 * Next to each other with the same file, offsets, protection and sharing, a
 * seeded entry may differ from its neighbour only in what /proc hides (the
 * open file, VM_ACCOUNT, VM_DONTDUMP...): the kernel may merge them or not.
 * So may pieces whose anonymous memory is a guess.
 */
static bool merge_unknown(const struct mw_vma_entry *a, const struct mw_vma_entry *b)
{
	bool alike = a->end == b->start && a->dev == b->dev && a->ino == b->ino &&
		     a->offset + (a->end - a->start) == b->offset && a->prot == b->prot &&
		     a->shared == b->shared;

	if (!alike)
		return false;
	if (a->seeded || b->seeded)
		return true;
	/*
	 * Anonymous memory comes with the first write, which no record shows:
	 * a private writable piece is only taken to have it, and a forked
	 * child's pieces with it merge with fewer. Pieces that differ in it
	 * alone may or may not merge.
	 */
	return a->anon != b->anon && a->file_ref == b->file_ref && a->flags == b->flags &&
	       a->owner == b->owner;
}

static void report_uncertain(struct mw_vma_tree *map)
{
	if (map->hooks && map->hooks->uncertain)
		map->hooks->uncertain(map->hook_context);
}

/* The rule, and a re-read asked for where the rule is a guess. */
static bool merges(struct mw_vma_tree *map, const struct mw_vma_entry *a,
		   const struct mw_vma_entry *b)
{
	if (merge_unknown(a, b))
		report_uncertain(map);
	return vma_tree__mergeable(a, b);
}

uint64_t vma_tree__new_anon(struct mw_vma_tree *map)
{
	return ++map->anon_serial;
}

/* A private writable VMA is taken to be written to: it gets anonymous memory of its own. */
static void take_anon(struct mw_vma_tree *map, struct mw_vma_entry *entry)
{
	if (!entry->shared && (entry->prot & PROT_WRITE) && !entry->anon)
		entry->anon = vma_tree__new_anon(map);
}

/* Joins next into entry; both are reported replaced, the result added. */
static void merge_pair(struct mw_vma_tree *map, struct mw_vma_entry *entry,
		       struct mw_vma_entry *next)
{
	report_removed(map, entry, VMA_TREE_REPLACED);
	report_removed(map, next, VMA_TREE_REPLACED);
	entry->end = next->end;
	if (!entry->anon)
		entry->anon = next->anon;
	entry->seeded |= next->seeded;
	/* The merged VMA is as old as its oldest part. */
	if (next->size_generation < entry->size_generation)
		entry->size_generation = next->size_generation;
	if (map->last == next)
		map->last = entry;
	RB_REMOVE(vma_rb_tree, &map->tree, next);
	map->count--;
	free_entry(next);
	report_added(map, entry);
}

/* Merges entry with its neighbours where the kernel would; returns the surviving entry. */
static struct mw_vma_entry *merge_around(struct mw_vma_tree *map, struct mw_vma_entry *entry)
{
	struct mw_vma_entry *previous = RB_PREV(vma_rb_tree, &map->tree, entry);
	struct mw_vma_entry *next = RB_NEXT(vma_rb_tree, &map->tree, entry);

	if (next && merges(map, entry, next))
		merge_pair(map, entry, next);
	if (previous && merges(map, previous, entry)) {
		merge_pair(map, previous, entry);
		entry = previous;
	}
	return entry;
}

/* Cuts the entry containing addr in two at addr, if addr is strictly inside it. */
static int split_at(struct mw_vma_tree *map, uint64_t addr)
{
	struct mw_vma_entry *entry = vma_tree__find(map, addr);
	struct mw_vma_entry *upper;

	if (!entry || entry->start == addr)
		return 0;
	upper = new_entry();
	if (!upper)
		return -ENOMEM;
	*upper = *entry;
	upper->owner_prev = upper->owner_next = NULL;
	upper->offset = entry->offset + (addr - entry->start);
	upper->start = addr;
	entry->end = addr;
	link_entry(map, upper);
	return 0;
}

int vma_tree__remove_range(struct mw_vma_tree *map, uint64_t start, uint64_t end,
			   enum mw_vma_removal why)
{
	struct mw_vma_entry *entry, *next;

	if (start >= end)
		return 0;
	entry = first_ending_after(map, start);
	if (entry && entry->start < start && entry->end > end) {
		/* A hole in the middle: the entry lives on as two pieces. */
		struct mw_vma_entry *upper = new_entry();

		if (!upper)
			return -ENOMEM;
		*upper = *entry;
		upper->owner_prev = upper->owner_next = NULL;
		upper->offset = entry->offset + (end - entry->start);
		upper->start = end;
		entry->end = start;
		link_entry(map, upper);
		return 0;
	}
	for (; entry && entry->start < end; entry = next) {
		next = RB_NEXT(vma_rb_tree, &map->tree, entry);
		if (entry->start >= start && entry->end <= end) {
			unlink_entry(map, entry, why);
		} else if (entry->start < start) {
			entry->end = start; /* the tail went */
		} else {
			/* The head went; the start moves up without passing any other entry. */
			entry->offset += end - entry->start;
			entry->start = end;
		}
	}
	return 0;
}

int vma_tree__insert(struct mw_vma_tree *map, const struct mw_vma_entry *proto, bool merge)
{
	struct mw_vma_entry *entry, *last;
	bool append;
	int err;

	if (proto->start >= proto->end)
		return -EINVAL;
	entry = new_entry();
	if (!entry)
		return -ENOMEM;
	/* in address order, as /proc lists VMAs: nothing to remove, and it goes last */
	last = map->last;
	append = !last || last->end <= proto->start;
	err = append ? 0 : vma_tree__remove_range(map, proto->start, proto->end, VMA_TREE_UNMAPPED);
	if (err) {
		free_entry(entry);
		return err;
	}
	*entry = *proto;
	entry->owner_prev = entry->owner_next = NULL;
	if (append)
		link_last(map, last, entry);
	else
		link_entry(map, entry);
	if (merge)
		take_anon(map, merge_around(map, entry));
	return 0;
}

/*
 * An mremap() that left the mapping where it was. A shrink unmaps the tail
 * and nothing else, and the same size changes nothing: the kernel does not
 * split the VMA at the address given, nor even check that the range lies in
 * one VMA. Growth extends the VMA that ends at the old end (the kernel moves
 * or refuses any other), which then merges with the one it now touches.
 */
static int resize_in_place(struct mw_vma_tree *map, uint64_t addr, uint64_t old_length,
			   uint64_t new_length)
{
	struct mw_vma_entry *entry, *next;
	int err;

	if (new_length <= old_length)
		return vma_tree__remove_range(map, addr + new_length, addr + old_length,
					      VMA_TREE_UNMAPPED);
	err = vma_tree__remove_range(map, addr + old_length, addr + new_length, VMA_TREE_UNMAPPED);
	entry = err ? NULL : vma_tree__find(map, addr + old_length - 1);
	if (!entry)
		return err; /* or anonymous memory grew */
	report_removed(map, entry, VMA_TREE_REPLACED);
	entry->end = addr + new_length;
	report_added(map, entry);
	next = RB_NEXT(vma_rb_tree, &map->tree, entry);
	if (next && merges(map, entry, next))
		merge_pair(map, entry, next);
	return 0;
}

int vma_tree__mremap(struct mw_vma_tree *map, uint64_t old_addr, uint64_t old_length,
		     uint64_t new_addr, uint64_t new_length, uint32_t mremap_flags)
{
	uint64_t moved_length = old_length < new_length ? old_length : new_length;
	uint64_t delta = new_addr - old_addr; /* wraps for a move down: unsigned arithmetic */
	struct mw_vma_entry *pieces = NULL, *entry;
	size_t piece_count = 0, capacity = 0;
	int err = 0;

	if (old_length == 0) {
		/* Duplicates a shared mapping: a new VMA of the same file, source untouched. */
		struct mw_vma_entry copy;

		entry = vma_tree__find(map, old_addr);
		if (!entry || new_length == 0)
			return vma_tree__remove_range(map, new_addr, new_addr + new_length,
						      VMA_TREE_UNMAPPED);
		copy = *entry;
		copy.offset = entry->offset + (old_addr - entry->start);
		copy.start = new_addr;
		copy.end = new_addr + new_length;
		return vma_tree__insert(map, &copy, true);
	}
	if (new_addr == old_addr)
		return resize_in_place(map, old_addr, old_length, new_length);

	/* Copies of the pieces that move, clipped to the moved part of the source. */
	for (entry = first_ending_after(map, old_addr);
	     entry && entry->start < old_addr + moved_length; entry = vma_tree__next(entry)) {
		struct mw_vma_entry *piece;

		if (piece_count == capacity) {
			size_t grown = capacity ? capacity * 2 : 4;
			struct mw_vma_entry *bigger = realloc(pieces, grown * sizeof(*pieces));

			if (!bigger) {
				free(pieces);
				return -ENOMEM;
			}
			pieces = bigger;
			capacity = grown;
		}
		piece = &pieces[piece_count++];
		*piece = *entry;
		if (piece->start < old_addr) {
			piece->offset += old_addr - piece->start;
			piece->start = old_addr;
		}
		if (piece->end > old_addr + moved_length)
			piece->end = old_addr + moved_length;
		/* Growth extends the piece that held the last byte of the source. */
		if (new_length > old_length && piece->end == old_addr + old_length)
			piece->end += new_length - old_length;
	}

	if (!(new_addr != old_addr && (mremap_flags & MREMAP_DONTUNMAP)))
		err = vma_tree__remove_range(map, old_addr, old_addr + old_length,
					     VMA_TREE_REPLACED);
	if (!err)
		err = vma_tree__remove_range(map, new_addr, new_addr + new_length,
					     VMA_TREE_UNMAPPED);
	/* Moved, a VMA may merge where it lands. */
	for (size_t i = 0; !err && i < piece_count; i++) {
		pieces[i].start += delta;
		pieces[i].end += delta;
		err = vma_tree__insert(map, &pieces[i], true);
	}
	free(pieces);
	return err;
}

/* What an mprotect, madvise or mlock asks of every VMA in its range. */
struct range_change {
	bool set_prot;
	uint32_t prot;
	int pkey; /* < 0: kept */
	uint32_t set, clear;
};

static void changed_entry(const struct mw_vma_entry *entry, const struct range_change *change,
			  uint32_t *prot, uint32_t *flags)
{
	uint32_t new_flags = (entry->flags | change->set) & ~change->clear;
	uint32_t new_prot = change->set_prot ? change->prot : entry->prot;

	if (change->pkey >= 0)
		new_flags = (new_flags & ~MW_VMA_PKEY_MASK) |
			    ((uint32_t)change->pkey << MW_VMA_PKEY_SHIFT & MW_VMA_PKEY_MASK);
	/* made writable, a private mapping is charged from then on, and stays so */
	if ((new_prot & PROT_WRITE) && !(entry->prot & PROT_WRITE) && !entry->shared &&
	    !(new_flags & (MW_VMA_ACCOUNT | MW_VMA_NORESERVE)))
		new_flags |= MW_VMA_ACCOUNT;
	*prot = new_prot;
	*flags = new_flags;
}

static bool entry_changes(const struct mw_vma_entry *entry, const struct range_change *change)
{
	uint32_t prot, flags;

	changed_entry(entry, change, &prot, &flags);
	return prot != entry->prot || flags != entry->flags;
}

static int change_range(struct mw_vma_tree *map, uint64_t start, uint64_t end,
			const struct range_change *change)
{
	size_t changed_count = 0, changed_capacity = 0;
	struct mw_vma_entry *entry, *next;
	uint64_t *changed = NULL;
	int err;

	if (start >= end)
		return 0;
	entry = vma_tree__find(map, start);
	if (entry && entry_changes(entry, change) && (err = split_at(map, start)))
		return err;
	entry = vma_tree__find(map, end);
	if (entry && entry_changes(entry, change) && (err = split_at(map, end)))
		return err;
	/*
	 * Only a VMA whose flags change is merged with its neighbours, as the
	 * kernel does: pieces left unmerged (a fork drops VM_LOCKED) stay so.
	 */
	for (entry = first_ending_after(map, start); entry && entry->start < end; entry = next) {
		next = RB_NEXT(vma_rb_tree, &map->tree, entry);
		/*
		 * /proc does not show a seeded entry's flags: a change of them
		 * that looks like none to us may split or merge it.
		 */
		if (entry->seeded && !change->set_prot)
			report_uncertain(map);
		if (!entry_changes(entry, change))
			continue;
		changed_entry(entry, change, &entry->prot, &entry->flags);
		if (changed_count == changed_capacity) {
			size_t grown = changed_capacity ? 2 * changed_capacity : 8;
			uint64_t *bigger = realloc(changed, grown * sizeof(*changed));

			if (!bigger) {
				free(changed);
				return -ENOMEM;
			}
			changed = bigger;
			changed_capacity = grown;
		}
		changed[changed_count++] = entry->start;
	}
	/* by address: a merge frees entries, and the one holding an address survives */
	for (size_t i = 0; i < changed_count; i++) {
		entry = vma_tree__find(map, changed[i]);
		if (entry)
			take_anon(map, merge_around(map, entry));
	}
	free(changed);
	return 0;
}

int vma_tree__mprotect(struct mw_vma_tree *map, uint64_t start, uint64_t end, uint32_t prot)
{
	return vma_tree__mprotect_pkey(map, start, end, prot, -1);
}

int vma_tree__mprotect_pkey(struct mw_vma_tree *map, uint64_t start, uint64_t end, uint32_t prot,
			    int pkey)
{
	struct range_change change = { .set_prot = true, .prot = prot, .pkey = pkey };

	return change_range(map, start, end, &change);
}

int vma_tree__change_flags(struct mw_vma_tree *map, uint64_t start, uint64_t end, uint32_t set,
			   uint32_t clear)
{
	struct range_change change = { .pkey = -1, .set = set, .clear = clear };

	return change_range(map, start, end, &change);
}
