/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One process's file mappings as an interval map ordered by start address,
 * following the kernel's VMA rules: a new mapping replaces whatever it overlaps
 * (MAP_FIXED), partial unmaps trim or split, mprotect splits where the
 * protection or a flag changes, and adjacent pieces of one file with
 * contiguous offsets merge where the kernel would merge the VMAs: equal
 * protection, sharing and flags (vm_flags the maps text does not show, such
 * as VM_ACCOUNT), and compatible anonymous memory.
 *
 * Every operation is O(log n) plus the entries it touches. Addresses and
 * lengths must be page aligned by the caller.
 */
#ifndef MAPWATCH_CORE_VMA_TREE_H
#define MAPWATCH_CORE_VMA_TREE_H

#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * mw_vma_entry.flags: the VMA flags the kernel compares before merging that
 * /proc/PID/maps does not show.
 */
#define MW_VMA_ACCOUNT (1u << 0) /* private, writable once: its memory is charged */
#define MW_VMA_NORESERVE (1u << 1) /* MAP_NORESERVE */
/* MAP_SHARED of an fd open read-only: the kernel drops VM_SHARED and VM_MAYWRITE */
#define MW_VMA_READONLY_FD (1u << 2)
#define MW_VMA_LOCKED (1u << 3) /* mlock, MAP_LOCKED */
#define MW_VMA_LOCKONFAULT (1u << 4) /* mlock2(MLOCK_ONFAULT) */
#define MW_VMA_DONTCOPY (1u << 5) /* MADV_DONTFORK: a forked child lacks it */
#define MW_VMA_DONTDUMP (1u << 6)
#define MW_VMA_HUGEPAGE (1u << 7)
#define MW_VMA_NOHUGEPAGE (1u << 8)
#define MW_VMA_PKEY_SHIFT 16 /* the protection key, 4 bits */
#define MW_VMA_PKEY_MASK (0xfu << MW_VMA_PKEY_SHIFT)

struct mw_vma_entry {
	RB_ENTRY(mw_vma_entry) tree_link;
	uint64_t start;
	uint64_t end; /* exclusive */
	uint64_t offset; /* file offset of start, bytes */
	uint64_t ino;
	/* the open file it maps: VMAs of one inode opened twice never merge */
	uint64_t file_ref;
	uint32_t dev;
	uint32_t prot;
	uint32_t flags; /* MW_VMA_* */
	bool shared;
	/*
	 * Read from /proc, which does not show its open file nor most of its
	 * flags: whether it merges with a neighbour is a guess (see uncertain).
	 */
	bool seeded;
	/*
	 * Which anonymous memory (anon_vma) its private pages are in, 0 none:
	 * VMAs with different ones never merge. Split pieces share it; a private
	 * writable piece is taken to have been written to.
	 */
	uint64_t anon;
	uint64_t size_generation; /* the inode's size generation when the mapping was made */
	/* For the map's user: copied into split pieces and moved pieces. */
	void *owner;
	struct mw_vma_entry *owner_prev, *owner_next;
};

RB_HEAD(vma_rb_tree, mw_vma_entry);

enum mw_vma_removal {
	VMA_TREE_UNMAPPED, /* the mapping ended */
	VMA_TREE_REPLACED, /* it lives on in another entry: merged, moved, or re-seeded */
};

/* Called for every entry that enters or leaves the map, splits and merges included. */
struct mw_vma_tree_hooks {
	void (*added)(void *ctx, struct mw_vma_entry *entry);
	void (*removed)(void *ctx, struct mw_vma_entry *entry, enum mw_vma_removal why);
	/*
	 * A change brought a seeded entry next to one it may or may not merge
	 * with, the kernel's choice turning on what /proc does not show: only
	 * /proc can tell, so the map's user reads it again. May be NULL.
	 */
	void (*uncertain)(void *ctx);
};

