// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized differential test: a seeded generator of mapping, file and
 * process operations (mmap, partial munmap, mremap, mprotect, madvise,
 * mlock, fork, exit, unlink, rename, open(O_TRUNC), truncate) runs in
 * several processes of two threads each, on a shared pool of files on the
 * disk filesystem of /tmp and on tmpfs. It is paused at random; at each pause
 * every live process's orphans (VMA-exact: start, end, offset, dev, ino,
 * path), map count and stale mappings are compared with /proc, and no exited
 * process may remain. Run with the default ring buffer, and with one so
 * small that thousands of records a second are lost: the view must equal
 * /proc by the second refresh after the load stops.
 *
 * Resize remaps cannot be read from /proc, so a third run keeps a model of
 * them in the generator: every file's size generation (bumped whenever a
 * size seen differs from the last one seen, as the agent's rule has it), and
 * for every process the file, offset and generation of each page it maps.
 * Each mmap that finds a page of its file from an older generation counts.
 * Where the kernel may have merged pages of two generations into one VMA,
 * the agent takes the VMA to be as old as its oldest part: the model keeps
 * both the exact count and the count with every such merge made, and the
 * agent's must lie between them. In that run a process's threads take turns
 * (processes still race each other), so that no fork races a thread's
 * change and no repair from /proc has to guess how old a mapping is, and
 * files are resized through an fd (see op_file).
 *
 * MAPWATCH_DIFF_SEED replays a seed (printed on failure); MAPWATCH_DIFF_ROUNDS
 * sets the pauses per run (tests/soak/differential.sh runs many).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_harness.h"
#include "truth_check.h"

#define DEFAULT_ROUNDS 6
#define POOL_FILES 8 /* per directory */
#define FILE_PAGES 8
#define MAX_THREADS 32
#define MAX_PROCESSES 8
#define MAX_EXITED 256
#define THREAD_MAPPINGS 24
#define PAUSE_DEADLINE_NS (120ull * 1000000000ull)
#define SIZE_RECORDS 65536
/* a child keeps the pages its parent's other thread mapped, for good: they add up over forks */
#define MODEL_PAGES 16384

enum thread_state { SLOT_FREE, SLOT_RUNNING, SLOT_PAUSED };

struct thread_slot {
	_Atomic int state;
	_Atomic pid_t pid;
};

/* A file's size as last seen, and how many times a size seen differed. */
struct size_record {
	uint64_t dev, ino, size, generation;
};

/* The resize remaps the model expects of one process: exactly, and with every merge made. */
struct remap_count {
	_Atomic pid_t pid;
	_Atomic unsigned long long exact, merged;
};

/* Shared by the test and every worker: MAP_SHARED before the first fork. */
struct shared {
	_Atomic int pause;
	_Atomic int stop;
	_Atomic int processes;
	struct thread_slot threads[MAX_THREADS];
	_Atomic int exited_count;
	pid_t exited[MAX_EXITED];
	_Atomic unsigned long long operations;
	char dirs[2][PATH_MAX];
	size_t page;
	/* the resize-remap model: on in its own run only */
	bool model;
	_Atomic int model_full; /* which table of the model overflowed: the run cannot judge */
	/* held across every size change and every mmap, by every process */
	pthread_mutex_t size_lock;
	size_t size_count;
	struct size_record sizes[SIZE_RECORDS];
	/* by the slot of each process's main thread */
	struct remap_count remaps[MAX_THREADS];
};

static struct shared *shared;
/* the workers' process group, for the test to end */
static pid_t workers_group;

struct mapping {
	char *address;
	size_t length;
	bool private_mapping;
};

struct worker_thread {
	int slot;
	uint64_t random;
	struct mapping mappings[THREAD_MAPPINGS];
	size_t count;
	bool main_thread;
};

/* One page of a pool file mapped in this process, as the model has it. */
struct model_page {
	uintptr_t address;
	uint64_t dev, ino;
	uint64_t file_page; /* its offset in the file, in pages */
	uint64_t exact; /* the generation of the mmap that made it */
	uint64_t merged; /* the oldest it may be taken for, had every possible merge been made */
	bool dont_fork;
};

/*
 * This process's pool pages in address order; a fork copies them. Held
 * across each whole operation in the model's run, so a process's threads
 * take turns.
 */
