// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "idxstore/store.h"
#include "segment.h"

/* Published to lock-free readers; replaced (copy on write) on roll and retention. */
struct segment_list {
	size_t count;
	struct segment *segments[];
};

struct partition {
	char dir[PATH_MAX];
	pthread_mutex_t lock; /* the writer side: appends, rolls, retention */
	_Atomic(struct segment_list *) list;
	_Atomic int64_t start_offset;
	_Atomic int64_t end_offset;
};

struct store {
	struct store_options options;
	char *dir;
	struct idxstore_stats stats;
	struct grace_domain *grace;
	struct cleaner *cleaner;
	struct index_context context;
	struct partition *partitions;
	unsigned partitions_opened;

	pthread_t deleter;
	bool deleter_started;
	pthread_mutex_t delete_lock;
	pthread_cond_t delete_wake;
	struct segment *delete_head, **delete_tail;
	size_t deletions_pending;
	bool stopping;
	int delete_error; /* first deletion failure, reported by store__close */
};

void store_options__defaults(struct store_options *options)
{
	*options = (struct store_options){
		.policy = RESIZE_POLICY_LOCKED_UNMAP,
		.partitions = 1,
		.segment_bytes = 1 << 20,
		.index_interval = 4096,
		.index_max_bytes = INDEX_DEFAULT_MAX_BYTES,
		.retention_segments = 0,
		.file_delete_delay = 0,
		.collect_delay = CLEANER_NEVER,
	};
}

static double monotonic_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static void *store__deleter(void *arg)
{
	struct store *store = arg;

	pthread_mutex_lock(&store->delete_lock);
	for (;;) {
		struct segment *segment = store->delete_head;
		struct timespec deadline;
		int ret;

		if (!segment) {
			if (store->stopping)
				break;
			pthread_cond_wait(&store->delete_wake, &store->delete_lock);
			continue;
		}
		if (!store->stopping && segment->delete_due > monotonic_now()) {
			deadline.tv_sec = (time_t)segment->delete_due;
			deadline.tv_nsec = (long)((segment->delete_due - deadline.tv_sec) * 1e9);
			pthread_cond_timedwait(&store->delete_wake, &store->delete_lock, &deadline);
			continue;
		}
		store->delete_head = segment->next_deleted;
		if (!store->delete_head)
			store->delete_tail = &store->delete_head;
		pthread_mutex_unlock(&store->delete_lock);

		/* No reader can reach the segment any more once its grace period is over. */
		grace__wait(store->grace, segment->grace_token);
		ret = segment__delete(segment);
		atomic_fetch_add(&store->stats.deletions, 1);

		pthread_mutex_lock(&store->delete_lock);
		if (ret && !store->delete_error)
			store->delete_error = ret;
		store->deletions_pending--;
		pthread_cond_broadcast(&store->delete_wake);
	}
	pthread_mutex_unlock(&store->delete_lock);
	return NULL;
}

static int segment_list__new(size_t count, struct segment_list **out)
{
	struct segment_list *list = calloc(1, sizeof(*list) + count * sizeof(list->segments[0]));

	if (!list)
		return -ENOMEM;
	list->count = count;
	*out = list;
	return 0;
}

/* Publishes @fresh, waits until no reader can hold the old list, frees it. */
static void partition__publish(struct store *store, struct partition *partition,
			       struct segment_list *fresh)
{
	struct segment_list *old = atomic_exchange(&partition->list, fresh);
	uint64_t token = grace__retire(store->grace);

	atomic_store(&partition->start_offset, fresh->count ? fresh->segments[0]->base_offset
							    : atomic_load(&partition->end_offset));
	grace__wait(store->grace, token);
	free(old);
}

static int compare_offsets(const void *left, const void *right)
{
	int64_t a = *(const int64_t *)left, b = *(const int64_t *)right;

	return (a > b) - (a < b);
}

