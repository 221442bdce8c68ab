/* SPDX-License-Identifier: MIT */
/*
 * A read/write lock whose readers write only their own cache line (a
 * "big-reader" lock), for the index mappings under the locked-unmap policy.
 *
 * Lookups are a ~30 ns binary search, so a lock word shared by every reader
 * (pthread_rwlock_t) costs more than the search once several cores bounce it.
 * Here each reader thread counts itself in one of DISTRIBUTED_RWLOCK_SLOTS
 * counters, each on its own cache line, and only reads the writer flag, which
 * stays shared in every cache until a writer comes. Writers (index resizes and
 * closes) are rare and pay instead: they raise the flag and wait until every
 * slot drains.
 *
 * Why it excludes (the Dekker pattern, all four accesses seq_cst):
 *   reader: R1 slot += 1;       R2 load writer flag
 *   writer: W1 writer flag = 1; W2 load every slot
 * The seq_cst accesses have one total order. If W2 misses R1's increment, W2
 * comes before R1 in it, so W1 < W2 < R1 < R2 and R2 sees the flag raised: the
 * reader backs off (undoes R1 and waits). Otherwise W2 sees the count and the
 * writer waits. A store followed by a load of another location needs this
 * full fence; release/acquire alone would let both sides read the old values.
 *
 * Why the critical sections are ordered, not just exclusive: a reader leaves
 * with a release decrement that the writer's slot load reads (the decrement is
 * in the release sequence of any later increment of that slot), and the
 * writer leaves with a release store of the flag that the reader's load
 * reads: each side's accesses happen before the other's next section.
 *
 * Threads share slots when there are more of them than slots, which is why a
 * slot is a counter and not a flag. Writers are serialised by a mutex and are
 * preferred: once the flag is up, new readers wait, so a stream of lookups
 * cannot starve a resize. As with pthread rwlocks that prefer writers, a
 * thread must not take the read side twice: a writer arriving in between would
 * wait for the first hold while the second waits for the writer.
 */
#ifndef IDXSTORE_DISTRIBUTED_RWLOCK_H
#define IDXSTORE_DISTRIBUTED_RWLOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define DISTRIBUTED_RWLOCK_SLOTS 8
#define DISTRIBUTED_RWLOCK_CACHE_LINE 64

struct distributed_rwlock_slot {
	_Atomic unsigned long readers; /* readers of this slot inside or trying to enter */
} __attribute__((aligned(DISTRIBUTED_RWLOCK_CACHE_LINE)));

/* Must live at a 64-byte aligned address (aligned_alloc) so no slot shares a line. */
struct distributed_rwlock {
	struct distributed_rwlock_slot slots[DISTRIBUTED_RWLOCK_SLOTS];
	/* Own line: readers only read it, so it stays in every cache until a writer comes. */
	_Atomic bool writer __attribute__((aligned(DISTRIBUTED_RWLOCK_CACHE_LINE)));
	pthread_mutex_t writers; /* one writer at a time */
};

void distributed_rwlock__init(struct distributed_rwlock *lock);
void distributed_rwlock__destroy(struct distributed_rwlock *lock);

void distributed_rwlock__write_lock(struct distributed_rwlock *lock);
void distributed_rwlock__write_unlock(struct distributed_rwlock *lock);

/* This thread's slot plus one; 0 until its first read lock picks one round robin. */
extern __thread unsigned distributed_rwlock__slot_of_thread;
unsigned distributed_rwlock__choose_slot(void);
/* Backs off while a writer holds or waits for the lock, then enters. */
void distributed_rwlock__read_wait(struct distributed_rwlock *lock, unsigned slot);

static inline unsigned distributed_rwlock__thread_slot(void)
{
	unsigned slot = distributed_rwlock__slot_of_thread;

	return __builtin_expect(slot != 0, 1) ? slot - 1 : distributed_rwlock__choose_slot();
}

/* Returns the slot to hand back to distributed_rwlock__read_unlock(). */
static inline unsigned distributed_rwlock__read_lock(struct distributed_rwlock *lock)
{
	unsigned slot = distributed_rwlock__thread_slot();

	atomic_fetch_add_explicit(&lock->slots[slot].readers, 1, memory_order_seq_cst);
	if (__builtin_expect(atomic_load_explicit(&lock->writer, memory_order_seq_cst), 0))
		distributed_rwlock__read_wait(lock, slot);
	return slot;
}

static inline void distributed_rwlock__read_unlock(struct distributed_rwlock *lock, unsigned slot)
{
	atomic_fetch_sub_explicit(&lock->slots[slot].readers, 1, memory_order_release);
}

#endif
