// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The walk over /proc with its maps read ahead on worker threads. A reader
 * claims the next process in the list, reads its comm and maps and stats its
 * files, and holds the VMAs in a slot; the caller's thread hands the slots to
 * the handlers in list order, and reads one itself rather than sleep while
 * its next one is not ready. The handlers' state (the tracker) is never
 * touched off the caller's thread, so it needs no lock; the slots and the two
 * indexes are all the threads share.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "parallel_for.h"
#include "proc_scan_internal.h"
#include "stat_cache.h"

#define WORKERS_MAX 3
/* processes read ahead of the handlers, at most: bounds what is held */
#define SLOTS 16
/* one process's VMAs held ahead; a larger one is walked on the caller's thread */
#define HELD_BYTES_MAX (1u << 20)
#define HELD_BYTES_FIRST (16u << 10)
/* a walk stopped because its VMAs outgrew the slot: not an errno a walk gives */
#define HELD_TOO_LARGE (-E2BIG)
/* a VMA held is its fields and as much of its path as the name uses */
#define VMA_FIELDS offsetof(struct mw_vma, path)

struct held_process {
	pid_t pid;
	bool ready; /* a worker filled it; the caller's until it hands it over */
	bool not_wanted; /* may_begin said no: begin would have too */
	int comm_err;
	int walk_err; /* 0, what proc_maps__for_each_cached returned, or HELD_TOO_LARGE */
	char comm[MW_COMM_LEN];
	struct mw_proc_maps_stats stats;
	unsigned char *records; /* VMA_FIELDS bytes, the path with its NUL, 8-byte aligned */
	size_t used;
	size_t capacity;
};

struct read_ahead {
	pthread_mutex_t lock;
	pthread_cond_t filled; /* the caller waits here for its next slot */
	pthread_cond_t freed; /* workers wait here for a slot to read into */
	const pid_t *pids;
	size_t count;
	size_t next_claimed; /* the next pid a worker takes */
	size_t next_handed; /* the next pid the caller hands over */
	bool stop;
	bool caller_waiting;
	unsigned int workers_waiting;
	unsigned int maps_flags;
	const struct mw_proc_scan_handlers *handlers;
	void *ctx;
	struct held_process slots[SLOTS];
};

struct worker {
	pthread_t thread;
	struct read_ahead *ahead;
	struct mw_stat_cache *cache;
};

static int hold_vma(const struct mw_vma *vma, void *context)
{
	struct held_process *slot = context;
	size_t size = (VMA_FIELDS + strlen(vma->path) + 1 + 7) & ~(size_t)7;

	if (slot->used + size > HELD_BYTES_MAX)
		return HELD_TOO_LARGE;
	if (slot->used + size > slot->capacity) {
		size_t capacity = slot->capacity ? slot->capacity * 2 : HELD_BYTES_FIRST;
		unsigned char *records;

		while (capacity < slot->used + size)
			capacity *= 2;
		records = realloc(slot->records, capacity);
		if (!records)
			return -ENOMEM;
		slot->records = records;
		slot->capacity = capacity;
	}
	memcpy(slot->records + slot->used, vma, VMA_FIELDS + strlen(vma->path) + 1);
	slot->used += size;
	return 0;
}

static void read_process(struct read_ahead *ahead, struct mw_stat_cache *cache,
			 struct held_process *slot, pid_t pid)
{
	const struct mw_proc_scan_handlers *handlers = ahead->handlers;

	slot->pid = pid;
	slot->not_wanted = false;
	slot->walk_err = 0;
	slot->comm[0] = '\0';
	slot->used = 0;
	memset(&slot->stats, 0, sizeof(slot->stats));
	slot->comm_err = handlers->comm_later ? 0 : proc_scan__read_comm(pid, slot->comm);
	if (slot->comm_err)
		return;
	if (handlers->may_begin && !handlers->may_begin(pid, slot->comm, ahead->ctx)) {
		slot->not_wanted = true;
		return;
	}
	slot->walk_err = proc_maps__for_each_cached(pid, ahead->maps_flags, cache, hold_vma, slot,
						    &slot->stats);
}

/* Whether a slot is free for the next process: never more than SLOTS ahead of the caller. */
static bool may_claim(const struct read_ahead *ahead)
{
	return !ahead->stop && ahead->next_claimed < ahead->count &&
	       ahead->next_claimed < ahead->next_handed + SLOTS;
}

/* With the lock held: claims the next process, reads it unlocked, and marks its slot ready. */
static void claim_and_read(struct read_ahead *ahead, struct mw_stat_cache *cache)
{
	size_t index = ahead->next_claimed++;
	struct held_process *slot = &ahead->slots[index % SLOTS];

	pthread_mutex_unlock(&ahead->lock);
	read_process(ahead, cache, slot, ahead->pids[index]);
	pthread_mutex_lock(&ahead->lock);
	slot->ready = true;
	if (ahead->caller_waiting)
		pthread_cond_signal(&ahead->filled);
}

static void *work(void *context)
{
	struct worker *worker = context;
	struct read_ahead *ahead = worker->ahead;

	pthread_mutex_lock(&ahead->lock);
	for (;;) {
		while (!may_claim(ahead) && !ahead->stop && ahead->next_claimed < ahead->count) {
			ahead->workers_waiting++;
			pthread_cond_wait(&ahead->freed, &ahead->lock);
			ahead->workers_waiting--;
		}
		if (!may_claim(ahead))
			break;
		claim_and_read(ahead, worker->cache);
	}
	pthread_mutex_unlock(&ahead->lock);
	return NULL;
}