static struct {
	pthread_mutex_t lock;
	struct model_page pages[MODEL_PAGES];
	size_t count;
	struct remap_count *remaps;
} model = { .lock = PTHREAD_MUTEX_INITIALIZER };

static _Atomic int process_quitting;
/* the slot of this process's helper thread, -1 without one */
static int helper_slot = -1;
static __thread sigjmp_buf *bus_guard;

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64* */
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static size_t pick(uint64_t *state, size_t bound)
{
	return bound ? (size_t)(next_random(state) % bound) : 0;
}

/* ---- the resize-remap model ---- */

/* The size generation of a file after a size seen now; the size lock is held. */
static uint64_t size_seen(uint64_t dev, uint64_t ino, uint64_t size)
{
	size_t slot = (size_t)((dev * 0x9e3779b97f4a7c15ull ^ ino) * 0xff51afd7ed558ccdull >> 40);
	struct size_record *record;

	for (;; slot++) {
		record = &shared->sizes[slot % SIZE_RECORDS];
		if (record->ino == 0 || (record->dev == dev && record->ino == ino))
			break;
	}
	if (record->ino == 0) {
		/* half full at most, so that no probe runs long; past that the run says so */
		if (shared->size_count >= SIZE_RECORDS / 2) {
			shared->model_full = SIZE_RECORDS / 2;
			return 0;
		}
		shared->size_count++;
		record->dev = dev;
		record->ino = ino;
		/* a size seen for the first time is no change */
		record->size = size;
	} else if (record->size != size) {
		record->size = size;
		record->generation++;
	}
	return record->generation;
}

static uint64_t size_seen_fd(int fd)
{
	struct stat status;

	if (fstat(fd, &status))
		return 0;
	return size_seen((uint64_t)status.st_dev, (uint64_t)status.st_ino,
			 (uint64_t)status.st_size);
}

