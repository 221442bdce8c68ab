// SPDX-License-Identifier: MIT
/*
 * What /proc/self/maps shows after retention deleted segments: under remap
 * (cleaner never runs) exactly the store's deleted_mappings_live mappings of
 * deleted index files; under locked-unmap none. And why the lock matters: an
 * unmap before resize without it crashes a concurrent reader.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "idxstore/index.h"
#include "idxstore/store.h"
#include "scratch_dir.h"

static char dir[] = "/tmp/idxstore-leak-XXXXXX";

/* How long the cleaner thread is given to release what it holds. */
#define COLLECT_DEADLINE_SECONDS 60

static void setup(void)
{
	scratch_dir__create(dir);
}

static void teardown(void)
{
	scratch_dir__remove(dir);
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t length = strlen(text), suffix_length = strlen(suffix);

	return length >= suffix_length && !strcmp(text + length - suffix_length, suffix);
}

/* Lines of /proc/self/maps for deleted index files of this test's directory. */
static unsigned count_deleted_index_mappings(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[4096];
	unsigned count = 0;

	cr_assert_not_null(maps);
	while (fgets(line, sizeof(line), maps)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strstr(line, dir))
			continue;
		if (ends_with(line, ".index.deleted (deleted)") ||
		    ends_with(line, ".timeindex.deleted (deleted)"))
			count++;
	}
	fclose(maps);
	return count;
}

static void run_churn(enum resize_policy policy, unsigned *predicted, unsigned *seen,
		      uint64_t *deletions)
{
	struct store_options options;
	char where[256], err[256] = "";
	struct store *store;
	int64_t timestamp = 1;

	snprintf(where, sizeof(where), "%s/%s", dir, resize_policy__name(policy));
	store_options__defaults(&options);
	options.dir = where;
	options.policy = policy;
	options.partitions = 2;
	options.segment_bytes = 8192;
	options.index_interval = 512;
	options.index_max_bytes = 64 * 1024;
	options.retention_segments = 2;
	options.file_delete_delay = 0.01;
	options.collect_delay = CLEANER_NEVER;
	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 2000; i++)
		cr_assert_eq(store__append(store, i % 2, timestamp++ / 2 + 1, 100 + i % 50, NULL),
			     0);
	store__drain_deletions(store);
	*deletions = store__stats(store)->deletions;
	*predicted = (unsigned)store__stats(store)->deleted_mappings_live;
	*seen = count_deleted_index_mappings();
	cr_assert_eq(store__close(store), 0);
	cr_assert_eq(count_deleted_index_mappings(), 0, "closing the store unmaps everything");
}

TestSuite(leak, .init = setup, .fini = teardown);

Test(leak, remap_leaves_exactly_the_predicted_deleted_mappings)
{
	unsigned predicted, seen;
	uint64_t deletions;

	run_churn(RESIZE_POLICY_REMAP, &predicted, &seen, &deletions);
	cr_assert_gt(deletions, 10, "retention should have deleted segments");
	/* Each deleted segment leaves the full-size mapping of each of its two indexes. */
	cr_assert_eq(predicted, 2 * deletions);
	cr_assert_eq(seen, predicted, "/proc/self/maps shows %u, the store predicts %u", seen,
		     predicted);
}

Test(leak, locked_unmap_leaves_none)
{
	unsigned predicted, seen;
	uint64_t deletions;

	run_churn(RESIZE_POLICY_LOCKED_UNMAP, &predicted, &seen, &deletions);
	cr_assert_gt(deletions, 10);
	cr_assert_eq(predicted, 0);
	cr_assert_eq(seen, 0);
}

Test(leak, cleaner_releases_them_after_its_delay)
{
	struct store_options options;
	char where[256], err[256] = "";
	struct store *store;

	snprintf(where, sizeof(where), "%s/collected", dir);
	store_options__defaults(&options);
	options.dir = where;
	options.policy = RESIZE_POLICY_REMAP;
	options.segment_bytes = 4096;
	options.index_max_bytes = 8192;
	options.retention_segments = 1;
	options.collect_delay = 0.2;
	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 300; i++)
		cr_assert_eq(store__append(store, 0, i + 1, 100, NULL), 0);
	store__drain_deletions(store);
	cr_assert_gt(store__mappings_awaiting_collection(store), 0);
	/* the cleaner thread's turn; a machine busy with other work may be slow to give it */
	for (time_t deadline = time(NULL) + COLLECT_DEADLINE_SECONDS;
	     store__mappings_awaiting_collection(store) && time(NULL) < deadline;)
		usleep(10 * 1000);
	cr_assert_eq(store__mappings_awaiting_collection(store), 0,
		     "%zu mappings still awaiting collection after %d s",
		     (size_t)store__mappings_awaiting_collection(store), COLLECT_DEADLINE_SECONDS);
	cr_assert_eq(store__stats(store)->deleted_mappings_live, 0);
	cr_assert_eq(count_deleted_index_mappings(), 0);
	cr_assert_gt(store__stats(store)->remaps, 0, "the remaps happened nonetheless");
	cr_assert_eq(store__close(store), 0);
}

struct unsafe_reader {
	struct index *index;
	_Atomic bool stop;
};

static void *unsafe_reader__run(void *arg)
{
	struct unsafe_reader *reader = arg;
	struct index_entry entry;

	while (!atomic_load(&reader->stop))
		index__lookup(reader->index, 1000000, &entry);
	return NULL;
}

/* In a child: a reader searches while the index is unmapped and remapped with no lock. */
static void unlocked_unmap_child(const char *path)
{
	struct idxstore_stats stats = { 0 };
	struct index_context context = { .policy = RESIZE_POLICY_UNLOCKED_UNMAP, .stats = &stats };
	struct unsafe_reader reader = { 0 };
	pthread_t thread;
	char err[256];
	/* long: on a machine busy with other work the two threads seldom run at once */
	time_t deadline = time(NULL) + 60;

	/* The fault itself must kill the child, even under a sanitizer's handlers. */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (index__open(&reader.index, &context, INDEX_KIND_OFFSET, path, 0, 1 << 20,
			INDEX_OPEN_CREATE, err, sizeof(err)))
		_exit(3);
	for (int i = 0; i < 100000; i++)
		if (index__append(reader.index, i, i * 10))
			_exit(4);
	pthread_create(&thread, NULL, unsafe_reader__run, &reader);
	while (time(NULL) < deadline) {
		/* Shrink and grow: each resize frees the address range the reader is in. */
		if (index__trim(reader.index) || index__resize(reader.index, 1 << 20))
			_exit(5);
	}
	atomic_store(&reader.stop, true);
	pthread_join(thread, NULL);
	_exit(0); /* survived: the demonstration failed */
}

Test(leak, unmap_before_resize_without_the_lock_crashes_a_reader, .timeout = 90)
{
	char path[256];
	int status;
	pid_t child;

	snprintf(path, sizeof(path), "%s/00000000000000000000.index", dir);
	child = fork();
	cr_assert_geq(child, 0);
	if (!child)
		unlocked_unmap_child(path);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFSIGNALED(status), "the child exited with %d instead of faulting",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	cr_assert(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS,
		  "the child died of signal %d", WTERMSIG(status));
}
