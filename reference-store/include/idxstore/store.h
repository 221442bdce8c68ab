/* SPDX-License-Identifier: MIT */
/*
 * A Kafka-like log store: partitions made of segments
 * (<base offset, 20 digits>.log / .index / .timeindex), rolled at a size
 * limit, deleted oldest first beyond a retention limit. Deletion works as in
 * Kafka: the segment leaves the log, its files are renamed to *.deleted, and
 * after the file-delete delay the current index mappings are unmapped and the
 * files unlinked. Under the remap policy the older mappings of those files
 * may still wait in the cleaner: the leak.
 *
 * One writer per partition at a time; any number of readers, each holding
 * its own grace reader (store__reader_register).
 */
#ifndef IDXSTORE_STORE_H
#define IDXSTORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "idxstore/grace.h"
#include "idxstore/index.h"
#include "idxstore/stats.h"

struct store_options {
	const char *dir;
	enum resize_policy policy;
	unsigned partitions;
	uint64_t segment_bytes;
	uint32_t index_interval; /* log bytes between index entries */
	size_t index_max_bytes;
	unsigned retention_segments; /* 0: keep every segment */
	double file_delete_delay; /* seconds */
	double collect_delay; /* seconds, or CLEANER_NEVER */
};

void store_options__defaults(struct store_options *options);

struct store;

/* Creates @options->dir if needed, or reopens and checks what is there. */
int store__open(struct store **out, const struct store_options *options, char *err,
		size_t err_size);
/* Runs pending deletions now, trims and unmaps every index, stops the cleaner. */
int store__close(struct store *store);

/* Appends one record; @timestamp must increase within the partition. Rolls and deletes as needed. */
int store__append(struct store *store, unsigned partition, int64_t timestamp,
		  uint32_t payload_bytes, int64_t *offset);
int store__roll(struct store *store, unsigned partition);

int store__reader_register(struct store *store, struct grace_reader **reader);
void store__reader_unregister(struct store *store, struct grace_reader *reader);

/*
 * The indexed position at or below @offset: {offset, log position}. Falls back
 * to the segment's first record when no index entry is low enough.
 * -ENOENT: the offset is not in the log (below the start, deleted meanwhile).
 */
int store__lookup_offset(struct store *store, struct grace_reader *reader, unsigned partition,
			 int64_t offset, struct index_entry *entry);
/* The indexed {timestamp, offset} at or below @timestamp. */
int store__lookup_time(struct store *store, struct grace_reader *reader, unsigned partition,
		       int64_t timestamp, struct index_entry *entry);

/* [start, end) offsets readable now. */
void store__offset_range(struct store *store, unsigned partition, int64_t *start, int64_t *end);

/* Waits until every scheduled deletion has run. */
void store__drain_deletions(struct store *store);

struct idxstore_stats *store__stats(struct store *store);
const struct store_options *store__options(struct store *store);
size_t store__mappings_awaiting_collection(struct store *store);

#endif
