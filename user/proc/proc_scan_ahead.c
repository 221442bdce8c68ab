/*
 * The walk over /proc with its maps read ahead on worker threads. A worker
 * claims the next process in the list, reads its comm and maps, stats its
 * files and holds the VMAs in a slot; the caller's thread hands the slots to
 * the handlers in list order. A process with more VMAs than a chunk holds
 * comes in chunks: the caller hands one over while the worker fills the
 * next, so even one process of a million mappings is read on one CPU while
 * the handlers take it in on another. The handlers' state (the tracker) is
 * never touched off the caller's thread, so it needs no lock; the slots and
 * the indexes are all the threads share.
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

#define WORKERS_MAX 4
/* processes read ahead of the handlers, at most: bounds what is held */
#define SLOTS 16
/* a chunk of one process's VMAs: about 2,000; two per process being read */
#define CHUNK_BYTES (256u << 10)
#define CHUNK_BYTES_FIRST (16u << 10)
/* processes ready before a waiting caller is woken, when more are coming */
#define WAKE_BATCH 4
/* a VMA held is its fields and as much of its path as the name uses */
#define VMA_FIELDS offsetof(struct mw_vma, path)

struct read_ahead;

struct held_process {
	struct read_ahead *ahead;
	pid_t pid;
	bool ready; /* a worker claimed and began it; the caller's turn once it is next */
	bool chunk_full; /* records holds a whole chunk: the worker waits for the caller to take it */
	bool walk_done; /* records holds the last of it; walk_err and stats are final */
	bool not_wanted; /* may_begin said no: begin would have too */
	int comm_err;
	int walk_err; /* what proc_maps__for_each_cached returned */
	char comm[MW_COMM_LEN];
	struct mw_proc_maps_stats stats;
	/* VMA_FIELDS bytes, the path with its NUL, 8-byte aligned: the worker fills it */
	unsigned char *records;
	size_t used;
	size_t capacity;
	/* the chunk the caller hands over, then the buffer the worker fills next */
	unsigned char *taken;
	size_t taken_used;
	size_t taken_capacity;
};

