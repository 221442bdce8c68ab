// SPDX-License-Identifier: MIT
/* Index files: lookups against a brute-force model, trim, reopen, corrupt files. */
#include <criterion/criterion.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idxstore/index.h"
#include "idxstore/store.h"
#include "scratch_dir.h"

static char dir[] = "/tmp/idxstore-index-XXXXXX";
static struct idxstore_stats stats;
static struct grace_domain *grace;
static struct cleaner *cleaner;

static void setup(void)
{
	scratch_dir__create(dir);
	memset(&stats, 0, sizeof(stats));
	cr_assert_eq(grace__create(&grace), 0);
	cr_assert_eq(cleaner__start(&cleaner, grace, 0), 0);
}

static void teardown(void)
{
	cleaner__stop(cleaner);
	grace__destroy(grace);
	scratch_dir__remove(dir);
}

static struct index_context context_for(enum resize_policy policy)
{
	return (struct index_context){
		.policy = policy, .grace = grace, .cleaner = cleaner, .stats = &stats
	};
}

static off_t file_size(const char *path)
{
	struct stat status;

	cr_assert_eq(stat(path, &status), 0);
	return status.st_size;
}

/* The brute-force model: scan every entry, keep the last one with key <= target. */
static int model_lookup(const struct index_entry *entries, size_t count, int64_t target,
			struct index_entry *found)
{
	int ret = -ENOENT;

	for (size_t i = 0; i < count; i++) {
		if (entries[i].key <= target) {
			*found = entries[i];
			ret = 0;
		}
	}
	return ret;
}

static void check_random_lookups(enum index_kind kind, enum resize_policy policy)
{
	struct index_context context = context_for(policy);
	struct index_entry model[2000], got, want;
	char path[256], err[256] = "";
	int64_t base = 5000, key, value;
	struct index *index;
	size_t count = 0;

	srand(kind * 10 + policy + 1);
	snprintf(path, sizeof(path), "%s/%020lld.%s", dir, (long long)base,
		 kind == INDEX_KIND_OFFSET ? "index" : "timeindex");
	cr_assert_eq(index__open(&index, &context, kind, path, base, 2000 * 12, INDEX_OPEN_CREATE,
				 err, sizeof(err)),
		     0, "%s", err);
	key = kind == INDEX_KIND_OFFSET ? base : 1700000000000LL;
	value = kind == INDEX_KIND_OFFSET ? 0 : base;
	for (int round = 0; round < 40; round++) {
		/* Grow the index in bursts, probing after each burst. */
		for (int i = 0; i < 1 + rand() % 50 && count < 2000; i++) {
			key += 1 + rand() % 7;
			value += 1 + rand() % 100;
			cr_assert_eq(index__append(index, key, value), 0);
			model[count++] = (struct index_entry){ key, value };
		}
		for (int probe = 0; probe < 200; probe++) {
			int64_t target = model[0].key - 3 + rand() % (key - model[0].key + 10);
			int expected = model_lookup(model, count, target, &want);

			cr_assert_eq(index__lookup(index, target, &got), expected, "target %lld",
				     (long long)target);
			if (!expected) {
				cr_assert_eq(got.key, want.key, "target %lld", (long long)target);
				cr_assert_eq(got.value, want.value);
			}
		}
	}
	cr_assert_eq(index__entries(index), count);
	/* Keys must increase. */
	cr_assert_eq(index__append(index, key, value + 1), -EINVAL);
	index__close(index);
}

TestSuite(index, .init = setup, .fini = teardown);

Test(index, offset_lookups_match_brute_force_remap)
{
	check_random_lookups(INDEX_KIND_OFFSET, RESIZE_POLICY_REMAP);
}

Test(index, offset_lookups_match_brute_force_locked_unmap)
{
	check_random_lookups(INDEX_KIND_OFFSET, RESIZE_POLICY_LOCKED_UNMAP);
}

Test(index, time_lookups_match_brute_force_remap)
{
	check_random_lookups(INDEX_KIND_TIME, RESIZE_POLICY_REMAP);
}