static bool same_file(const struct model_page *a, const struct model_page *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

static void model_remove_range(uintptr_t start, uintptr_t end)
{
	size_t kept = 0;

	for (size_t i = 0; i < model.count; i++)
		if (model.pages[i].address < start || model.pages[i].address >= end)
			model.pages[kept++] = model.pages[i];
	model.count = kept;
}

static void model_insert(const struct model_page *page)
{
	size_t at = model.count;

	if (model.count == MODEL_PAGES) {
		shared->model_full = MODEL_PAGES;
		return;
	}
	while (at > 0 && model.pages[at - 1].address > page->address) {
		model.pages[at] = model.pages[at - 1];
		at--;
	}
	model.pages[at] = *page;
	model.count++;
}

/*
 * Pages next to each other in memory and in the same file may be one VMA:
 * each run of them gets the oldest generation in it, as the agent gives a
 * merged VMA; what the kernel did merge is a subset, so this is a bound.
 */
static void model_merge_possible(void)
{
	size_t run_start = 0;

	for (size_t i = 1; i <= model.count; i++) {
		const struct model_page *previous = &model.pages[i - 1];
		uint64_t oldest = UINT64_MAX;

		if (i < model.count && model.pages[i].address == previous->address + shared->page &&
		    same_file(&model.pages[i], previous) &&
		    model.pages[i].file_page == previous->file_page + 1)
			continue;
		for (size_t j = run_start; j < i; j++)
			if (model.pages[j].merged < oldest)
				oldest = model.pages[j].merged;
		for (size_t j = run_start; j < i; j++)
			model.pages[j].merged = oldest;
		run_start = i;
	}
}

/* An mmap of the file behind fd at address: counts a resize remap, then adds its pages. */
static void model_mapped(int fd, char *address, size_t pages, uint64_t file_page)
{
	struct stat status;
	struct model_page page = { 0 };
	bool exact = false, merged = false;

	if (fstat(fd, &status))
		return;
	page.dev = (uint64_t)status.st_dev;
	page.ino = (uint64_t)status.st_ino;
	page.exact = size_seen(page.dev, page.ino, (uint64_t)status.st_size);
	page.merged = page.exact;
	for (size_t i = 0; i < model.count; i++) {
		if (!same_file(&model.pages[i], &page))
			continue;
		exact |= model.pages[i].exact < page.exact;
		merged |= model.pages[i].merged < page.exact;
	}
	model.remaps->exact += exact;
	model.remaps->merged += merged;
	model_remove_range((uintptr_t)address, (uintptr_t)address + pages * shared->page);
	for (size_t i = 0; i < pages; i++) {
		page.address = (uintptr_t)address + i * shared->page;
		page.file_page = file_page + i;
		model_insert(&page);
	}
	model_merge_possible();
}

/*
 * mremap of one VMA: its pages move with it, a shrink drops the tail, and
 * growth extends the VMA, the new pages being of the mapping they extend.
 */
static void model_remapped(char *old_address, size_t old_length, char *new_address,
			   size_t new_length)
{
	struct model_page moved[8], last = { 0 };
	size_t count = 0, page = shared->page;
	bool have_last = false;

	for (size_t i = 0; i < model.count && count < 8; i++) {
		uintptr_t address = model.pages[i].address;

		if (address < (uintptr_t)old_address ||
		    address >= (uintptr_t)old_address + old_length)
			continue;
		last = model.pages[i];
		have_last = true;
		if (address < (uintptr_t)old_address + new_length)
			moved[count++] = model.pages[i];
	}
	model_remove_range((uintptr_t)old_address, (uintptr_t)old_address + old_length);
	for (size_t i = 0; i < count; i++) {
		moved[i].address =
			moved[i].address - (uintptr_t)old_address + (uintptr_t)new_address;
		model_insert(&moved[i]);
	}
	for (size_t offset = old_length; have_last && offset < new_length; offset += page) {
		struct model_page grown = last;

		grown.address = (uintptr_t)new_address + offset;
		grown.file_page =
			last.file_page + (offset - (last.address - (uintptr_t)old_address)) / page;
		model_insert(&grown);
	}
	model_merge_possible();
}

static void model_dont_fork(char *address, bool dont_fork)
{
	for (size_t i = 0; i < model.count; i++)
		if (model.pages[i].address == (uintptr_t)address)
			model.pages[i].dont_fork = dont_fork;
}

/* This process's counts start at zero, in the slot of its main thread. */
static void model_start_counting(int slot)
{
	model.remaps = &shared->remaps[slot];
	model.remaps->exact = 0;
	model.remaps->merged = 0;
	model.remaps->pid = getpid();
}

/* In a forked child: the pages it got, and counts of its own. */
static void model_forked(int slot)
{
	size_t kept = 0;

	pthread_mutex_init(&model.lock, NULL);
	pthread_mutex_lock(&model.lock); /* released as the fork's operation ends */
	for (size_t i = 0; i < model.count; i++)
		if (!model.pages[i].dont_fork)
			model.pages[kept++] = model.pages[i];
	model.count = kept;
	model_start_counting(slot);
}

static void on_bus(int signal_number)
{
	(void)signal_number;
	if (bus_guard)
		siglongjmp(*bus_guard, 1);
	/* a fault of the test's own: the process dies of it, and the pause says so */
	signal(signal_number, SIG_DFL);
}

/*
 * Writes one byte, as a program writes to its private copy: the page may be
 * past the end of file (SIGBUS), or gone (SIGSEGV): a thread's list of its
 * mappings keeps the holes it punched, which the other thread of the process
 * may map and unmap again between this thread's mprotect and its write.
 */
static void touch(char *address)
{
	sigjmp_buf jump;

	bus_guard = &jump;
	if (!sigsetjmp(jump, 1))
		*(volatile char *)address = 1;
	bus_guard = NULL;
}

static void pool_path(uint64_t *state, char *path, size_t size)
{
	snprintf(path, size, "%s/pool-%zu.index", shared->dirs[pick(state, 2)],
		 pick(state, POOL_FILES));
}

static void op_map(struct worker_thread *self)
{
	size_t page = shared->page, pages = 1 + pick(&self->random, 4);
	bool private_mapping = pick(&self->random, 2);
	int prot = pick(&self->random, 2) ? PROT_READ : PROT_READ | PROT_WRITE;
	char path[PATH_MAX + 32];
	struct mapping *slot;
	uint64_t file_page;
	void *address;
	int fd;

	if (self->count == THREAD_MAPPINGS)
		return;
	pool_path(&self->random, path, sizeof(path));
	/* no size may change between the size this mmap sees and the model's */
	if (shared->model)
		pthread_mutex_lock(&shared->size_lock);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (shared->model)
			pthread_mutex_unlock(&shared->size_lock);
		return;
	}
	if (pick(&self->random, 4) == 0 && !ftruncate(fd, FILE_PAGES * page) && shared->model)
		size_seen_fd(fd);
	file_page = pick(&self->random, 4);
	address = mmap(NULL, pages * page, prot, private_mapping ? MAP_PRIVATE : MAP_SHARED, fd,
		       (off_t)(file_page * page));
	if (address != MAP_FAILED && shared->model)
		model_mapped(fd, address, pages, file_page);
	if (shared->model)
		pthread_mutex_unlock(&shared->size_lock);
	close(fd);
	if (address == MAP_FAILED)
		return;
	if (private_mapping && (prot & PROT_WRITE))
		touch(address);
	slot = &self->mappings[self->count++];
	slot->address = address;
	slot->length = pages * page;
	slot->private_mapping = private_mapping;
}

