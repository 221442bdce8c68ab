/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Fixed-size objects carved from 64 KiB chunks, for the records the tracker
 * keeps one of per mapping: a process with 250,000 mappings costs malloc a
 * call, a header and (on fresh heap) a page fault every few records; here a
 * chunk is mapped and faulted in at once, and an object costs a free-list pop.
 * A chunk whose objects are all freed is returned to the kernel (one empty
 * chunk is kept against alloc/free churn at a boundary).
 *
 * Not thread-safe: the tracker is used from one thread. Under AddressSanitizer
 * free objects are poisoned, so a use after free or a double free is caught
 * as with malloc.
 */
#ifndef MAPWATCH_CORE_SLAB_H
#define MAPWATCH_CORE_SLAB_H

#include <stddef.h>

struct slab_chunk;

struct mw_slab {
	size_t object_size; /* rounded up to a multiple of 16 on first use */
	struct slab_chunk *partial; /* chunks with a free object, list */
	size_t empty_chunks; /* of those, chunks with no object in use */
	size_t live_objects;
	size_t chunks;
};

#define MW_SLAB_INIT(size)            \
	{                             \
		.object_size = (size) \
	}

/* An uninitialised object of slab->object_size bytes, or NULL when out of memory. */
void *slab__alloc(struct mw_slab *slab);
/* Returns an object slab__alloc gave; NULL is ignored. */
void slab__free(struct mw_slab *slab, void *object);

#endif