/* Base offsets of the <20 digits>.log files; removes leftover *.deleted files as Kafka does. */
static int partition__scan(const char *dir, int64_t **bases, size_t *count, char *err,
			   size_t err_size)
{
	DIR *directory = opendir(dir);
	struct dirent *entry;
	int64_t *found = NULL, *grown;
	size_t used = 0;
	int ret = 0;

	if (!directory) {
		ret = -errno;
		snprintf(err, err_size, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	while ((entry = readdir(directory))) {
		const char *name = entry->d_name;
		size_t length = strlen(name);
		char path[PATH_MAX];

		if (length > 8 && !strcmp(name + length - 8, ".deleted")) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
				unlink(path);
			continue;
		}
		if (length != 24 || strcmp(name + 20, ".log") || strspn(name, "0123456789") != 20)
			continue;
		grown = realloc(found, (used + 1) * sizeof(*found));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		found = grown;
		found[used++] = strtoll(name, NULL, 10);
	}
	closedir(directory);
	if (ret) {
		free(found);
		return ret;
	}
	if (used > 1)
		qsort(found, used, sizeof(*found), compare_offsets);
	*bases = found;
	*count = used;
	return 0;
}

static int partition__open(struct store *store, struct partition *partition, unsigned number,
			   char *err, size_t err_size)
{
	const struct store_options *options = &store->options;
	struct segment_list *list = NULL;
	int64_t *bases = NULL;
	size_t count = 0;
	int ret;

	if ((size_t)snprintf(partition->dir, sizeof(partition->dir), "%s/partition-%u", store->dir,
			     number) >= sizeof(partition->dir))
		return -ENAMETOOLONG;
	pthread_mutex_init(&partition->lock, NULL);
	if (mkdir(partition->dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, err_size, "%s: %s", partition->dir, strerror(-ret));
		return ret;
	}
	ret = partition__scan(partition->dir, &bases, &count, err, err_size);
	if (ret)
		return ret;
	ret = segment_list__new(count ? count : 1, &list);
	if (ret)
		goto out;
	list->count = 0;
	for (size_t i = 0; i < count; i++) {
		ret = segment__open(&list->segments[i], &store->context, partition->dir, bases[i],
				    options->index_max_bytes, i == count - 1, err, err_size);
		if (ret)
			goto out;
		list->count++;
	}
	if (!count) {
		ret = segment__create(&list->segments[0], &store->context, partition->dir, 0,
				      options->index_max_bytes, err, err_size);
		if (ret)
			goto out;
		list->count = 1;
	}
	atomic_store(&partition->end_offset, list->segments[list->count - 1]->next_offset);
	atomic_store(&partition->start_offset, list->segments[0]->base_offset);
	atomic_store(&partition->list, list);
	atomic_fetch_add(&store->stats.segments, list->count);
	list = NULL;
out:
	if (list) {
		for (size_t i = 0; i < list->count; i++)
			segment__close(list->segments[i]);
		free(list);
	}
	free(bases);
	return ret;
}

int store__open(struct store **out, const struct store_options *options, char *err, size_t err_size)
{
	struct store *store;
	pthread_condattr_t attr;
	int ret;

	if (!options->dir || !options->partitions || !options->segment_bytes) {
		snprintf(err, err_size,
			 "a directory, at least one partition and a segment size are required");
		return -EINVAL;
	}
	store = calloc(1, sizeof(*store));
	if (!store)
		return -ENOMEM;
	store->options = *options;
	store->dir = strdup(options->dir);
	store->partitions = calloc(options->partitions, sizeof(*store->partitions));
	store->delete_tail = &store->delete_head;
	pthread_mutex_init(&store->delete_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&store->delete_wake, &attr);
	pthread_condattr_destroy(&attr);
	if (!store->dir || !store->partitions) {
		ret = -ENOMEM;
		goto fail;
	}
	store->options.dir = store->dir;
	if (mkdir(store->dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, err_size, "%s: %s", store->dir, strerror(-ret));
		goto fail;
	}
	ret = grace__create(&store->grace);
	if (!ret && options->policy == RESIZE_POLICY_REMAP)
		ret = cleaner__start(&store->cleaner, store->grace, options->collect_delay);
	if (ret)
		goto fail;
	store->context = (struct index_context){
		.policy = options->policy,
		.grace = store->grace,
		.cleaner = store->cleaner,
		.stats = &store->stats,
	};
	ret = -pthread_create(&store->deleter, NULL, store__deleter, store);
	if (ret)
		goto fail;
	store->deleter_started = true;
	for (unsigned i = 0; i < options->partitions; i++) {
		ret = partition__open(store, &store->partitions[i], i, err, err_size);
		if (ret)
			goto fail;
		store->partitions_opened++;
	}
	*out = store;
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	store__close(store);
	return ret;
}

/* Removes the oldest segments beyond the retention limit and schedules their deletion. */
static int partition__enforce_retention(struct store *store, struct partition *partition)
{
	struct segment_list *list = atomic_load(&partition->list), *kept;
	unsigned limit = store->options.retention_segments;
	struct segment **victims;
	size_t excess;
	uint64_t token;
	int ret = 0;

	if (!limit || list->count <= limit)
		return 0;
	excess = list->count - limit;
	victims = malloc(excess * sizeof(*victims));
	if (!victims)
		return -ENOMEM;
	ret = segment_list__new(limit, &kept);
	if (ret) {
		free(victims);
		return ret;
	}
	memcpy(victims, list->segments, excess * sizeof(*victims));
	memcpy(kept->segments, list->segments + excess, limit * sizeof(kept->segments[0]));
	partition__publish(store, partition, kept);
	atomic_fetch_sub(&store->stats.segments, excess);
	token = grace__retire(store->grace);

	for (size_t i = 0; i < excess; i++) {
		struct segment *victim = victims[i];
		int renamed = segment__rename_deleted(victim);

		if (renamed && !ret)
			ret = renamed;
		victim->grace_token = token;
		victim->delete_due = monotonic_now() + store->options.file_delete_delay;
		victim->next_deleted = NULL;
		pthread_mutex_lock(&store->delete_lock);
		*store->delete_tail = victim;
		store->delete_tail = &victim->next_deleted;
		store->deletions_pending++;
		pthread_cond_broadcast(&store->delete_wake);
		pthread_mutex_unlock(&store->delete_lock);
	}
	free(victims);
	return ret;
}

static int partition__roll(struct store *store, struct partition *partition)
{
	struct segment_list *list = atomic_load(&partition->list), *grown;
	struct segment *active = list->segments[list->count - 1], *fresh;
	char err[512];
	int ret;

	ret = segment__trim_indexes(active);
	if (!ret)
		ret = segment__create(&fresh, &store->context, partition->dir, active->next_offset,
				      store->options.index_max_bytes, err, sizeof(err));
	if (ret)
		return ret;
	ret = segment_list__new(list->count + 1, &grown);
	if (ret) {
		segment__delete(fresh);
		return ret;
	}
	memcpy(grown->segments, list->segments, list->count * sizeof(list->segments[0]));
	grown->segments[list->count] = fresh;
	partition__publish(store, partition, grown);
	atomic_fetch_add(&store->stats.segments, 1);
	atomic_fetch_add(&store->stats.rolls, 1);
	return partition__enforce_retention(store, partition);
}

int store__roll(struct store *store, unsigned partition_number)
{
	struct partition *partition;
	int ret;

	if (partition_number >= store->options.partitions)
		return -EINVAL;
	partition = &store->partitions[partition_number];
	pthread_mutex_lock(&partition->lock);
	ret = partition__roll(store, partition);
	pthread_mutex_unlock(&partition->lock);
	return ret;
}

int store__append(struct store *store, unsigned partition_number, int64_t timestamp,
		  uint32_t payload_bytes, int64_t *offset)
{
	struct partition *partition;
	struct segment_list *list;
	struct segment *active;
	int64_t next;
	int ret;

	if (partition_number >= store->options.partitions)
		return -EINVAL;
	partition = &store->partitions[partition_number];
	pthread_mutex_lock(&partition->lock);
	list = atomic_load(&partition->list);
	active = list->segments[list->count - 1];
	if (timestamp <= active->last_timestamp || payload_bytes > SEGMENT_MAX_PAYLOAD) {
		ret = -EINVAL;
		goto out;
	}
	if (active->log_bytes && active->log_bytes + SEGMENT_RECORD_HEADER + payload_bytes >
					 store->options.segment_bytes) {
		ret = partition__roll(store, partition);
		if (ret)
			goto out;
	}
	for (int attempt = 0;; attempt++) {
		list = atomic_load(&partition->list);
		active = list->segments[list->count - 1];
		next = active->next_offset;
		ret = segment__append(active, next, timestamp, payload_bytes,
				      store->options.index_interval);
		/* A full index rolls the segment, as in Kafka; a fresh one has room. */
		if (ret != -ENOSPC || attempt)
			break;
		ret = partition__roll(store, partition);
		if (ret)
			break;
	}
	if (!ret) {
		atomic_store(&partition->end_offset, next + 1);
		if (offset)
			*offset = next;
	}
out:
	pthread_mutex_unlock(&partition->lock);
	return ret;
}

int store__reader_register(struct store *store, struct grace_reader **reader)
{
	return grace__reader_register(store->grace, reader);
}

void store__reader_unregister(struct store *store, struct grace_reader *reader)
{
	grace__reader_unregister(store->grace, reader);
}

/* The last segment whose first offset (or first timestamp) is <= @target. */
static struct segment *segment_list__floor(struct segment_list *list, int64_t target, bool by_time)
{
	size_t low = 0, high = list->count;

	while (low < high) {
		size_t middle = low + (high - low) / 2;
		struct segment *segment = list->segments[middle];
		int64_t first =
			by_time ? atomic_load(&segment->first_timestamp) : segment->base_offset;

		if (first <= target)
			low = middle + 1;
		else
			high = middle;
	}
	return low ? list->segments[low - 1] : NULL;
}

/*
 * The index entry at or below @key in the segment that holds it: Kafka's
 * offset index (@by_time false) or time index. Below a segment's first index
 * entry the answer is the segment's first record.
 */
static int lookup(struct store *store, struct grace_reader *reader, unsigned partition_number,
		  int64_t key, bool by_time, struct index_entry *entry)
{
	struct partition *partition;
	struct segment *segment;
	int ret;

	if (partition_number >= store->options.partitions)
		return -EINVAL;
	partition = &store->partitions[partition_number];
	grace__read_lock(store->grace, reader);
	segment = segment_list__floor(atomic_load(&partition->list), key, by_time);
	if (!segment) {
		ret = -ENOENT;
	} else {
		ret = index__lookup(by_time ? segment->time_index : segment->offset_index, key,
				    entry);
		if (ret == -ENOENT) {
			entry->key = by_time ? atomic_load(&segment->first_timestamp)
					     : segment->base_offset;
			entry->value = by_time ? segment->base_offset : 0;
			ret = 0;
		}
	}
	grace__read_unlock(reader);
	return ret;
}

int store__lookup_offset(struct store *store, struct grace_reader *reader,
			 unsigned partition_number, int64_t offset, struct index_entry *entry)
{
	return lookup(store, reader, partition_number, offset, false, entry);
}

int store__lookup_time(struct store *store, struct grace_reader *reader, unsigned partition_number,
		       int64_t timestamp, struct index_entry *entry)
{
	return lookup(store, reader, partition_number, timestamp, true, entry);
}

void store__offset_range(struct store *store, unsigned partition_number, int64_t *start,
			 int64_t *end)
{
	struct partition *partition = &store->partitions[partition_number];

	*start = atomic_load(&partition->start_offset);
	*end = atomic_load(&partition->end_offset);
}

void store__drain_deletions(struct store *store)
{
	pthread_mutex_lock(&store->delete_lock);
	while (store->deletions_pending)
		pthread_cond_wait(&store->delete_wake, &store->delete_lock);
	pthread_mutex_unlock(&store->delete_lock);
}

struct idxstore_stats *store__stats(struct store *store)
{
	return &store->stats;
}

const struct store_options *store__options(struct store *store)
{
	return &store->options;
}

size_t store__mappings_awaiting_collection(struct store *store)
{
	return store->cleaner ? cleaner__pending(store->cleaner) : 0;
}

int store__close(struct store *store)
{
	int ret = 0, closed;

	if (!store)
		return 0;
	if (store->deleter_started) {
		pthread_mutex_lock(&store->delete_lock);
		store->stopping = true; /* the deleter runs what is left without waiting */
		pthread_cond_broadcast(&store->delete_wake);
		pthread_mutex_unlock(&store->delete_lock);
		pthread_join(store->deleter, NULL);
		ret = store->delete_error;
	}
	for (unsigned i = 0; i < store->partitions_opened; i++) {
		struct segment_list *list = atomic_load(&store->partitions[i].list);

		for (size_t j = 0; j < list->count; j++) {
			closed = segment__close(list->segments[j]);
			if (closed && !ret)
				ret = closed;
		}
		free(list);
		pthread_mutex_destroy(&store->partitions[i].lock);
	}
	cleaner__stop(store->cleaner);
	grace__destroy(store->grace);
	pthread_cond_destroy(&store->delete_wake);
	pthread_mutex_destroy(&store->delete_lock);
	free(store->partitions);
	free(store->dir);
	free(store);
	return ret;
}