static struct mapping *some_mapping(struct worker_thread *self)
{
	return self->count ? &self->mappings[pick(&self->random, self->count)] : NULL;
}

static char *some_page(struct worker_thread *self, struct mapping *mapping)
{
	return mapping->address +
	       pick(&self->random, mapping->length / shared->page) * shared->page;
}

static void forget(struct worker_thread *self, struct mapping *mapping)
{
	*mapping = self->mappings[--self->count];
}

static void op_unmap(struct worker_thread *self)
{
	struct mapping *mapping = some_mapping(self);

	if (!mapping)
		return;
	if (pick(&self->random, 2)) {
		char *page = some_page(self, mapping);

		if (!munmap(page, shared->page))
			model_remove_range((uintptr_t)page, (uintptr_t)page + shared->page);
	} else {
		if (!munmap(mapping->address, mapping->length))
			model_remove_range((uintptr_t)mapping->address,
					   (uintptr_t)mapping->address + mapping->length);
		forget(self, mapping);
	}
}

static void op_mremap(struct worker_thread *self)
{
	struct mapping *mapping = some_mapping(self);
	size_t length;
	void *moved;

	if (!mapping)
		return;
	length = (1 + pick(&self->random, 5)) * shared->page;
	moved = mremap(mapping->address, mapping->length, length, MREMAP_MAYMOVE);
	if (moved == MAP_FAILED)
		return;
	model_remapped(mapping->address, mapping->length, moved, length);
	mapping->address = moved;
	mapping->length = length;
}

static void op_mprotect(struct worker_thread *self)
{
	struct mapping *mapping = some_mapping(self);
	char *address;
	int prot = pick(&self->random, 2) ? PROT_READ : PROT_READ | PROT_WRITE;

	if (!mapping)
		return;
	address = some_page(self, mapping);
	if (mprotect(address, shared->page, prot))
		return;
	if (mapping->private_mapping && (prot & PROT_WRITE))
		touch(address);
}

static void op_madvise(struct worker_thread *self)
{
	static const int advice[] = { MADV_DONTFORK, MADV_DOFORK,   MADV_DONTDUMP,
				      MADV_DODUMP,   MADV_HUGEPAGE, MADV_NOHUGEPAGE };
	struct mapping *mapping = some_mapping(self);
	char *page;
	int chosen;

	if (!mapping)
		return;
	page = some_page(self, mapping);
	chosen = advice[pick(&self->random, sizeof(advice) / sizeof(advice[0]))];
	if (!madvise(page, shared->page, chosen) &&
	    (chosen == MADV_DONTFORK || chosen == MADV_DOFORK))
		model_dont_fork(page, chosen == MADV_DONTFORK);
}

static void op_mlock(struct worker_thread *self)
{
	struct mapping *mapping = some_mapping(self);

	if (!mapping)
		return;
	if (pick(&self->random, 2))
		(void)mlock(some_page(self, mapping), shared->page);
	else
		(void)munlock(some_page(self, mapping), shared->page);
}

