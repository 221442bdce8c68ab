// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idxstore/index.h"

static const char *const policy_names[] = {
	[RESIZE_POLICY_REMAP] = "remap",
	[RESIZE_POLICY_LOCKED_UNMAP] = "locked-unmap",
	[RESIZE_POLICY_UNLOCKED_UNMAP] = "unlocked-unmap",
};

const char *resize_policy__name(enum resize_policy policy)
{
	return policy_names[policy];
}

int resize_policy__parse(const char *name, enum resize_policy *policy)
{
	for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
		if (!strcmp(name, policy_names[i])) {
			*policy = (enum resize_policy)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void set_error(char *err, size_t err_size, const char *format, ...)
{
	va_list args;

	if (!err || !err_size)
		return;
	va_start(args, format);
	vsnprintf(err, err_size, format, args);
	va_end(args);
}

static struct index_entry index__parse(const struct index *index, const uint8_t *slot)
{
	struct index_entry entry;
	uint32_t relative;
	uint64_t timestamp;

	if (index->kind == INDEX_KIND_OFFSET) {
		memcpy(&relative, slot, 4);
		entry.key = index->base_offset + be32toh(relative);
		memcpy(&relative, slot + 4, 4);
		entry.value = be32toh(relative);
	} else {
		memcpy(&timestamp, slot, 8);
		entry.key = (int64_t)be64toh(timestamp);
		memcpy(&relative, slot + 8, 4);
		entry.value = index->base_offset + be32toh(relative);
	}
	return entry;
}

static int index__map_new(struct index *index, int fd, size_t length, struct index_map **out)
{
	struct index_map *map = calloc(1, sizeof(*map));
	void *addr = NULL;
	int err;

	if (!map)
		return -ENOMEM;
	if (length) {
		err = mapped_file__map(index->file, fd, length, &addr);
		if (err) {
			free(map);
			return err;
		}
	}
	map->addr = addr;
	map->length = length;
	*out = map;
	return 0;
}

static void index__map_release(struct index *index, struct index_map *map)
{
	if (map->addr)
		mapped_file__unmap(index->file, map->addr, map->length);
	free(map);
}

static int index__keep_unsafe_map(struct index *index, struct index_map *map)
{
	struct index_map **grown;

	grown = realloc(index->unsafe_maps, (index->unsafe_map_count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	index->unsafe_maps = grown;
	index->unsafe_maps[index->unsafe_map_count++] = map;
	return 0;
}

/* Replaces the current mapping by one of @length bytes of @fd (or none), per the policy. */
static int index__swap_map(struct index *index, int fd, size_t length)
{
	struct index_map *old = atomic_load(&index->map), *fresh = NULL;
	int err = 0;

	switch (index->context.policy) {
	case RESIZE_POLICY_REMAP:
		/* Truncate and map again; the old mapping lives on in the cleaner. */
		if (fd >= 0 && ftruncate(fd, (off_t)length) < 0)
			return -errno;
		err = index__map_new(index, fd, length, &fresh);
		if (err)
			return err;
		atomic_store(&index->map, fresh);
		return cleaner__retire(index->context.cleaner, index->file, old->addr, old->length,
				       old);
	case RESIZE_POLICY_LOCKED_UNMAP:
		distributed_rwlock__write_lock(&index->map_lock);
		if (old->addr)
			mapped_file__unmap(index->file, old->addr, old->length);
		old->addr = NULL;
		old->length = 0;
		if (fd >= 0 && ftruncate(fd, (off_t)length) < 0)
			err = -errno;
		if (!err)
			err = index__map_new(index, fd, length, &fresh);
		if (!err) {
			atomic_store(&index->map, fresh);
			free(old);
		}
		distributed_rwlock__write_unlock(&index->map_lock);
		return err;
	case RESIZE_POLICY_UNLOCKED_UNMAP:
		/* Readers may still be searching the old mapping: this is the fault. */
		if (old->addr)
			mapped_file__unmap(index->file, old->addr, old->length);
		if (fd >= 0 && ftruncate(fd, (off_t)length) < 0)
			err = -errno;
		if (!err)
			err = index__map_new(index, fd, length, &fresh);
		if (err)
			return err;
		atomic_store(&index->map, fresh);
		return index__keep_unsafe_map(index, old);
	}
	return -EINVAL;
}

static int index__check_entries(struct index *index, size_t entries, char *err, size_t err_size)
{
	struct index_map *map = atomic_load(&index->map);
	struct index_entry previous = { 0 }, entry;

	for (size_t slot = 0; slot < entries; slot++) {
		entry = index__parse(index, map->addr + slot * index->entry_size);
		if (slot && entry.key <= previous.key) {
			set_error(
				err, err_size,
				"%s: corrupt index: entry %zu (key %lld) is not above entry %zu (key %lld)",
				index->file->path, slot, (long long)entry.key, slot - 1,
				(long long)previous.key);
			return -EBADMSG;
		}
		if (index->kind == INDEX_KIND_TIME && entry.value < index->base_offset) {
			set_error(err, err_size,
				  "%s: corrupt index: entry %zu points below the segment base",
				  index->file->path, slot);
			return -EBADMSG;
		}
		previous = entry;
	}
	index->last_key = entries ? previous.key : INT64_MIN;
	atomic_store(&index->entries, entries);
	return 0;
}

static void index__free(struct index *index)
{
	for (size_t i = 0; i < index->unsafe_map_count; i++)
		free(index->unsafe_maps[i]);
	free(index->unsafe_maps);
	free(atomic_load(&index->map));
	mapped_file__put(index->file);
	distributed_rwlock__destroy(&index->map_lock);
	pthread_mutex_destroy(&index->change_lock);
	free(index);
}

int index__open(struct index **out, const struct index_context *context, enum index_kind kind,
		const char *path, int64_t base_offset, size_t max_bytes, unsigned flags, char *err,
		size_t err_size)
{
	struct index *index;
	struct stat status;
	int fd, open_flags = O_RDWR | O_CLOEXEC, ret;
	size_t entry_size =
		kind == INDEX_KIND_OFFSET ? INDEX_OFFSET_ENTRY_SIZE : INDEX_TIME_ENTRY_SIZE;

	max_bytes -= max_bytes % entry_size;
	if (!max_bytes) {
		set_error(err, err_size, "%s: index size must hold at least one %zu-byte entry",
			  path, entry_size);
		return -EINVAL;
	}
	if (flags & INDEX_OPEN_CREATE)
		open_flags |= O_CREAT | O_EXCL;
	fd = open(path, open_flags, 0644);
	if (fd < 0) {
		ret = -errno;
		set_error(err, err_size, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &status) < 0) {
		ret = -errno;
		set_error(err, err_size, "%s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	if ((size_t)status.st_size % entry_size) {
		set_error(err, err_size,
			  "%s: corrupt index: size %lld is not a multiple of the %zu-byte entry",
			  path, (long long)status.st_size, entry_size);
		close(fd);
		return -EBADMSG;
	}

	/* The reader slots of the map lock want their own cache lines. */
	index = aligned_alloc(64, sizeof(*index));
	if (!index) {
		close(fd);
		return -ENOMEM;
	}
	memset(index, 0, sizeof(*index));
	index->kind = kind;
	index->entry_size = entry_size;
	index->base_offset = base_offset;
	index->max_bytes = max_bytes;
	index->context = *context;
	index->last_key = INT64_MIN;
	pthread_mutex_init(&index->change_lock, NULL);
	distributed_rwlock__init(&index->map_lock);
	ret = mapped_file__new(&index->file, path, context->stats);
	if (!ret) {
		struct index_map *map = NULL;
		/* A new segment is created at full size; an existing file is mapped as found. */
		size_t length = (flags & INDEX_OPEN_CREATE) ? max_bytes : (size_t)status.st_size;

		if ((flags & INDEX_OPEN_CREATE) && ftruncate(fd, (off_t)length) < 0)
			ret = -errno;
		if (!ret)
			ret = index__map_new(index, fd, length, &map);
		if (!ret)
			atomic_store(&index->map, map);
	}
	if (ret) {
		set_error(err, err_size, "%s: %s", path, strerror(-ret));
		if (flags & INDEX_OPEN_CREATE)
			unlink(path);
		close(fd);
		if (!atomic_load(&index->map))
			atomic_store(&index->map, calloc(1, sizeof(struct index_map)));
		index__free(index);
		return ret;
	}
	close(fd); /* from here on only the mapping holds the file, as in the JVM */

	if (!(flags & INDEX_OPEN_CREATE)) {
		ret = index__check_entries(index, (size_t)status.st_size / entry_size, err,
					   err_size);
		/* Reopening the active segment grows its index back to full size. */
		if (!ret && (flags & INDEX_OPEN_ACTIVE) && (size_t)status.st_size < max_bytes) {
			ret = index__resize(index, max_bytes);
			if (ret)
				set_error(err, err_size, "%s: resize: %s", path, strerror(-ret));
		}
		if (ret) {
			index__close(index);
			return ret;
		}
	}
	*out = index;
	return 0;
}

int index__append(struct index *index, int64_t key, int64_t value)
{
	struct index_map *map;
	size_t entries;
	uint8_t *slot;
	uint32_t relative, position;
	uint64_t timestamp;
	int ret = 0;

	pthread_mutex_lock(&index->change_lock);
	map = atomic_load(&index->map);
	entries = atomic_load(&index->entries);
	if (index->closed) {
		ret = -ESTALE;
	} else if ((entries + 1) * index->entry_size > map->length) {
		ret = -ENOSPC;
	} else if (key <= index->last_key) {
		ret = -EINVAL;
	} else if (index->kind == INDEX_KIND_OFFSET) {
		if (key < index->base_offset || key - index->base_offset > UINT32_MAX ||
		    value < 0 || value > UINT32_MAX) {
			ret = -EINVAL;
		} else {
			slot = map->addr + entries * index->entry_size;
			relative = htobe32((uint32_t)(key - index->base_offset));
			position = htobe32((uint32_t)value);
			memcpy(slot, &relative, 4);
			memcpy(slot + 4, &position, 4);
		}
	} else {
		if (value < index->base_offset || value - index->base_offset > UINT32_MAX) {
			ret = -EINVAL;
		} else {
			slot = map->addr + entries * index->entry_size;
			timestamp = htobe64((uint64_t)key);
			relative = htobe32((uint32_t)(value - index->base_offset));
			memcpy(slot, &timestamp, 8);
			memcpy(slot + 8, &relative, 4);
		}
	}
	if (!ret) {
		index->last_key = key;
		/* Publishes the entry bytes to lock-free readers. */
		atomic_store_explicit(&index->entries, entries + 1, memory_order_release);
	}
	pthread_mutex_unlock(&index->change_lock);
	return ret;
}

static int index__search(struct index *index, const struct index_map *map, size_t entries,
			 int64_t target, struct index_entry *entry)
{
	size_t low = 0, high, capacity = map->length / index->entry_size;
	struct index_entry probe;

	if (entries > capacity)
		entries = capacity;
	if (!entries)
		return -ENOENT;
	probe = index__parse(index, map->addr);
	if (probe.key > target)
		return -ENOENT;
	/* Invariant: slot low has key <= target; find the last such slot. */
	high = entries - 1;
	while (low < high) {
		size_t middle = low + (high - low + 1) / 2;

		probe = index__parse(index, map->addr + middle * index->entry_size);
		if (probe.key <= target)
			low = middle;
		else
			high = middle - 1;
	}
	*entry = index__parse(index, map->addr + low * index->entry_size);
	return 0;
}

int index__lookup(struct index *index, int64_t target, struct index_entry *entry)
{
	struct index_map *map;
	size_t entries;
	int ret;

	if (index->context.policy == RESIZE_POLICY_LOCKED_UNMAP) {
		unsigned slot = distributed_rwlock__read_lock(&index->map_lock);

		map = atomic_load_explicit(&index->map, memory_order_relaxed);
		entries = atomic_load_explicit(&index->entries, memory_order_acquire);
		ret = index__search(index, map, entries, target, entry);
		distributed_rwlock__read_unlock(&index->map_lock, slot);
		return ret;
	}
	map = atomic_load(&index->map);
	entries = atomic_load_explicit(&index->entries, memory_order_acquire);
	return index__search(index, map, entries, target, entry);
}

size_t index__entries(struct index *index)
{
	return atomic_load(&index->entries);
}

bool index__is_full(struct index *index)
{
	struct index_map *map = atomic_load(&index->map);

	return (atomic_load(&index->entries) + 1) * index->entry_size > map->length;
}

size_t index__mapped_bytes(struct index *index)
{
	return atomic_load(&index->map)->length;
}

int index__resize(struct index *index, size_t bytes)
{
	char path[4096];
	int fd, ret;

	bytes -= bytes % index->entry_size;
	pthread_mutex_lock(&index->change_lock);
	if (index->closed) {
		ret = -ESTALE;
		goto out;
	}
	if (bytes < atomic_load(&index->entries) * index->entry_size) {
		ret = -EINVAL;
		goto out;
	}
	ret = 0;
	/* Same size: nothing changes, and no mapping is made. */
	if (bytes == atomic_load(&index->map)->length)
		goto out;
	mapped_file__path(index->file, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = index__swap_map(index, fd, bytes);
	close(fd);
	if (!ret)
		atomic_fetch_add(&index->context.stats->resizes, 1);
out:
	pthread_mutex_unlock(&index->change_lock);
	return ret;
}

int index__trim(struct index *index)
{
	return index__resize(index, atomic_load(&index->entries) * index->entry_size);
}

int index__rename(struct index *index, const char *new_path)
{
	return mapped_file__rename(index->file, new_path);
}

/* Unmaps the current mapping: once no reader can be inside it (remap), or under the lock. */
static void index__unmap_current(struct index *index)
{
	struct index_map *map = atomic_load(&index->map), *empty = calloc(1, sizeof(*empty));
	uint64_t token;

	pthread_mutex_lock(&index->change_lock);
	index->closed = true;
	switch (index->context.policy) {
	case RESIZE_POLICY_REMAP:
		if (empty) {
			atomic_store(&index->map, empty);
			token = grace__retire(index->context.grace);
			grace__wait(index->context.grace, token);
			index__map_release(index, map);
		} else {
			/* Out of memory: wait for every reader we know of, then unmap in place. */
			token = grace__retire(index->context.grace);
			grace__wait(index->context.grace, token);
			if (map->addr)
				mapped_file__unmap(index->file, map->addr, map->length);
			map->addr = NULL;
			map->length = 0;
		}
		break;
	case RESIZE_POLICY_LOCKED_UNMAP:
		distributed_rwlock__write_lock(&index->map_lock);
		if (map->addr)
			mapped_file__unmap(index->file, map->addr, map->length);
		map->addr = NULL;
		map->length = 0;
		atomic_store(&index->entries, 0);
		distributed_rwlock__write_unlock(&index->map_lock);
		free(empty);
		break;
	case RESIZE_POLICY_UNLOCKED_UNMAP:
		if (map->addr)
			mapped_file__unmap(index->file, map->addr, map->length);
		map->addr = NULL;
		map->length = 0;
		free(empty);
		break;
	}
	pthread_mutex_unlock(&index->change_lock);
}

void index__close(struct index *index)
{
	if (!index)
		return;
	index__unmap_current(index);
	index__free(index);
}

int index__delete(struct index *index)
{
	int ret;

	index__unmap_current(index);
	ret = mapped_file__unlink(index->file);
	index__free(index);
	return ret;
}
