// SPDX-License-Identifier: MIT
/*
 * The distributed read/write lock that guards index mappings under
 * locked-unmap: readers never see a writer's section, writers never run while
 * a reader is inside, readers share, and a stream of readers cannot starve a
 * writer. More reader threads than slots, so slots are shared as well.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idxstore/distributed_rwlock.h"

#define HAMMER_READERS (DISTRIBUTED_RWLOCK_SLOTS + 4)
#define HAMMER_WRITERS 2
#define GUARDED_WORDS 32
/*
 * The hammer runs this long, and on until its threads have had the CPU time
 * those seconds give them on two idle cores: a machine busy with other work
 * does not shorten the test. It stops after HAMMER_MAX_SECONDS in any case.
 */
#define HAMMER_SECONDS 1.5
#define HAMMER_CPU_SECONDS 3.0
#define HAMMER_MAX_SECONDS 40.0
/* How long a thread is waited for before the test fails: ample on a busy machine. */
#define WAIT_DEADLINE_SECONDS 60.0
/* CPU time a thread spinning for the lock gets before it counts as kept out. */
#define KEPT_OUT_CPU_SECONDS 0.02

struct hammer {
	struct distributed_rwlock lock; /* first: the struct is allocated aligned */
	/* Plain data, written only by writers under the lock: a sanitizer sees any race. */
	unsigned long words[GUARDED_WORDS];
	_Atomic int writers_inside;
	_Atomic int readers_inside;
	_Atomic bool stop;
	_Atomic unsigned long torn_reads; /* reader saw words from two different writes */
	_Atomic unsigned long reader_saw_writer;
	_Atomic unsigned long writer_saw_reader;
	_Atomic unsigned long read_sections;
	_Atomic unsigned long write_sections;
};

static double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static double cpu_seconds(clockid_t clock)
{
	struct timespec used;

	if (clock_gettime(clock, &used))
		return -1;
	return used.tv_sec + used.tv_nsec / 1e9;
}

/* CPU time @thread has had, in seconds; -1 once it is gone. */
static double thread_cpu_seconds(pthread_t thread)
{
	clockid_t clock;

	if (pthread_getcpuclockid(thread, &clock))
		return -1;
	return cpu_seconds(clock);
}

static struct hammer *hammer__new(void)
{
	struct hammer *hammer = aligned_alloc(64, (sizeof(struct hammer) + 63) / 64 * 64);

	cr_assert_not_null(hammer);
	memset(hammer, 0, sizeof(*hammer));
	distributed_rwlock__init(&hammer->lock);
	return hammer;
}

static void hammer__free(struct hammer *hammer)
{
	distributed_rwlock__destroy(&hammer->lock);
	free(hammer);
}

static void *hammer__reader(void *arg)
{
	struct hammer *hammer = arg;
	unsigned long sections = 0;

	while (!atomic_load(&hammer->stop)) {
		unsigned slot = distributed_rwlock__read_lock(&hammer->lock);
		unsigned long first;

		atomic_fetch_add(&hammer->readers_inside, 1);
		if (atomic_load(&hammer->writers_inside))
			atomic_fetch_add(&hammer->reader_saw_writer, 1);
		first = hammer->words[0];
		for (int i = 1; i < GUARDED_WORDS; i++)
			if (hammer->words[i] != first) {
				atomic_fetch_add(&hammer->torn_reads, 1);
				break;
			}
		atomic_fetch_sub(&hammer->readers_inside, 1);
		distributed_rwlock__read_unlock(&hammer->lock, slot);
		sections++;
	}
	atomic_fetch_add(&hammer->read_sections, sections);
	return NULL;
}

static void *hammer__writer(void *arg)
{
	struct hammer *hammer = arg;
	unsigned long sections = 0;

	while (!atomic_load(&hammer->stop)) {
		distributed_rwlock__write_lock(&hammer->lock);
		if (atomic_fetch_add(&hammer->writers_inside, 1) != 0 ||
		    atomic_load(&hammer->readers_inside))
			atomic_fetch_add(&hammer->writer_saw_reader, 1);
		/* Word by word, with a yield in the middle: a reader let in would see a mix. */
		for (int i = 0; i < GUARDED_WORDS; i++) {
			hammer->words[i]++;
			if (i == GUARDED_WORDS / 2)
				sched_yield();
		}
		atomic_fetch_sub(&hammer->writers_inside, 1);
		distributed_rwlock__write_unlock(&hammer->lock);
		sections++;
	}
	atomic_fetch_add(&hammer->write_sections, sections);
	return NULL;
}

