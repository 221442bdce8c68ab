/* SPDX-License-Identifier: MIT */
/* One log segment: the .log file and its two indexes. Internal to the store. */
#ifndef IDXSTORE_SEGMENT_H
#define IDXSTORE_SEGMENT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "idxstore/index.h"

/* Record header in the .log: offset i64, timestamp i64, payload length u32, big-endian. */
#define SEGMENT_RECORD_HEADER 20
#define SEGMENT_MAX_PAYLOAD (1u << 20)

struct segment {
	int64_t base_offset;
	char dir[PATH_MAX];
	int log_fd;
	uint64_t log_bytes;
	int64_t next_offset;
	int64_t last_timestamp;
	_Atomic int64_t first_timestamp; /* INT64_MAX while empty */
	uint64_t bytes_since_index_entry;
	struct index *offset_index;
	struct index *time_index;
	struct segment *next_deleted; /* in the store's deletion queue */
	double delete_due;
	uint64_t grace_token;
};

int segment__create(struct segment **out, const struct index_context *context, const char *dir,
		    int64_t base_offset, size_t index_max_bytes, char *err, size_t err_size);
/* Reopens and checks; @active grows the indexes back to full size. */
int segment__open(struct segment **out, const struct index_context *context, const char *dir,
		  int64_t base_offset, size_t index_max_bytes, bool active, char *err,
		  size_t err_size);
/* -ENOSPC when an index is full: roll first. */
int segment__append(struct segment *segment, int64_t offset, int64_t timestamp,
		    uint32_t payload_bytes, uint32_t index_interval);
int segment__trim_indexes(struct segment *segment);
int segment__rename_deleted(struct segment *segment);
/* Unmaps the current index mappings, unlinks the three files, frees. */
int segment__delete(struct segment *segment);
/* Trims the indexes (as a clean shutdown does), unmaps, frees. */
int segment__close(struct segment *segment);

#endif
