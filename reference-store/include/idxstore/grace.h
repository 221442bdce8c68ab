/* SPDX-License-Identifier: MIT */
/*
 * Grace periods for lock-free readers (a small epoch scheme).
 *
 * Readers of the segment lists, and of index mappings under the remap policy,
 * take no lock. A writer that unpublishes something (an old mapping, an old
 * segment list, a deleted segment) calls grace__retire() and may only free or
 * unmap it once grace__passed() says every reader that could still see it has
 * left its read section. This is what makes the remap policy safe: the old
 * mapping stays valid until both the cleaner delay and the grace period are
 * over, however long a reader was preempted.
 *
 * Each reader thread owns one slot. A slot holds 0 when idle, or the domain
 * epoch read on entry. All accesses are sequentially consistent, so a reader
 * that loaded a pointer before it was unpublished has published a slot epoch
 * no newer than the retire token before the writer reads the slots.
 */
#ifndef IDXSTORE_GRACE_H
#define IDXSTORE_GRACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct grace_reader {
	_Atomic uint64_t active_epoch; /* 0 = not in a read section */
	bool in_use; /* guarded by the domain lock */
	struct grace_reader *next;
} __attribute__((aligned(64))); /* one cache line per reader: no false sharing */

struct grace_domain {
	_Atomic uint64_t epoch;
	pthread_mutex_t lock; /* guards the reader list */
	struct grace_reader *readers;
};

int grace__create(struct grace_domain **out);
void grace__destroy(struct grace_domain *domain);

int grace__reader_register(struct grace_domain *domain, struct grace_reader **out);
void grace__reader_unregister(struct grace_domain *domain, struct grace_reader *reader);

/* Returns a token: whatever was unpublished before the call is safe to free once it passes. */
uint64_t grace__retire(struct grace_domain *domain);
bool grace__passed(struct grace_domain *domain, uint64_t token);
void grace__wait(struct grace_domain *domain, uint64_t token);

static inline void grace__read_lock(struct grace_domain *domain, struct grace_reader *reader)
{
	atomic_store(&reader->active_epoch, atomic_load(&domain->epoch));
}

static inline void grace__read_unlock(struct grace_reader *reader)
{
	atomic_store_explicit(&reader->active_epoch, 0, memory_order_release);
}

#endif