struct read_ahead {
	pthread_mutex_t lock;
	pthread_cond_t
		filled; /* the caller waits here: a slot began, a chunk filled, a walk ended */
	pthread_cond_t freed; /* workers wait here for a slot to read into */
	pthread_cond_t chunk_taken; /* a worker with a full chunk waits here */
	const pid_t *pids;
	size_t count;
	size_t next_claimed; /* the next pid a worker takes */
	size_t next_handed; /* the next pid the caller hands over */
	bool stop;
	bool caller_waiting;
	bool caller_in_stream; /* it waits for a chunk, or the end, of the process it hands over */
	size_t ready_ahead; /* slots ready and not yet handed over */
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

/* What a held VMA whose path is @path_length bytes takes, its alignment included. */
static size_t record_size(size_t path_length)
{
	return (VMA_FIELDS + path_length + 1 + 7) & ~(size_t)7;
}

/*
 * With the lock held, after a slot became ready or a walk ended: wakes the
 * caller if it waits and can go on, in batches where it can (a sleep and a
 * wakeup cost about what a small process's read does). It goes on when it
 * waits inside a process's stream, and otherwise once its next process is
 * ready and a few more are, or no more will be soon.
 */
static void tell_caller(struct read_ahead *ahead)
{
	if (!ahead->caller_waiting)
		return;
	if (ahead->caller_in_stream ||
	    (ahead->slots[ahead->next_handed % SLOTS].ready &&
	     (ahead->ready_ahead >= WAKE_BATCH || ahead->next_claimed >= ahead->count ||
	      ahead->next_claimed >= ahead->next_handed + SLOTS)))
		pthread_cond_signal(&ahead->filled);
}

/* With the lock held: the slot's process may be handed over (its walk began or ended). */
static void mark_ready(struct read_ahead *ahead, struct held_process *slot)
{
	if (!slot->ready)
		ahead->ready_ahead++;
	slot->ready = true;
}

/* On the worker: a full chunk goes to the caller; back once it took it. -ECANCELED: stop. */
static int pass_chunk(struct held_process *slot)
{
	struct read_ahead *ahead = slot->ahead;
	int err = 0;

	pthread_mutex_lock(&ahead->lock);
	slot->chunk_full = true;
	mark_ready(ahead, slot);
	/* a worker about to wait on the caller always wakes it: both waiting would be stuck */
	if (ahead->caller_waiting)
		pthread_cond_signal(&ahead->filled);
	while (slot->chunk_full && !ahead->stop)
		pthread_cond_wait(&ahead->chunk_taken, &ahead->lock);
	if (slot->chunk_full)
		err = -ECANCELED;
	pthread_mutex_unlock(&ahead->lock);
	return err;
}

static int hold_vma(const struct mw_vma *vma, void *context)
{
	struct held_process *slot = context;
	size_t path_length = strlen(vma->path), size = record_size(path_length);

	if (slot->used && slot->used + size > CHUNK_BYTES) {
		int err = pass_chunk(slot);

		if (err)
			return err;
	}
	if (slot->used + size > slot->capacity) {
		size_t capacity = slot->capacity ? slot->capacity * 2 : CHUNK_BYTES_FIRST;
		unsigned char *records;

		while (capacity < slot->used + size)
			capacity *= 2;
		records = realloc(slot->records, capacity);
		if (!records)
			return -ENOMEM;
		slot->records = records;
		slot->capacity = capacity;
	}
	memcpy(slot->records + slot->used, vma, VMA_FIELDS + path_length + 1);
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

static void *work(void *context)
{
	struct worker *worker = context;
	struct read_ahead *ahead = worker->ahead;

	pthread_mutex_lock(&ahead->lock);
	for (;;) {
		struct held_process *slot;
		size_t index;

		while (!may_claim(ahead) && !ahead->stop && ahead->next_claimed < ahead->count) {
			ahead->workers_waiting++;
			pthread_cond_wait(&ahead->freed, &ahead->lock);
			ahead->workers_waiting--;
		}
		if (!may_claim(ahead))
			break;
		index = ahead->next_claimed++;
		slot = &ahead->slots[index % SLOTS];
		slot->walk_done = false;
		pthread_mutex_unlock(&ahead->lock);

		read_process(ahead, worker->cache, slot, ahead->pids[index]);

		pthread_mutex_lock(&ahead->lock);
		slot->walk_done = true;
		mark_ready(ahead, slot);
		tell_caller(ahead);
	}
	pthread_mutex_unlock(&ahead->lock);
	return NULL;
}

/* With the lock held, on the caller: sleeps until a worker tells it (tell_caller). */
static void caller_wait(struct read_ahead *ahead, bool in_stream)
{
	ahead->caller_waiting = true;
	ahead->caller_in_stream = in_stream;
	pthread_cond_wait(&ahead->filled, &ahead->lock);
	ahead->caller_waiting = ahead->caller_in_stream = false;
}

/*
 * On the caller: waits for the slot's next chunk and takes it into
 * slot->taken, handing the worker the buffer it had before. Returns true for
 * the last one (the walk ended), false for a chunk with more to come.
 */
static bool take_chunk(struct read_ahead *ahead, struct held_process *slot)
{
	unsigned char *buffer = slot->taken;
	size_t capacity = slot->taken_capacity;
	bool last;

	pthread_mutex_lock(&ahead->lock);
	while (!slot->chunk_full && !slot->walk_done)
		caller_wait(ahead, true);
	last = !slot->chunk_full;
	slot->taken = slot->records;
	slot->taken_used = slot->used;
	slot->taken_capacity = slot->capacity;
	slot->records = buffer;
	slot->used = 0;
	slot->capacity = capacity;
	if (!last) {
		slot->chunk_full = false;
		pthread_cond_broadcast(&ahead->chunk_taken);
	}
	pthread_mutex_unlock(&ahead->lock);
	return last;
}

/* Hands every VMA of slot->taken to @fn; stops at its first error. */
static int replay_chunk(const struct held_process *slot, proc_maps_fn fn, void *fn_ctx)
{
	struct mw_vma vma;

	for (size_t at = 0; at < slot->taken_used;) {
		const unsigned char *record = slot->taken + at;
		size_t path_length = strlen((const char *)record + VMA_FIELDS);
		int err;

		memcpy(&vma, record, VMA_FIELDS);
		memcpy(vma.path, record + VMA_FIELDS, path_length + 1);
		err = fn(&vma, fn_ctx);
		if (err)
			return err;
		at += record_size(path_length);
	}
	return 0;
}

/* A proc_scan_source_fn: the VMAs a worker reads, chunk by chunk as they come. */
static int replay_held(void *source, pid_t pid, proc_maps_fn fn, void *fn_ctx,
		       struct mw_proc_maps_stats *stats)
{
	struct held_process *slot = source;
	int err = 0;
	bool last;

	(void)pid;
	do {
		last = take_chunk(slot->ahead, slot);
		/* after an error the rest is taken, not handed: the worker must get to its end */
		if (!err)
			err = replay_chunk(slot, fn, fn_ctx);
	} while (!last);
	if (!err)
		err = slot->walk_err;
	if (!err)
		*stats = slot->stats;
	return err;
}

/* Whatever the handlers did with it, the worker gets to the end of its walk. */
static void finish_slot(struct read_ahead *ahead, struct held_process *slot)
{
	while (!take_chunk(ahead, slot))
		;
}

static int hand_over(struct read_ahead *ahead, struct held_process *slot,
		     struct mw_proc_scan_stats *stats)
{
	struct mw_proc_process process = { .pid = slot->pid };
	int err = 0;

	/* what a begin that declines never reads: the walk has not begun, or ended */
	if (!slot->not_wanted) {
		memcpy(process.comm, slot->comm, sizeof(process.comm));
		err = proc_scan__hand_process(&process, slot->comm_err, replay_held, slot,
					      ahead->handlers, ahead->ctx, stats);
	}
	finish_slot(ahead, slot);
	return err;
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
	pthread_cond_broadcast(&ahead->chunk_taken);
	pthread_mutex_unlock(&ahead->lock);
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		stat_cache__destroy(workers[i].cache);
	}
}

int proc_scan_ahead__each(const pid_t *pids, size_t count, const struct proc_scan_walk *walk,
			  const struct mw_proc_scan_handlers *handlers, void *ctx,
			  struct mw_proc_scan_stats *stats)
{
	struct worker workers[WORKERS_MAX];
	/* a reader per CPU: the caller's thread takes in what they read, and mostly waits */
	unsigned int wanted = parallel_for__helpers(WORKERS_MAX - 1) + 1, started;
	struct read_ahead *ahead;
	int err = 0;