struct mw_vma_tree {
	struct vma_rb_tree tree;
	/* the entry that starts highest, NULL when empty: /proc's in-order walk appends there */
	struct mw_vma_entry *last;
	size_t count;
	uint64_t anon_serial; /* the last anon identity handed out */
	const struct mw_vma_tree_hooks *hooks; /* may be NULL */
	void *hook_context;
};

void vma_tree__init(struct mw_vma_tree *map, const struct mw_vma_tree_hooks *hooks,
		    void *hook_context);
/* Removes every entry, reporting each as why. */
void vma_tree__clear(struct mw_vma_tree *map, enum mw_vma_removal why);
/*
 * Frees every entry and reports none: for a map that goes with its owner.
 * No rebalancing on the way, so it costs a walk, not a removal per entry.
 */
void vma_tree__destroy(struct mw_vma_tree *map);
/* Entries allocated and not yet freed, in every map: what a leak check counts. */
size_t vma_tree__live_entries(void);

/*
 * Adds a copy of proto over [proto->start, proto->end): whatever overlaps is
 * removed first (VMA_TREE_UNMAPPED). With merge, the new entry joins neighbours
 * the kernel would merge it with. Returns 0, -EINVAL or -ENOMEM.
 */
int vma_tree__insert(struct mw_vma_tree *map, const struct mw_vma_entry *proto, bool merge);
/* Unmaps [start, end): trims, splits or removes entries. Returns 0 or -ENOMEM. */
int vma_tree__remove_range(struct mw_vma_tree *map, uint64_t start, uint64_t end,
			   enum mw_vma_removal why);
/*
 * mremap(2) that returned new_addr: moves, grows or shrinks the pieces of
 * [old_addr, old_addr + old_length). MREMAP_DONTUNMAP keeps the source;
 * old_length 0 duplicates a shared mapping. Whatever was at the destination
 * is unmapped. Returns 0 or -ENOMEM.
 */
int vma_tree__mremap(struct mw_vma_tree *map, uint64_t old_addr, uint64_t old_length,
		     uint64_t new_addr, uint64_t new_length, uint32_t mremap_flags);
/* mprotect(2): sets prot on [start, end), splitting and merging. Returns 0 or -ENOMEM. */
int vma_tree__mprotect(struct mw_vma_tree *map, uint64_t start, uint64_t end, uint32_t prot);
/*
 * pkey_mprotect(2): the same, and the protection key when pkey >= 0.
 * Returns 0 or -ENOMEM.
 */
int vma_tree__mprotect_pkey(struct mw_vma_tree *map, uint64_t start, uint64_t end, uint32_t prot,
			    int pkey);
/*
 * madvise(2), mlock(2) and the like: sets then clears MW_VMA_* flags on
 * [start, end), splitting and merging. Returns 0 or -ENOMEM.
 */
int vma_tree__change_flags(struct mw_vma_tree *map, uint64_t start, uint64_t end, uint32_t set,
			   uint32_t clear);
/* A new anonymous memory identity, for an entry made outside vma_tree__insert's merging. */
uint64_t vma_tree__new_anon(struct mw_vma_tree *map);

/* Removes one entry of the map, reporting it as why. */
void vma_tree__remove_entry(struct mw_vma_tree *map, struct mw_vma_entry *entry,
			    enum mw_vma_removal why);
/* The first entry that starts at or above addr, or NULL. */
struct mw_vma_entry *vma_tree__first_from(struct mw_vma_tree *map, uint64_t addr);

/* The entry containing addr, or NULL. */
struct mw_vma_entry *vma_tree__find(struct mw_vma_tree *map, uint64_t addr);
/* Whether any entry overlaps [start, end). */
bool vma_tree__any_in(struct mw_vma_tree *map, uint64_t start, uint64_t end);
struct mw_vma_entry *vma_tree__first(struct mw_vma_tree *map);
struct mw_vma_entry *vma_tree__next(struct mw_vma_entry *entry);
size_t vma_tree__count(const struct mw_vma_tree *map);

/* The kernel would merge a (below) and b (right above it) into one VMA. */
bool vma_tree__mergeable(const struct mw_vma_entry *a, const struct mw_vma_entry *b);

#endif
