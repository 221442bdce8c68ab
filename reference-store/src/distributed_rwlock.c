// SPDX-License-Identifier: MIT
#include <sched.h>

#include "idxstore/distributed_rwlock.h"

/* Spins this many times before yielding: a writer's section is a munmap, ftruncate and mmap. */
#define SPINS_BEFORE_YIELD 64

__thread unsigned distributed_rwlock__slot_of_thread;
static _Atomic unsigned next_slot;

unsigned distributed_rwlock__choose_slot(void)
{
	unsigned slot = atomic_fetch_add_explicit(&next_slot, 1, memory_order_relaxed) %
			DISTRIBUTED_RWLOCK_SLOTS;

	distributed_rwlock__slot_of_thread = slot + 1;
	return slot;
}

void distributed_rwlock__init(struct distributed_rwlock *lock)
{
	for (int i = 0; i < DISTRIBUTED_RWLOCK_SLOTS; i++)
		atomic_init(&lock->slots[i].readers, 0);
	atomic_init(&lock->writer, false);
	pthread_mutex_init(&lock->writers, NULL);
}

void distributed_rwlock__destroy(struct distributed_rwlock *lock)
{
	pthread_mutex_destroy(&lock->writers);
}

/*
 * With two cores and more threads than that, the thread we wait for may be
 * preempted: yield after a short spin rather than burn its time slice.
 */
static void back_off(unsigned *spins)
{
	if (++*spins < SPINS_BEFORE_YIELD) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause(); /* lets the sibling hyperthread run while we spin */
#endif
	} else {
		sched_yield();
	}
}

void distributed_rwlock__read_wait(struct distributed_rwlock *lock, unsigned slot)
{
	struct distributed_rwlock_slot *mine = &lock->slots[slot];
	unsigned spins;

	do {
		/* Step out so the writer's wait for this slot can end. */
		atomic_fetch_sub_explicit(&mine->readers, 1, memory_order_release);
		spins = 0;
		while (atomic_load_explicit(&lock->writer, memory_order_relaxed))
			back_off(&spins);
		/* Enter again exactly as the fast path does (see the header). */
		atomic_fetch_add_explicit(&mine->readers, 1, memory_order_seq_cst);
	} while (atomic_load_explicit(&lock->writer, memory_order_seq_cst));
}

void distributed_rwlock__write_lock(struct distributed_rwlock *lock)
{
	pthread_mutex_lock(&lock->writers);
	atomic_store_explicit(&lock->writer, true, memory_order_seq_cst);
	for (int i = 0; i < DISTRIBUTED_RWLOCK_SLOTS; i++) {
		unsigned spins = 0;

		while (atomic_load_explicit(&lock->slots[i].readers, memory_order_seq_cst))
			back_off(&spins);
	}
}

void distributed_rwlock__write_unlock(struct distributed_rwlock *lock)
{
	atomic_store_explicit(&lock->writer, false, memory_order_release);
	pthread_mutex_unlock(&lock->writers);
}