static void op_file(struct worker_thread *self)
{
	char path[PATH_MAX + 32], other[PATH_MAX + 32];
	off_t length;
	int fd;

	pool_path(&self->random, path, sizeof(path));
	/* a path names one file from the change to the model's look at its size */
	if (shared->model)
		pthread_mutex_lock(&shared->size_lock);
	switch (pick(&self->random, 4)) {
	case 0:
		(void)unlink(path);
		break;
	case 1:
		/* within one directory: rename does not cross filesystems */
		snprintf(other, sizeof(other), "%.*s/pool-%zu.index",
			 (int)(strrchr(path, '/') - path), path, pick(&self->random, POOL_FILES));
		(void)rename(path, other);
		break;
	case 2:
		fd = open(path, O_RDWR | O_TRUNC | O_CLOEXEC);
		if (fd >= 0) {
			if (shared->model)
				size_seen_fd(fd);
			close(fd);
		}
		break;
	default:
		length = (off_t)((1 + pick(&self->random, FILE_PAGES)) * shared->page);
		/*
		 * The model's run resizes through an fd: a truncate(path) of a name
		 * more files share than the kernel's slots hold is settled by a
		 * later stat, and a resize undone before it is not seen.
		 */
		if (!shared->model) {
			(void)truncate(path, length);
		} else if ((fd = open(path, O_RDWR | O_CLOEXEC)) >= 0) {
			if (!ftruncate(fd, length))
				size_seen_fd(fd);
			close(fd);
		}
		break;
	}
	if (shared->model)
		pthread_mutex_unlock(&shared->size_lock);
}

static int claim_thread_slot(pid_t pid)
{
	for (int i = 0; i < MAX_THREADS; i++) {
		int expected = SLOT_FREE;

		if (atomic_compare_exchange_strong(&shared->threads[i].state, &expected,
						   SLOT_RUNNING)) {
			shared->threads[i].pid = pid;
			return i;
		}
	}
	return -1;
}

static void *worker_loop(void *argument);

static void __attribute__((noreturn)) worker_exit(struct worker_thread *self)
{
	pid_t pid = getpid();
	int index = atomic_fetch_add(&shared->exited_count, 1);

	process_quitting = 1;
	if (model.remaps)
		model.remaps->pid = 0;
	if (index < MAX_EXITED)
		shared->exited[index] = pid;
	atomic_fetch_sub(&shared->processes, 1);
	/*
	 * The helper frees its own slot when it sees process_quitting: freed
	 * from here, it could be marked running again by the helper between
	 * its loop test and its store, and stay running after the exit, so
	 * that no pause would ever complete.
	 */
	if (helper_slot >= 0)
		while (shared->threads[helper_slot].state != SLOT_FREE &&
		       shared->threads[helper_slot].pid == pid)
			usleep(100);
	shared->threads[self->slot].state = SLOT_FREE;
	_exit(0);
}

/* Starts the helper thread of the calling process on a fresh slot. */
static void start_helper(uint64_t seed)
{
	struct worker_thread *helper = calloc(1, sizeof(*helper));
	pthread_t thread;

	helper_slot = -1; /* a forked child does not have its parent's helper */
	/* MAPWATCH_DIFF_THREADS=1: one thread per process, to tell thread races from the rest */
	if (!helper ||
	    (getenv("MAPWATCH_DIFF_THREADS") && atoi(getenv("MAPWATCH_DIFF_THREADS")) == 1)) {
		free(helper);
		return;
	}
	helper->slot = claim_thread_slot(getpid());
	helper->random = seed | 1;
	if (helper->slot < 0 || pthread_create(&thread, NULL, worker_loop, helper)) {
		if (helper->slot >= 0)
			shared->threads[helper->slot].state = SLOT_FREE;
		free(helper);
		return;
	}
	helper_slot = helper->slot;
	pthread_detach(thread);
}

static void op_fork(struct worker_thread *self)
{
	uint64_t child_seed = next_random(&self->random);
	int child_slot;
	pid_t child;

	if (atomic_fetch_add(&shared->processes, 1) >= MAX_PROCESSES) {
		atomic_fetch_sub(&shared->processes, 1);
		return;
	}
	/* counted as running before it exists, so a pause waits for it */
	child_slot = claim_thread_slot(0);
	if (child_slot < 0) {
		atomic_fetch_sub(&shared->processes, 1);
		return;
	}
	child = fork();
	if (child < 0) {
		shared->threads[child_slot].state = SLOT_FREE;
		atomic_fetch_sub(&shared->processes, 1);
		return;
	}
	if (child == 0) {
		self->slot = child_slot;
		if (shared->model)
			model_forked(child_slot);
		shared->threads[child_slot].pid = getpid();
		self->random = child_seed | 1;
		start_helper(next_random(&self->random));
		return;
	}
}