	if (wanted < 2)
		return PROC_SCAN_AHEAD_NOT_STARTED;
	ahead = calloc(1, sizeof(*ahead));
	if (!ahead)
		return -ENOMEM;
	pthread_mutex_init(&ahead->lock, NULL);
	pthread_cond_init(&ahead->filled, NULL);
	pthread_cond_init(&ahead->freed, NULL);
	pthread_cond_init(&ahead->chunk_taken, NULL);
	ahead->pids = pids;
	ahead->count = count;
	ahead->maps_flags = walk->maps_flags;
	ahead->handlers = handlers;
	ahead->ctx = ctx;
	for (size_t i = 0; i < SLOTS; i++)
		ahead->slots[i].ahead = ahead;
	for (unsigned int i = 0; i < wanted; i++)
		workers[i].ahead = ahead;
	started = start_workers(workers, wanted);
	if (!started)
		err = PROC_SCAN_AHEAD_NOT_STARTED;

	for (size_t index = 0; started && index < count && !err; index++) {
		struct held_process *slot = &ahead->slots[index % SLOTS];

		pthread_mutex_lock(&ahead->lock);
		while (!slot->ready)
			caller_wait(ahead, false);
		pthread_mutex_unlock(&ahead->lock);

		err = hand_over(ahead, slot, stats);

		pthread_mutex_lock(&ahead->lock);
		slot->ready = false;
		ahead->ready_ahead--;
		ahead->next_handed++;
		/* workers wake for half the window at once, not for every slot */
		if (ahead->workers_waiting && ahead->next_claimed - ahead->next_handed <= SLOTS / 2)
			pthread_cond_broadcast(&ahead->freed);
		pthread_mutex_unlock(&ahead->lock);
	}
	stop_workers(ahead, workers, started);
	for (size_t i = 0; i < SLOTS; i++) {
		free(ahead->slots[i].records);
		free(ahead->slots[i].taken);
	}
	pthread_cond_destroy(&ahead->chunk_taken);
	pthread_cond_destroy(&ahead->freed);
	pthread_cond_destroy(&ahead->filled);
	pthread_mutex_destroy(&ahead->lock);
	free(ahead);
	return err;
}