struct replay {
	struct held_process *slot;
	struct proc_scan_walk *now;
};

/* A proc_scan_source_fn: the VMAs a worker held, or a walk now for a process too large. */
static int replay_held(void *source, pid_t pid, proc_maps_fn fn, void *fn_ctx,
		       struct mw_proc_maps_stats *stats)
{
	struct replay *replay = source;
	struct held_process *slot = replay->slot;
	struct mw_vma vma;

	if (slot->walk_err == HELD_TOO_LARGE)
		return proc_scan__walk_now(replay->now, pid, fn, fn_ctx, stats);
	if (slot->walk_err)
		return slot->walk_err;
	for (size_t at = 0; at < slot->used;) {
		const unsigned char *record = slot->records + at;
		size_t path_length = strlen((const char *)record + VMA_FIELDS);
		int err;

		memcpy(&vma, record, VMA_FIELDS);
		memcpy(vma.path, record + VMA_FIELDS, path_length + 1);
		err = fn(&vma, fn_ctx);
		if (err)
			return err;
		at += (VMA_FIELDS + path_length + 1 + 7) & ~(size_t)7;
	}
	*stats = slot->stats;
	return 0;
}

static int hand_over(struct read_ahead *ahead, struct held_process *slot,
		     struct proc_scan_walk *now, struct mw_proc_scan_stats *stats)
{
	struct mw_proc_process process = { .pid = slot->pid };
	struct replay replay = { slot, now };

	if (slot->not_wanted)
		return 0;
	memcpy(process.comm, slot->comm, sizeof(process.comm));
	return proc_scan__hand_process(&process, slot->comm_err, replay_held, &replay,
				       ahead->handlers, ahead->ctx, stats);
}

/* Workers take no signal: the caller's thread handles them as before. */
static unsigned int start_workers(struct worker *workers, unsigned int wanted)
{
	sigset_t all, saved;
	unsigned int started = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	for (; started < wanted; started++) {
		workers[started].cache = stat_cache__create();
		if (!workers[started].cache)
			break;
		if (pthread_create(&workers[started].thread, NULL, work, &workers[started])) {
			stat_cache__destroy(workers[started].cache);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return started;
}

static void stop_workers(struct read_ahead *ahead, struct worker *workers, unsigned int started)
{
	pthread_mutex_lock(&ahead->lock);
	ahead->stop = true;
	pthread_cond_broadcast(&ahead->freed);
	pthread_mutex_unlock(&ahead->lock);
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		stat_cache__destroy(workers[i].cache);
	}
}

int proc_scan_ahead__each(const pid_t *pids, size_t count, struct proc_scan_walk *now,
			  const struct mw_proc_scan_handlers *handlers, void *ctx,
			  struct mw_proc_scan_stats *stats)
{
	struct worker workers[WORKERS_MAX];
	/* besides the caller's, which reads too while its next process is not ready */
	unsigned int wanted = parallel_for__helpers(WORKERS_MAX), started;
	struct read_ahead *ahead;
	int err = 0;

	if (!wanted)
		return PROC_SCAN_AHEAD_NOT_STARTED;
	ahead = calloc(1, sizeof(*ahead));
	if (!ahead)
		return -ENOMEM;
	pthread_mutex_init(&ahead->lock, NULL);
	pthread_cond_init(&ahead->filled, NULL);
	pthread_cond_init(&ahead->freed, NULL);
	ahead->pids = pids;
	ahead->count = count;
	ahead->maps_flags = now->maps_flags;
	ahead->handlers = handlers;
	ahead->ctx = ctx;
	for (unsigned int i = 0; i < wanted; i++)
		workers[i].ahead = ahead;
	started = start_workers(workers, wanted);
	if (!started)
		err = PROC_SCAN_AHEAD_NOT_STARTED;

	for (size_t index = 0; started && index < count && !err; index++) {
		struct held_process *slot = &ahead->slots[index % SLOTS];

		pthread_mutex_lock(&ahead->lock);
		/* rather than wait, read one ahead too: a sleep and a wakeup cost a read's worth */
		while (!slot->ready) {
			if (may_claim(ahead)) {
				claim_and_read(ahead, now->cache);
				continue;
			}
			ahead->caller_waiting = true;
			pthread_cond_wait(&ahead->filled, &ahead->lock);
			ahead->caller_waiting = false;
		}
		pthread_mutex_unlock(&ahead->lock);

		err = hand_over(ahead, slot, now, stats);

		pthread_mutex_lock(&ahead->lock);
		slot->ready = false;
		ahead->next_handed++;
		/* workers wake for half the window at once, not for every slot */
		if (ahead->workers_waiting && ahead->next_claimed - ahead->next_handed <= SLOTS / 2)
			pthread_cond_broadcast(&ahead->freed);
		pthread_mutex_unlock(&ahead->lock);
	}
	stop_workers(ahead, workers, started);
	for (size_t i = 0; i < SLOTS; i++)
		free(ahead->slots[i].records);
	pthread_cond_destroy(&ahead->freed);
	pthread_cond_destroy(&ahead->filled);
	pthread_mutex_destroy(&ahead->lock);
	free(ahead);
	return err;
}
