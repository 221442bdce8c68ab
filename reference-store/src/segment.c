// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segment.h"

static const char *const suffixes[] = { ".log", ".index", ".timeindex" };
enum { FILE_LOG, FILE_OFFSET_INDEX, FILE_TIME_INDEX };

static int segment__path(const char *dir, int64_t base_offset, int file, bool deleted, char *buf,
			 size_t size)
{
	int length = snprintf(buf, size, "%s/%020lld%s%s", dir, (long long)base_offset,
			      suffixes[file], deleted ? ".deleted" : "");

	return length < 0 || (size_t)length >= size ? -ENAMETOOLONG : 0;
}

static struct segment *segment__alloc(const char *dir, int64_t base_offset)
{
	struct segment *segment = calloc(1, sizeof(*segment));

	if (!segment)
		return NULL;
	segment->base_offset = base_offset;
	segment->next_offset = base_offset;
	segment->last_timestamp = INT64_MIN;
	atomic_init(&segment->first_timestamp, INT64_MAX);
	segment->log_fd = -1;
	snprintf(segment->dir, sizeof(segment->dir), "%s", dir);
	return segment;
}

static void segment__free(struct segment *segment)
{
	index__close(segment->offset_index);
	index__close(segment->time_index);
	if (segment->log_fd >= 0)
		close(segment->log_fd);
	free(segment);
}

static int segment__open_indexes(struct segment *segment, const struct index_context *context,
				 size_t index_max_bytes, unsigned flags, char *err, size_t err_size)
{
	char path[PATH_MAX];
	int ret;

	ret = segment__path(segment->dir, segment->base_offset, FILE_OFFSET_INDEX, false, path,
			    sizeof(path));
	if (!ret)
		ret = index__open(&segment->offset_index, context, INDEX_KIND_OFFSET, path,
				  segment->base_offset, index_max_bytes, flags, err, err_size);
	if (ret)
		return ret;
	ret = segment__path(segment->dir, segment->base_offset, FILE_TIME_INDEX, false, path,
			    sizeof(path));
	if (!ret)
		ret = index__open(&segment->time_index, context, INDEX_KIND_TIME, path,
				  segment->base_offset, index_max_bytes, flags, err, err_size);
	return ret;
}

int segment__create(struct segment **out, const struct index_context *context, const char *dir,
		    int64_t base_offset, size_t index_max_bytes, char *err, size_t err_size)
{
	struct segment *segment = segment__alloc(dir, base_offset);
	char path[PATH_MAX];
	int ret;

	if (!segment)
		return -ENOMEM;
	ret = segment__path(dir, base_offset, FILE_LOG, false, path, sizeof(path));
	if (!ret) {
		segment->log_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (segment->log_fd < 0)
			ret = -errno;
	}
	if (ret) {
		snprintf(err, err_size, "%s: %s", path, strerror(-ret));
		free(segment);
		return ret;
	}
	ret = segment__open_indexes(segment, context, index_max_bytes, INDEX_OPEN_CREATE, err,
				    err_size);
	if (ret) {
		unlink(path);
		segment__free(segment);
		return ret;
	}
	*out = segment;
	return 0;
}

/* Reads the record headers of the log: they must be whole and their offsets consecutive. */
static int segment__recover(struct segment *segment, bool scan_all, const char *path, char *err,
			    size_t err_size)
{
	uint8_t header[SEGMENT_RECORD_HEADER];
	uint64_t position = 0, be64;
	uint32_t be32, payload;
	struct stat status;
	ssize_t got;

	if (fstat(segment->log_fd, &status) < 0)
		return -errno;
	segment->log_bytes = (uint64_t)status.st_size;
	while (position < segment->log_bytes) {
		int64_t offset, timestamp;

		got = pread(segment->log_fd, header, sizeof(header), (off_t)position);
		if (got < 0)
			return -errno;
		if ((size_t)got < sizeof(header)) {
			snprintf(err, err_size,
				 "%s: corrupt log: truncated record header at position %llu", path,
				 (unsigned long long)position);
			return -EBADMSG;
		}
		memcpy(&be64, header, 8);
		offset = (int64_t)be64toh(be64);
		memcpy(&be64, header + 8, 8);
		timestamp = (int64_t)be64toh(be64);
		memcpy(&be32, header + 16, 4);
		payload = be32toh(be32);
		if (offset != segment->next_offset || payload > SEGMENT_MAX_PAYLOAD ||
		    position + sizeof(header) + payload > segment->log_bytes) {
			snprintf(
				err, err_size,
				"%s: corrupt log: bad record at position %llu (offset %lld, expected %lld)",
				path, (unsigned long long)position, (long long)offset,
				(long long)segment->next_offset);
			return -EBADMSG;
		}
		if (position == 0)
			atomic_store(&segment->first_timestamp, timestamp);
		segment->last_timestamp = timestamp;
		segment->next_offset = offset + 1;
		position += sizeof(header) + payload;
		if (!scan_all)
			break;
	}
	return 0;
}