Test(index, time_lookups_match_brute_force_locked_unmap)
{
	check_random_lookups(INDEX_KIND_TIME, RESIZE_POLICY_LOCKED_UNMAP);
}

Test(index, preallocates_rounded_down_then_trims_and_reopens)
{
	struct index_context context = context_for(RESIZE_POLICY_LOCKED_UNMAP);
	struct index_entry entry;
	char path[256], err[256] = "";
	struct index *index;

	snprintf(path, sizeof(path), "%s/00000000000000000100.timeindex", dir);
	/* 1000 bytes hold 83 whole 12-byte entries: 996 bytes. */
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_TIME, path, 100, 1000,
				 INDEX_OPEN_CREATE | INDEX_OPEN_ACTIVE, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(file_size(path), 996);
	cr_assert_eq(index__mapped_bytes(index), 996);
	for (int i = 0; i < 83; i++)
		cr_assert_eq(index__append(index, 1000 + i * 10, 100 + i), 0);
	cr_assert(index__is_full(index));
	cr_assert_eq(index__append(index, 5000, 300), -ENOSPC);
	index__close(index);

	/* A second open of an existing file is refused for a new segment. */
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_TIME, path, 100, 1000,
				 INDEX_OPEN_CREATE, err, sizeof(err)),
		     -EEXIST);

	cr_assert_eq(index__open(&index, &context, INDEX_KIND_TIME, path, 100, 1000, 0, err,
				 sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(index__entries(index), 83);
	cr_assert_eq(index__lookup(index, 1055, &entry), 0);
	cr_assert_eq(entry.key, 1050);
	cr_assert_eq(entry.value, 105);
	cr_assert_eq(index__resize(index, 600), -EINVAL, "a resize must not drop entries");
	cr_assert_eq(index__trim(index), 0);
	cr_assert_eq(file_size(path), 996);
	index__close(index);

	/* Fewer entries: the trim shrinks the file to them, and a reopen keeps them. */
	unlink(path);
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_TIME, path, 100, 1000,
				 INDEX_OPEN_CREATE, err, sizeof(err)),
		     0);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(index__append(index, 1000 + i, 100 + i), 0);
	cr_assert_eq(index__trim(index), 0);
	cr_assert_eq(file_size(path), 60);
	cr_assert_eq(index__mapped_bytes(index), 60);
	cr_assert_eq(index__lookup(index, 1003, &entry), 0);
	cr_assert_eq(entry.value, 103);
	index__close(index);

	/* Reopened as the active segment: back to full size, appends continue. */
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_TIME, path, 100, 1000,
				 INDEX_OPEN_ACTIVE, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(file_size(path), 996);
	cr_assert_eq(index__entries(index), 5);
	cr_assert_eq(index__append(index, 1004, 104), -EINVAL);
	cr_assert_eq(index__append(index, 1005, 105), 0);
	cr_assert_eq(index__lookup(index, 2000, &entry), 0);
	cr_assert_eq(entry.key, 1005);
	index__close(index);
}

static void write_file(const char *path, const void *bytes, size_t length)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bytes, length), (ssize_t)length);
	close(fd);
}

Test(index, corrupt_files_give_clear_errors)
{
	struct index_context context = context_for(RESIZE_POLICY_REMAP);
	uint32_t entries[6] = { htobe32(1),   htobe32(0), htobe32(5),
				htobe32(100), htobe32(3), htobe32(200) };
	char path[256], err[256] = "";
	struct index *index;

	snprintf(path, sizeof(path), "%s/00000000000000000000.index", dir);

	/* Size not a whole number of entries, e.g. a file cut short by a crash. */
	write_file(path, entries, 13);
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_OFFSET, path, 0, 4096, 0, err,
				 sizeof(err)),
		     -EBADMSG);
	cr_assert(strstr(err, "not a multiple") && strstr(err, path), "%s", err);

	/* Relative offsets 1, 5, 3: the third goes backwards. */
	err[0] = '\0';
	write_file(path, entries, sizeof(entries));
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_OFFSET, path, 0, 4096, 0, err,
				 sizeof(err)),
		     -EBADMSG);
	cr_assert(strstr(err, "entry 2") && strstr(err, "not above"), "%s", err);
	cr_assert_eq(stats.live_mappings, 0, "the failed open left a mapping behind");

	/* The first two entries alone are fine. */
	write_file(path, entries, 16);
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_OFFSET, path, 0, 4096, 0, err,
				 sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(index__entries(index), 2);
	index__close(index);

	err[0] = '\0';
	snprintf(path, sizeof(path), "%s/missing.index", dir);
	cr_assert_eq(index__open(&index, &context, INDEX_KIND_OFFSET, path, 0, 4096, 0, err,
				 sizeof(err)),
		     -ENOENT);
	cr_assert(strstr(err, "missing.index"), "%s", err);
}