Test(distributed_rwlock, readers_and_writers_exclude_each_other, .timeout = 60)
{
	struct hammer *hammer = hammer__new();
	pthread_t readers[HAMMER_READERS], writers[HAMMER_WRITERS];
	double started = now_seconds(), cpu_started = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);

	for (int i = 0; i < HAMMER_READERS; i++)
		cr_assert_eq(pthread_create(&readers[i], NULL, hammer__reader, hammer), 0);
	for (int i = 0; i < HAMMER_WRITERS; i++)
		cr_assert_eq(pthread_create(&writers[i], NULL, hammer__writer, hammer), 0);
	while (now_seconds() - started < HAMMER_SECONDS ||
	       (cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_started < HAMMER_CPU_SECONDS &&
		now_seconds() - started < HAMMER_MAX_SECONDS))
		usleep(10 * 1000);
	atomic_store(&hammer->stop, true);
	for (int i = 0; i < HAMMER_READERS; i++)
		pthread_join(readers[i], NULL);
	for (int i = 0; i < HAMMER_WRITERS; i++)
		pthread_join(writers[i], NULL);

	cr_log_info("%lu read sections, %lu write sections in %.1f s, %.1f s of CPU time",
		    (unsigned long)hammer->read_sections, (unsigned long)hammer->write_sections,
		    now_seconds() - started, cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_started);
	cr_expect_eq(hammer->torn_reads, 0, "readers saw a write half done");
	cr_expect_eq(hammer->reader_saw_writer, 0, "a reader ran inside a writer's section");
	cr_expect_eq(hammer->writer_saw_reader, 0, "a writer ran beside a reader or writer");
	/* Both sides got through: the writers were not starved, nor the readers. */
	cr_expect_gt(hammer->write_sections, 100);
	cr_expect_gt(hammer->read_sections, 1000);
	cr_expect_eq(hammer->words[0], hammer->write_sections, "lost writes");
	hammer__free(hammer);
}

struct waiting_reader {
	struct distributed_rwlock *lock;
	_Atomic bool entered;
	_Atomic bool release; /* the reader holds the lock until told to leave */
};

static void *waiting_reader__run(void *arg)
{
	struct waiting_reader *reader = arg;
	unsigned slot = distributed_rwlock__read_lock(reader->lock);

	atomic_store(&reader->entered, true);
	while (!atomic_load(&reader->release))
		usleep(1000);
	distributed_rwlock__read_unlock(reader->lock, slot);
	return NULL;
}

static bool wait_for(_Atomic bool *flag, double seconds)
{
	double deadline = now_seconds() + seconds;

	while (!atomic_load(flag) && now_seconds() < deadline)
		usleep(1000);
	return atomic_load(flag);
}

/*
 * Whether @flag stays false for @seconds while @thread spins for the lock,
 * and until the thread has had KEPT_OUT_CPU_SECONDS of CPU time meanwhile: a
 * busy machine that gives it no time to try cannot make the check pass.
 */
static bool stays_false(_Atomic bool *flag, pthread_t thread, double seconds)
{
	double started = now_seconds(), cpu_started = thread_cpu_seconds(thread), cpu = 0;

	while (!atomic_load(flag)) {
		double now = now_seconds(), used = thread_cpu_seconds(thread);

		/* gone: it can only have got in, which the flag says next round */
		if (used >= 0)
			cpu = used - cpu_started;
		if (now - started >= seconds && cpu >= KEPT_OUT_CPU_SECONDS)
			return true;
		cr_assert_lt(now - started, WAIT_DEADLINE_SECONDS,
			     "the waiting thread had %.3f s of CPU time in %.0f s", cpu,
			     WAIT_DEADLINE_SECONDS);
		usleep(1000);
	}
	return false;
}

Test(distributed_rwlock, a_held_write_side_keeps_readers_out_until_released)
{
	struct hammer *hammer = hammer__new();
	struct waiting_reader reader = { .lock = &hammer->lock, .release = true };
	pthread_t thread;

	distributed_rwlock__write_lock(&hammer->lock);
	cr_assert_eq(pthread_create(&thread, NULL, waiting_reader__run, &reader), 0);
	cr_expect(stays_false(&reader.entered, thread, 0.2),
		  "a reader entered while a writer held the lock");
	distributed_rwlock__write_unlock(&hammer->lock);
	cr_expect(wait_for(&reader.entered, WAIT_DEADLINE_SECONDS),
		  "the reader never entered after the writer left");
	pthread_join(thread, NULL);
	hammer__free(hammer);
}

struct waiting_writer {
	struct distributed_rwlock *lock;
	_Atomic bool entered;
};

static void *waiting_writer__run(void *arg)
{
	struct waiting_writer *writer = arg;

	distributed_rwlock__write_lock(writer->lock);
	atomic_store(&writer->entered, true);
	distributed_rwlock__write_unlock(writer->lock);
	return NULL;
}

Test(distributed_rwlock, readers_share_and_a_writer_waits_for_all_of_them)
{
	struct hammer *hammer = hammer__new();
	struct waiting_reader first = { .lock = &hammer->lock }, second = { .lock = &hammer->lock };
	struct waiting_writer writer = { .lock = &hammer->lock };
	pthread_t threads[3];

	cr_assert_eq(pthread_create(&threads[0], NULL, waiting_reader__run, &first), 0);
	cr_assert(wait_for(&first.entered, WAIT_DEADLINE_SECONDS));
	/* A second reader gets in while the first still holds the read side. */
	cr_assert_eq(pthread_create(&threads[1], NULL, waiting_reader__run, &second), 0);
	cr_expect(wait_for(&second.entered, WAIT_DEADLINE_SECONDS),
		  "readers do not share the lock");

	cr_assert_eq(pthread_create(&threads[2], NULL, waiting_writer__run, &writer), 0);
	cr_expect(stays_false(&writer.entered, threads[2], 0.2),
		  "a writer entered beside two readers");
	atomic_store(&first.release, true);
	pthread_join(threads[0], NULL);
	cr_expect(stays_false(&writer.entered, threads[2], 0.2),
		  "a writer entered beside a reader");
	atomic_store(&second.release, true);
	pthread_join(threads[1], NULL);
	cr_expect(wait_for(&writer.entered, WAIT_DEADLINE_SECONDS),
		  "the writer never entered after the readers left");
	pthread_join(threads[2], NULL);
	hammer__free(hammer);
}
