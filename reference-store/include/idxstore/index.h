/* SPDX-License-Identifier: MIT */
/*
 * A memory-mapped Kafka-style index file.
 *
 * Offset index: 8-byte entries (relative offset u32, log position u32).
 * Time index: 12-byte entries (timestamp i64, relative offset u32).
 * Both big-endian, as Kafka writes them. The file is preallocated to a
 * maximum size while its segment is active and trimmed to its entries on roll.
 *
 * Every size change truncates the file and maps it again; the resize policy
 * decides what happens to the old mapping:
 *  - remap: it is handed to the delayed cleaner (old Linux Kafka). Lookups
 *    take no lock and must run inside a grace read section of the context's
 *    grace domain (the store does that).
 *  - locked-unmap: it is unmapped first, under the write side of a rwlock
 *    that every lookup takes for reading (the fix). The rwlock is a
 *    distributed one (distributed_rwlock.h): a lookup writes only its own
 *    thread's cache line, so concurrent lookups do not bounce one lock word
 *    between cores.
 *  - unlocked-unmap: it is unmapped first with no lock. Unsafe on purpose:
 *    only for showing the fault the lock prevents.
 */
#ifndef IDXSTORE_INDEX_H
#define IDXSTORE_INDEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idxstore/cleaner.h"
#include "idxstore/distributed_rwlock.h"
#include "idxstore/grace.h"
#include "idxstore/mapped_file.h"
#include "idxstore/stats.h"

#define INDEX_OFFSET_ENTRY_SIZE 8
#define INDEX_TIME_ENTRY_SIZE 12
#define INDEX_DEFAULT_MAX_BYTES (10 * 1024 * 1024)

enum index_kind { INDEX_KIND_OFFSET, INDEX_KIND_TIME };

enum resize_policy {
	RESIZE_POLICY_REMAP,
	RESIZE_POLICY_LOCKED_UNMAP,
	RESIZE_POLICY_UNLOCKED_UNMAP
};

const char *resize_policy__name(enum resize_policy policy);
/* Returns -EINVAL for an unknown name. */
int resize_policy__parse(const char *name, enum resize_policy *policy);

struct index_context {
	enum resize_policy policy;
	struct grace_domain *grace; /* remap: grace periods before unmapping */
	struct cleaner *cleaner; /* remap: takes the old mappings */
	struct idxstore_stats *stats;
};

/*
 * Offset index: key = absolute offset, value = position in the log.
 * Time index: key = timestamp, value = absolute offset.
 */
struct index_entry {
	int64_t key;
	int64_t value;
};

struct index_map {
	uint8_t *addr; /* NULL when the file is empty */
	size_t length;
};

struct index {
	struct distributed_rwlock map_lock; /* locked-unmap: guards the mapping */
	enum index_kind kind;
	size_t entry_size;
	int64_t base_offset;
	size_t max_bytes;
	struct index_context context;
	struct mapped_file *file;
	_Atomic(struct index_map *) map;
	_Atomic size_t entries;
	int64_t last_key;
	bool closed;
	pthread_mutex_t change_lock; /* serialises appends, resizes and close */
	struct index_map **unsafe_maps; /* unlocked-unmap: old metadata kept to the end */
	size_t unsafe_map_count;
};

enum index_open_flags {
	INDEX_OPEN_CREATE = 1 << 0, /* a new segment: the file must not exist */
	INDEX_OPEN_ACTIVE = 1 << 1, /* appends follow: (re)size to max_bytes */
};

/*
 * Opens or creates an index. An existing file is checked: its size must be a
 * whole number of entries and its keys must increase; otherwise -EBADMSG and a
 * message in @err. @max_bytes is rounded down to whole entries.
 */
int index__open(struct index **out, const struct index_context *context, enum index_kind kind,
		const char *path, int64_t base_offset, size_t max_bytes, unsigned flags, char *err,
		size_t err_size);

/* -ENOSPC when full, -EINVAL when @key does not increase or does not fit. */
int index__append(struct index *index, int64_t key, int64_t value);

/* The entry with the largest key <= @target; -ENOENT if there is none. */
int index__lookup(struct index *index, int64_t target, struct index_entry *entry);

size_t index__entries(struct index *index);
bool index__is_full(struct index *index);
size_t index__mapped_bytes(struct index *index);

/* Truncates the file to @bytes (rounded down to whole entries) and maps it again. */
int index__resize(struct index *index, size_t bytes);
/* Shrinks the file to its entries: what a roll does. */
int index__trim(struct index *index);
int index__rename(struct index *index, const char *new_path);

/* Unmaps the current mapping (old ones stay with the cleaner) and frees the index. */
void index__close(struct index *index);
/* Like index__close, then unlinks the file. */
int index__delete(struct index *index);

#endif