static void store_options_for(struct store_options *options, const char *where)
{
	store_options__defaults(options);
	options->dir = where;
	options->policy = RESIZE_POLICY_LOCKED_UNMAP;
	options->segment_bytes = 4096;
	options->index_interval = 256;
	options->index_max_bytes = 4096;
}

Test(index, store_reopens_and_finds_the_same_entries)
{
	struct store_options options;
	struct grace_reader *reader;
	struct index_entry before[300], after;
	char where[256], err[256] = "";
	struct store *store;
	int64_t offset;

	snprintf(where, sizeof(where), "%s/log", dir);
	store_options_for(&options, where);
	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(store__append(store, 0, 1000 + i, 50 + i % 30, &offset), 0);
		cr_assert_eq(offset, i);
	}
	cr_assert_geq(store__stats(store)->rolls, 3);
	cr_assert_eq(store__append(store, 0, 1000, 10, NULL), -EINVAL, "timestamps must increase");
	cr_assert_eq(store__reader_register(store, &reader), 0);
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(store__lookup_offset(store, reader, 0, i, &before[i]), 0);
		cr_assert_leq(before[i].key, i);
	}
	store__reader_unregister(store, reader);
	cr_assert_eq(store__close(store), 0);

	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(store__reader_register(store, &reader), 0);
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(store__lookup_offset(store, reader, 0, i, &after), 0);
		cr_assert_eq(after.key, before[i].key);
		cr_assert_eq(after.value, before[i].value);
		cr_assert_eq(store__lookup_time(store, reader, 0, 1000 + i, &after), 0);
		cr_assert_leq(after.key, 1000 + i);
		cr_assert_eq(after.value, after.key - 1000);
	}
	store__reader_unregister(store, reader);
	/* Appends continue at the next offset. */
	cr_assert_eq(store__append(store, 0, 5000, 10, &offset), 0);
	cr_assert_eq(offset, 300);
	cr_assert_eq(store__close(store), 0);
}

Test(index, store_refuses_a_corrupt_directory)
{
	struct store_options options;
	char where[256], path[300], err[512] = "";
	struct store *store;
	int64_t last_base = 0;
	struct grace_reader *reader;
	struct index_entry entry;

	snprintf(where, sizeof(where), "%s/bad", dir);
	store_options_for(&options, where);
	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(store__append(store, 0, 1000 + i, 100, NULL), 0);
	cr_assert_eq(store__reader_register(store, &reader), 0);
	cr_assert_eq(store__lookup_time(store, reader, 0, 1099, &entry), 0);
	store__reader_unregister(store, reader);
	cr_assert_eq(store__close(store), 0);
	/* The active segment is the one with the highest base offset. */
	for (int64_t base = 0; base <= 99; base++) {
		snprintf(path, sizeof(path), "%s/partition-0/%020lld.log", where, (long long)base);
		if (!access(path, F_OK))
			last_base = base;
	}
	cr_assert_gt(last_base, 0, "the workload should have rolled");

	/* The active segment's log cut in the middle of a record. */
	snprintf(path, sizeof(path), "%s/partition-0/%020lld.log", where, (long long)last_base);
	cr_assert_eq(truncate(path, file_size(path) - 7), 0);
	cr_assert_eq(store__open(&store, &options, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "corrupt") && strstr(err, path), "%s", err);
}