int segment__open(struct segment **out, const struct index_context *context, const char *dir,
		  int64_t base_offset, size_t index_max_bytes, bool active, char *err,
		  size_t err_size)
{
	struct segment *segment = segment__alloc(dir, base_offset);
	struct index_entry last;
	char path[PATH_MAX];
	int ret;

	if (!segment)
		return -ENOMEM;
	ret = segment__path(dir, base_offset, FILE_LOG, false, path, sizeof(path));
	if (!ret) {
		segment->log_fd = open(path, O_RDWR | O_CLOEXEC);
		if (segment->log_fd < 0)
			ret = -errno;
	}
	if (ret) {
		snprintf(err, err_size, "%s: %s", path, strerror(-ret));
		free(segment);
		return ret;
	}
	ret = segment__recover(segment, active, path, err, err_size);
	if (!ret)
		ret = segment__open_indexes(segment, context, index_max_bytes,
					    active ? INDEX_OPEN_ACTIVE : 0, err, err_size);
	/* An index entry must point inside the log it indexes. */
	if (!ret && !index__lookup(segment->offset_index, INT64_MAX, &last)) {
		if ((uint64_t)last.value >= segment->log_bytes ||
		    (active && last.key >= segment->next_offset)) {
			snprintf(
				err, err_size,
				"%s: corrupt index: last entry (offset %lld, position %lld) is past the end of the log",
				path, (long long)last.key, (long long)last.value);
			ret = -EBADMSG;
		} else {
			segment->bytes_since_index_entry =
				segment->log_bytes - (uint64_t)last.value;
		}
	}
	if (ret) {
		segment__free(segment);
		return ret;
	}
	*out = segment;
	return 0;
}

int segment__append(struct segment *segment, int64_t offset, int64_t timestamp,
		    uint32_t payload_bytes, uint32_t index_interval)
{
	size_t length = SEGMENT_RECORD_HEADER + payload_bytes;
	uint8_t *record;
	uint64_t be64;
	uint32_t be32;
	ssize_t written;
	bool index_this =
		segment->bytes_since_index_entry > index_interval || segment->log_bytes == 0;
	int ret = 0;

	if (payload_bytes > SEGMENT_MAX_PAYLOAD || offset != segment->next_offset ||
	    timestamp <= segment->last_timestamp)
		return -EINVAL;
	if (index_this &&
	    (index__is_full(segment->offset_index) || index__is_full(segment->time_index)))
		return -ENOSPC;
	record = malloc(length);
	if (!record)
		return -ENOMEM;
	be64 = htobe64((uint64_t)offset);
	memcpy(record, &be64, 8);
	be64 = htobe64((uint64_t)timestamp);
	memcpy(record + 8, &be64, 8);
	be32 = htobe32(payload_bytes);
	memcpy(record + 16, &be32, 4);
	memset(record + SEGMENT_RECORD_HEADER, (int)(offset & 0xff), payload_bytes);
	written = pwrite(segment->log_fd, record, length, (off_t)segment->log_bytes);
	free(record);
	if (written < 0)
		return -errno;
	if ((size_t)written != length)
		return -EIO; /* a short write to a regular file means the disk is full */

	/* Like Kafka: index the first record after more than index_interval unindexed bytes. */
	if (index_this) {
		ret = index__append(segment->offset_index, offset, (int64_t)segment->log_bytes);
		if (!ret)
			ret = index__append(segment->time_index, timestamp, offset);
		if (ret)
			return ret;
		segment->bytes_since_index_entry = 0;
	}
	if (segment->log_bytes == 0)
		atomic_store(&segment->first_timestamp, timestamp);
	segment->bytes_since_index_entry += length;
	segment->log_bytes += length;
	segment->next_offset = offset + 1;
	segment->last_timestamp = timestamp;
	return 0;
}

int segment__trim_indexes(struct segment *segment)
{
	int ret = index__trim(segment->offset_index);

	return ret ? ret : index__trim(segment->time_index);
}

int segment__rename_deleted(struct segment *segment)
{
	char from[PATH_MAX], to[PATH_MAX];
	int ret;

	ret = segment__path(segment->dir, segment->base_offset, FILE_LOG, false, from,
			    sizeof(from));
	if (!ret)
		ret = segment__path(segment->dir, segment->base_offset, FILE_LOG, true, to,
				    sizeof(to));
	if (!ret && rename(from, to) < 0)
		ret = -errno;
	if (!ret)
		ret = segment__path(segment->dir, segment->base_offset, FILE_OFFSET_INDEX, true, to,
				    sizeof(to));
	if (!ret)
		ret = index__rename(segment->offset_index, to);
	if (!ret)
		ret = segment__path(segment->dir, segment->base_offset, FILE_TIME_INDEX, true, to,
				    sizeof(to));
	if (!ret)
		ret = index__rename(segment->time_index, to);
	return ret;
}

int segment__delete(struct segment *segment)
{
	char path[PATH_MAX];
	int ret, first_error = 0;

	ret = index__delete(segment->offset_index);
	segment->offset_index = NULL;
	first_error = ret;
	ret = index__delete(segment->time_index);
	segment->time_index = NULL;
	if (!first_error)
		first_error = ret;
	ret = segment__path(segment->dir, segment->base_offset, FILE_LOG, true, path, sizeof(path));
	if (!ret && unlink(path) < 0)
		ret = -errno;
	if (!first_error)
		first_error = ret;
	segment__free(segment);
	return first_error;
}

int segment__close(struct segment *segment)
{
	int ret = segment__trim_indexes(segment);

	segment__free(segment);
	return ret;
}
