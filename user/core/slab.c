// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <utlist.h>
#include "slab.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif

#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(address, size) ASAN_POISON_MEMORY_REGION(address, size)
#define UNPOISON(address, size) ASAN_UNPOISON_MEMORY_REGION(address, size)
#else
#define POISON(address, size) ((void)(address), (void)(size))
#define UNPOISON(address, size) ((void)(address), (void)(size))
#endif

/*
 * Aligned to its size: an object's chunk is its address with the low bits
 * cleared. Large, as each munmap costs a TLB flush (~0.5 ms in a loaded VM);
 * pages are faulted in a window at a time, as objects are carved from them.
 */
#define CHUNK_BYTES ((size_t)1024 * 1024)
#define POPULATE_BYTES ((size_t)64 * 1024)
#define OBJECT_ALIGN alignof(max_align_t)
/* Empty chunks kept for the next allocations instead of unmapped at once. */
#define KEPT_EMPTY_CHUNKS 1

struct slab_chunk {
	struct slab_chunk *prev, *next; /* in slab->partial while listed */
	bool listed;
	void *free; /* freed objects, linked through their first bytes */
	char *unused; /* objects from here on were never handed out */
	char *populated; /* pages below were faulted in */
	char *end;
	size_t live;
};

#define FIRST_OBJECT_OFFSET \
	((sizeof(struct slab_chunk) + OBJECT_ALIGN - 1) / OBJECT_ALIGN * OBJECT_ALIGN)

static size_t object_size(struct mw_slab *slab)
{
	if (slab->object_size < sizeof(void *))
		slab->object_size = sizeof(void *);
	slab->object_size = (slab->object_size + OBJECT_ALIGN - 1) / OBJECT_ALIGN * OBJECT_ALIGN;
	return slab->object_size;
}

static struct slab_chunk *chunk_of(const void *object)
{
	return (struct slab_chunk *)((uintptr_t)object & ~(uintptr_t)(CHUNK_BYTES - 1));
}

/* mmap gives page alignment only: map twice the size and trim to an aligned chunk. */
static char *map_aligned_chunk(void)
{
	char *region = mmap(NULL, 2 * CHUNK_BYTES, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *chunk;
	size_t head;

	if (region == MAP_FAILED)
		return NULL;
	chunk = (char *)(((uintptr_t)region + CHUNK_BYTES - 1) & ~(uintptr_t)(CHUNK_BYTES - 1));
	head = (size_t)(chunk - region);
	if (head)
		munmap(region, head);
	munmap(chunk + CHUNK_BYTES, CHUNK_BYTES - head);
	/* the address may have held a chunk whose free objects were poisoned */
	UNPOISON(chunk, CHUNK_BYTES);
	return chunk;
}

static struct slab_chunk *add_chunk(struct mw_slab *slab)
{
	size_t size = object_size(slab);
	char *memory = map_aligned_chunk();
	struct slab_chunk *chunk = (struct slab_chunk *)memory;

	if (!memory)
		return NULL;
	*chunk = (struct slab_chunk){
		.unused = memory + FIRST_OBJECT_OFFSET,
		.populated = memory + FIRST_OBJECT_OFFSET,
		.end = memory + FIRST_OBJECT_OFFSET +
		       (CHUNK_BYTES - FIRST_OBJECT_OFFSET) / size * size,
		.listed = true,
	};
	POISON(chunk->unused, (size_t)(chunk->end - chunk->unused));
	DL_PREPEND(slab->partial, chunk);
	slab->empty_chunks++;
	slab->chunks++;
	return chunk;
}

/* The next window of pages faulted in by one call, not one fault each (best effort). */
static void populate_for(struct slab_chunk *chunk, size_t size)
{
	char *end = chunk->populated + POPULATE_BYTES;

	if (chunk->unused + size <= chunk->populated)
		return;
	if (end > (char *)chunk + CHUNK_BYTES)
		end = (char *)chunk + CHUNK_BYTES;
	chunk->populated = (char *)((uintptr_t)chunk->populated & ~(uintptr_t)4095);
#ifdef MADV_POPULATE_WRITE
	madvise(chunk->populated, (size_t)(end - chunk->populated), MADV_POPULATE_WRITE);
#endif
	chunk->populated = end;
}

static bool chunk_full(const struct slab_chunk *chunk)
{
	return !chunk->free && chunk->unused == chunk->end;
}

void *slab__alloc(struct mw_slab *slab)
{
	struct slab_chunk *chunk = slab->partial;
	size_t size = object_size(slab);
	void *object;

	if (!chunk && !(chunk = add_chunk(slab)))
		return NULL;
	if (chunk->free) {
		object = chunk->free;
		UNPOISON(object, size);
		chunk->free = *(void **)object;
	} else {
		populate_for(chunk, size);
		object = chunk->unused;
		UNPOISON(object, size);
		chunk->unused += size;
	}
	if (chunk->live++ == 0)
		slab->empty_chunks--;
	slab->live_objects++;
	if (chunk_full(chunk)) {
		DL_DELETE(slab->partial, chunk);
		chunk->listed = false;
	}
	return object;
}

void slab__free(struct mw_slab *slab, void *object)
{
	struct slab_chunk *chunk;

	if (!object)
		return;
	chunk = chunk_of(object);
#ifdef SLAB_ASAN
	if (__asan_address_is_poisoned(object)) {
		fprintf(stderr, "slab: double free of %p\n", object);
		abort();
	}
#endif
	*(void **)object = chunk->free;
	chunk->free = object;
	POISON(object, slab->object_size);
	slab->live_objects--;
	if (!chunk->listed) {
		/* first in line: allocations refill it before touching emptier chunks */
		DL_PREPEND(slab->partial, chunk);
		chunk->listed = true;
	}
	if (--chunk->live)
		return;
	if (slab->empty_chunks < KEPT_EMPTY_CHUNKS) {
		slab->empty_chunks++;
		return;
	}
	DL_DELETE(slab->partial, chunk);
	slab->chunks--;
	UNPOISON(chunk, CHUNK_BYTES);
	munmap(chunk, CHUNK_BYTES);
}