static void run_operation(struct worker_thread *self)
{
	size_t choice = pick(&self->random, 100);

	if (choice >= 98) {
		if (self->main_thread && shared->processes > 2)
			worker_exit(self);
		return;
	}
	/* the model's run: a process's threads take turns, whole operations each */
	if (shared->model)
		pthread_mutex_lock(&model.lock);
	if (choice < 24)
		op_map(self);
	else if (choice < 40)
		op_unmap(self);
	else if (choice < 50)
		op_mremap(self);
	else if (choice < 62)
		op_mprotect(self);
	else if (choice < 70)
		op_madvise(self);
	else if (choice < 76)
		op_mlock(self);
	else if (choice < 96)
		op_file(self);
	else if (self->main_thread)
		op_fork(self);
	if (shared->model)
		pthread_mutex_unlock(&model.lock);
}

static void *worker_loop(void *argument)
{
	struct worker_thread *self = argument;
	struct thread_slot *slot;

	while (!shared->stop && !process_quitting) {
		slot = &shared->threads[self->slot];
		/* running first, then the pause flag: a pause seen paused stays paused */
		slot->state = SLOT_RUNNING;
		if (shared->pause) {
			slot->state = SLOT_PAUSED;
			while (shared->pause && !shared->stop && !process_quitting)
				usleep(1000);
			continue;
		}
		run_operation(self);
		atomic_fetch_add(&shared->operations, 1);
	}
	shared->threads[self->slot].state = SLOT_FREE;
	if (self->main_thread)
		_exit(0);
	return NULL;
}

/* The first workers; they fork and exit on their own from then on. */
static void __attribute__((noreturn)) run_workers(uint64_t seed, int workers)
{
	struct sigaction bus = { .sa_handler = on_bus };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* one process group: the test ends every worker with one kill, whatever happens */
	setpgid(0, 0);
	signal(SIGCHLD, SIG_IGN); /* exited workers leave /proc at once */
	sigaction(SIGBUS, &bus, NULL);
	sigaction(SIGSEGV, &bus, NULL);
	for (int i = 0; i < workers; i++) {
		struct worker_thread *self = calloc(1, sizeof(*self));
		pid_t pid;

		self->random = (seed + 0x9e3779b97f4a7c15ull * (i + 1)) | 1;
		self->main_thread = true;
		self->slot = claim_thread_slot(0);
		atomic_fetch_add(&shared->processes, 1);
		pid = fork();
		if (pid == 0) {
			shared->threads[self->slot].pid = getpid();
			if (shared->model)
				model_start_counting(self->slot);
			start_helper(next_random(&self->random));
			worker_loop(self);
		}
	}
	while (!shared->stop)
		usleep(10000);
	_exit(0);
}

/* ---- the test's side ---- */

