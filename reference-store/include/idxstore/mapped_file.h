/* SPDX-License-Identifier: MIT */
/*
 * An index file and every mapping of it that is still live, including old
 * mappings waiting in the cleaner. Shared by the index and the cleaner
 * (reference counted) so that unlinking the file and unmapping its mappings,
 * in either order, keep the deleted_mappings_live count exact.
 */
#ifndef IDXSTORE_MAPPED_FILE_H
#define IDXSTORE_MAPPED_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "idxstore/stats.h"

struct mapped_file {
	pthread_mutex_t lock; /* guards everything below */
	int refs;
	char *path;
	unsigned live_mappings;
	bool unlinked;
	struct idxstore_stats *stats;
};

int mapped_file__new(struct mapped_file **out, const char *path, struct idxstore_stats *stats);
void mapped_file__get(struct mapped_file *file);
void mapped_file__put(struct mapped_file *file);

/* mmap(MAP_SHARED, read/write) of the first @length bytes of @fd; counts a remap if older mappings live. */
int mapped_file__map(struct mapped_file *file, int fd, size_t length, void **addr);
void mapped_file__unmap(struct mapped_file *file, void *addr, size_t length);
int mapped_file__rename(struct mapped_file *file, const char *new_path);
int mapped_file__unlink(struct mapped_file *file);
/* Copies the current path into @buf (empty on overflow). */
void mapped_file__path(struct mapped_file *file, char *buf, size_t size);

#endif
