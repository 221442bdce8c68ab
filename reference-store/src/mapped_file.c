// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "idxstore/mapped_file.h"

int mapped_file__new(struct mapped_file **out, const char *path, struct idxstore_stats *stats)
{
	struct mapped_file *file = calloc(1, sizeof(*file));

	if (!file)
		return -ENOMEM;
	file->path = strdup(path);
	if (!file->path) {
		free(file);
		return -ENOMEM;
	}
	pthread_mutex_init(&file->lock, NULL);
	file->refs = 1;
	file->stats = stats;
	*out = file;
	return 0;
}

void mapped_file__get(struct mapped_file *file)
{
	pthread_mutex_lock(&file->lock);
	file->refs++;
	pthread_mutex_unlock(&file->lock);
}

void mapped_file__put(struct mapped_file *file)
{
	int refs;

	if (!file)
		return;
	pthread_mutex_lock(&file->lock);
	refs = --file->refs;
	pthread_mutex_unlock(&file->lock);
	if (refs)
		return;
	pthread_mutex_destroy(&file->lock);
	free(file->path);
	free(file);
}

int mapped_file__map(struct mapped_file *file, int fd, size_t length, void **addr)
{
	void *mapping = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (mapping == MAP_FAILED)
		return -errno;
	pthread_mutex_lock(&file->lock);
	/* Every caller changed the file size since its older mappings were made. */
	if (file->live_mappings)
		atomic_fetch_add(&file->stats->remaps, 1);
	file->live_mappings++;
	atomic_fetch_add(&file->stats->live_mappings, 1);
	if (file->unlinked)
		atomic_fetch_add(&file->stats->deleted_mappings_live, 1);
	pthread_mutex_unlock(&file->lock);
	*addr = mapping;
	return 0;
}

void mapped_file__unmap(struct mapped_file *file, void *addr, size_t length)
{
	/* munmap of a range we mapped ourselves cannot fail. */
	munmap(addr, length);
	pthread_mutex_lock(&file->lock);
	file->live_mappings--;
	atomic_fetch_sub(&file->stats->live_mappings, 1);
	if (file->unlinked)
		atomic_fetch_sub(&file->stats->deleted_mappings_live, 1);
	pthread_mutex_unlock(&file->lock);
}

int mapped_file__rename(struct mapped_file *file, const char *new_path)
{
	char *copy = strdup(new_path);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&file->lock);
	if (rename(file->path, new_path) < 0) {
		err = -errno;
		free(copy);
	} else {
		free(file->path);
		file->path = copy;
	}
	pthread_mutex_unlock(&file->lock);
	return err;
}

int mapped_file__unlink(struct mapped_file *file)
{
	int err = 0;

	pthread_mutex_lock(&file->lock);
	if (file->unlinked) {
		err = -ENOENT;
	} else if (unlink(file->path) < 0) {
		err = -errno;
	} else {
		file->unlinked = true;
		atomic_fetch_add(&file->stats->deleted_mappings_live, file->live_mappings);
	}
	pthread_mutex_unlock(&file->lock);
	return err;
}

void mapped_file__path(struct mapped_file *file, char *buf, size_t size)
{
	pthread_mutex_lock(&file->lock);
	if ((size_t)snprintf(buf, size, "%s", file->path) >= size && size)
		buf[0] = '\0';
	pthread_mutex_unlock(&file->lock);
}