static uint64_t test_seed(void)
{
	const char *text = getenv("MAPWATCH_DIFF_SEED");
	struct timespec now;

	if (text)
		return strtoull(text, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000003u ^ (uint64_t)now.tv_nsec;
}

static int rounds(void)
{
	const char *text = getenv("MAPWATCH_DIFF_ROUNDS");

	return text ? atoi(text) : DEFAULT_ROUNDS;
}

static bool any_running(uint64_t seed)
{
	for (int i = 0; i < MAX_THREADS; i++) {
		pid_t pid = shared->threads[i].pid;

		if (shared->threads[i].state != SLOT_RUNNING)
			continue;
		/* claimed for a child not started yet (pid 0), or running */
		cr_assert(
			pid <= 0 || kill(pid, 0) == 0 || shared->threads[i].state != SLOT_RUNNING ||
				shared->threads[i].pid != pid,
			"seed %llu: worker %d died without exiting", (unsigned long long)seed, pid);
		return true;
	}
	return false;
}

static void pause_workers(uint64_t seed)
{
	uint64_t deadline = harness__now_ns() + PAUSE_DEADLINE_NS;

	shared->pause = 1;
	while (any_running(seed)) {
		cr_assert_lt(harness__now_ns(), deadline, "seed %llu: the workers did not pause",
			     (unsigned long long)seed);
		usleep(1000);
	}
	/* an exited worker leaves /proc (its parent ignores SIGCHLD) */
	for (int i = 0; i < shared->exited_count && i < MAX_EXITED; i++)
		while (kill(shared->exited[i], 0) == 0 && harness__now_ns() < deadline) {
			char path[64], state = 0;
			FILE *stat_file;

			snprintf(path, sizeof(path), "/proc/%d/stat", shared->exited[i]);
			stat_file = fopen(path, "re");
			if (!stat_file)
				break;
			/* a pid taken by a new process: no longer the one that exited */
			if (fscanf(stat_file, "%*d %*s %c", &state) == 1 && state != 'Z' &&
			    state != 'X') {
				fclose(stat_file);
				break;
			}
			fclose(stat_file);
			usleep(1000);
		}
}

/* The agent's resize remaps of pid lie between the model's exact count and its count with every merge made. */
static void compare_resize_remaps(json_t *entry, pid_t pid, uint64_t seed, int round)
{
	long long agent = entry ? json_integer_value(json_object_get(entry, "resize_remaps")) : 0;

	cr_assert(!shared->model_full, "seed %llu: a table of the model is full (%d %s)",
		  (unsigned long long)seed, shared->model_full,
		  shared->model_full == MODEL_PAGES ? "pages of one process" : "files");
	for (int i = 0; i < MAX_THREADS; i++) {
		unsigned long long exact = shared->remaps[i].exact,
				   merged = shared->remaps[i].merged;

		if (shared->remaps[i].pid != pid)
			continue;
		fprintf(stderr,
			"differential: seed %llu round %d pid %d: resize remaps %lld, model %llu-%llu\n",
			(unsigned long long)seed, round, pid, agent, exact, merged);
		cr_assert(
			exact <= (unsigned long long)agent && (unsigned long long)agent <= merged,
			"seed %llu round %d pid %d: %lld resize remaps, the model %llu (%llu with "
			"every possible merge)",
			(unsigned long long)seed, round, pid, agent, exact, merged);
		return;
	}
	cr_assert_fail("seed %llu round %d pid %d: not in the model", (unsigned long long)seed,
		       round, pid);
}

static void compare_process(json_t *snapshot, pid_t pid, uint64_t seed, int round)
{
	struct truth truth;
	json_t *entry;
	long stale;

	fprintf(stderr, "differential: seed %llu round %d pid %d\n", (unsigned long long)seed,
		round, pid);
	truth__read(pid, &truth);
	stale = truth__stale_mappings(pid);
	if (getenv("MAPWATCH_DIFF_DUMP")) {
		char command[128];

		snprintf(command, sizeof(command), "cp /proc/%d/smaps %s/smaps-%d", pid,
			 getenv("MAPWATCH_DIFF_DUMP"), pid);
		(void)!system(command);
		snprintf(command, sizeof(command), "%s/snapshot.json",
			 getenv("MAPWATCH_DIFF_DUMP"));
		json_dump_file(snapshot, command, 0);
	}
	entry = truth__expect_snapshot_matches(snapshot, &truth);
	if (entry) {
		cr_assert_eq(json_integer_value(json_object_get(entry, "map_count")),
			     (json_int_t)truth.summary.map_count,
			     "seed %llu round %d pid %d: map_count %lld, /proc %llu",
			     (unsigned long long)seed, round, pid,
			     json_integer_value(json_object_get(entry, "map_count")),
			     (unsigned long long)truth.summary.map_count);
		cr_assert_eq(json_integer_value(json_object_get(entry, "stale_mappings")), stale,
			     "seed %llu round %d pid %d: stale_mappings %lld, /proc %ld",
			     (unsigned long long)seed, round, pid,
			     json_integer_value(json_object_get(entry, "stale_mappings")), stale);
	} else {
		cr_assert_eq(stale, 0, "seed %llu round %d pid %d: %ld stale mappings not listed",
			     (unsigned long long)seed, round, pid, stale);
	}
	if (shared->model)
		compare_resize_remaps(entry, pid, seed, round);
	truth__free(&truth);
}

static void compare_all(json_t *snapshot, uint64_t seed, int round)
{
	json_t *process;
	size_t index;

	pid_t compared[MAX_THREADS];
	int compared_count = 0;

	for (int i = 0; i < MAX_THREADS; i++) {
		pid_t pid = shared->threads[i].pid;
		bool seen = false;

		for (int j = 0; j < compared_count; j++)
			seen |= compared[j] == pid;
		if (seen || shared->threads[i].state == SLOT_FREE || pid <= 0 || kill(pid, 0))
			continue;
		compared[compared_count++] = pid;
		compare_process(snapshot, pid, seed, round);
	}
	/* no process that exited is left, with its orphans and map count */
	json_array_foreach(json_object_get(snapshot, "processes"), index, process)
	{
		pid_t pid = (pid_t)json_integer_value(json_object_get(process, "pid"));

		for (int i = 0; i < shared->exited_count && i < MAX_EXITED; i++)
			cr_assert(shared->exited[i] != pid || kill(pid, 0) == 0,
				  "seed %llu round %d: pid %d exited but is in the snapshot",
				  (unsigned long long)seed, round, pid);
	}
}

static double textfile_value(const char *name)
{
	double value = -1;

	cr_assert(harness__textfile_sample(name, "", &value), "%s missing from the textfile", name);
	return value;
}

static void run_differential(const char *ring_size, bool expect_loss, bool model)
{
	pthread_mutexattr_t shared_between_processes;
	const char *const options[] = { "--ring-buffer-size", ring_size, NULL };
	uint64_t seed = test_seed(), pacing, load_ns = 0;
	json_t *snapshot;
	pid_t root;

	fprintf(stderr, "differential: seed %llu ring %s (MAPWATCH_DIFF_SEED replays it)\n",
		(unsigned long long)seed, ring_size);
	harness__start_agent_with(options);
	harness__require_agent();
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	cr_assert_neq(shared, MAP_FAILED);
	memset(shared, 0, sizeof(*shared));
	shared->page = (size_t)sysconf(_SC_PAGESIZE);
	shared->model = model;
	pthread_mutexattr_init(&shared_between_processes);
	pthread_mutexattr_setpshared(&shared_between_processes, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&shared->size_lock, &shared_between_processes);
	pthread_mutexattr_destroy(&shared_between_processes);
	harness__make_dir(harness__work_dir(), shared->dirs[0], sizeof(shared->dirs[0]));
	harness__make_dir("/dev/shm", shared->dirs[1], sizeof(shared->dirs[1]));
	shared->pause = 1;
	root = fork();
	cr_assert_geq(root, 0);
	if (root == 0)
		run_workers(seed, 3);
	/* set on both sides: the group exists before the test may kill it */
	setpgid(root, root);
	workers_group = root;
	pacing = seed;
	for (int round = 0; round < rounds(); round++) {
		struct timespec run = { 0, (long)(20 + pick(&pacing, 300)) * 1000000L };

		load_ns += (uint64_t)run.tv_nsec;
		shared->pause = 0;
		/* how long the load runs before this pause: the generator's choice, not a wait */
		nanosleep(&run, NULL);
		pause_workers(seed);
		/* the bound: equal to /proc by the second refresh after the load stops */
		json_decref(harness__fresh_snapshot());
		snapshot = harness__fresh_snapshot();
		/* a resize remap is seen in its record alone: the model's run must lose none */
		if (model)
			cr_assert_eq(textfile_value("mapwatch_events_lost_total"), 0,
				     "seed %llu: records lost, resize remaps cannot be compared",
				     (unsigned long long)seed);
		compare_all(snapshot, seed, round);
		json_decref(snapshot);
	}
	fprintf(stderr,
		"differential: seed %llu: %llu operations, %.0f records lost, in %.2f s of load\n",
		(unsigned long long)seed, (unsigned long long)shared->operations,
		textfile_value("mapwatch_events_lost_total"), (double)load_ns / 1e9);
	if (expect_loss)
		cr_assert_gt(textfile_value("mapwatch_events_lost_total"), 0,
			     "seed %llu: nothing lost, the small ring was not tested",
			     (unsigned long long)seed);
	shared->stop = 1;
	waitpid(root, NULL, 0);
	kill(-root, SIGKILL);
	harness__remove_tree(shared->dirs[0]);
	harness__remove_tree(shared->dirs[1]);
}

static void stop_agent(void)
{
	if (shared)
		shared->stop = 1;
	if (workers_group > 0)
		kill(-workers_group, SIGKILL);
	harness__stop_agent();
}

Test(agent_differential, random_operations_match_proc_with_the_default_ring, .fini = stop_agent,
     .timeout = 600)
{
	run_differential("8M", false, false);
}

Test(agent_differential, random_operations_match_proc_while_records_are_lost, .fini = stop_agent,
     .timeout = 600)
{
	run_differential("16K", true, false);
}

Test(agent_differential, resize_remaps_match_the_generators_model, .fini = stop_agent,
     .timeout = 600)
{
	run_differential("8M", false, true);
}
