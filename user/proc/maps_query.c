// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PROCMAP_QUERY (Linux 6.11+): one ioctl per VMA on /proc/PID/maps, no text
 * to format or parse. Each answer is self-consistent; successive ones are not
 * a snapshot, exactly like successive read()s of the text.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/fs.h>
#include "proc_maps_internal.h"

#ifndef PROCMAP_QUERY
/* include/uapi/linux/fs.h of Linux 6.11; Debian 12's headers predate it. */
#define PROCFS_IOCTL_MAGIC 'f'

enum procmap_query_flags {
	PROCMAP_QUERY_VMA_READABLE = 0x01,
	PROCMAP_QUERY_VMA_WRITABLE = 0x02,
	PROCMAP_QUERY_VMA_EXECUTABLE = 0x04,
	PROCMAP_QUERY_VMA_SHARED = 0x08,
	PROCMAP_QUERY_COVERING_OR_NEXT_VMA = 0x10,
	PROCMAP_QUERY_FILE_BACKED_VMA = 0x20,
};

struct procmap_query {
	__u64 size;
	__u64 query_flags; /* in */
	__u64 query_addr; /* in */
	__u64 vma_start; /* out */
	__u64 vma_end; /* out */
	__u64 vma_flags; /* out: PROCMAP_QUERY_VMA_* */
	__u64 vma_page_size; /* out */
	__u64 vma_offset; /* out */
	__u64 inode; /* out */
	__u32 dev_major; /* out */
	__u32 dev_minor; /* out */
	__u32 vma_name_size; /* in/out */
	__u32 build_id_size; /* in/out */
	__u64 vma_name_addr; /* in */
	__u64 build_id_addr; /* in */
};

#define PROCMAP_QUERY _IOWR(PROCFS_IOCTL_MAGIC, 17, struct procmap_query)
#endif

_Static_assert(sizeof(struct procmap_query) == 104, "struct procmap_query layout");

/*
 * The text file writes a newline in a path as "\012" (seq_path escapes it); the
 * ioctl hands the raw bytes. Spell it the text's way so both readers agree.
 * Returns the escaped length, cut to fit @capacity.
 */
static size_t escape_newlines(const char *name, size_t length, char *out, size_t capacity)
{
	size_t used = 0;

	for (size_t i = 0; i < length; i++) {
		if (name[i] == '\n') {
			if (used + 4 > capacity)
				break;
			memcpy(out + used, "\\012", 4);
			used += 4;
		} else {
			if (used + 1 > capacity)
				break;
			out[used++] = name[i];
		}
	}
	return used;
}

static void fill_vma(const struct procmap_query *query, const char *name, char *scratch,
		     struct mw_vma *vma)
{
	size_t length = query->vma_name_size ? query->vma_name_size - 1 : 0; /* less the NUL */

	memset(vma, 0, offsetof(struct mw_vma, path));
	vma->start = query->vma_start;
	vma->end = query->vma_end;
	vma->offset = query->vma_offset;
	vma->ino = query->inode;
	vma->dev = query->dev_major << 20 | query->dev_minor;
	if (query->vma_flags & PROCMAP_QUERY_VMA_READABLE)
		vma->prot |= PROT_READ;
	if (query->vma_flags & PROCMAP_QUERY_VMA_WRITABLE)
		vma->prot |= PROT_WRITE;
	if (query->vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE)
		vma->prot |= PROT_EXEC;
	vma->shared = query->vma_flags & PROCMAP_QUERY_VMA_SHARED;
	if (memchr(name, '\n', length)) {
		length = escape_newlines(name, length, scratch, PATH_MAX);
		name = scratch;
	}
	maps_name__set(vma, name, length);
}

static int query_one(int fd, struct procmap_query *query, char *name, char *scratch,
		     struct mw_vma *vma)
{
	if (ioctl(fd, PROCMAP_QUERY, query) == 0) {
		fill_vma(query, name, scratch, vma);
		return 0;
	}
	if (errno != ENAMETOOLONG)
		return -errno;
	/* A name past PATH_MAX: take the VMA without it; the stat still tells. */
	query->vma_name_addr = 0;
	query->vma_name_size = 0;
	if (ioctl(fd, PROCMAP_QUERY, query) < 0)
		return -errno;
	fill_vma(query, name, scratch, vma);
	vma->kind = vma->ino ? MW_VMA_FILE : MW_VMA_ANONYMOUS;
	return 0;
}

int maps_query__walk(int pid_dir, maps_sink_fn sink, void *ctx)
{
	struct procmap_query query;
	struct mw_vma *vma = NULL;
	char *name = NULL, *scratch = NULL;
	uint64_t address = 0;
	int fd, err = 0;

	fd = openat(pid_dir, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	vma = malloc(sizeof(*vma));
	name = malloc(PATH_MAX);
	scratch = malloc(PATH_MAX);
	if (!vma || !name || !scratch) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		memset(&query, 0, sizeof(query));
		query.size = sizeof(query);
		query.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		query.query_addr = address;
		query.vma_name_addr = (uintptr_t)name;
		query.vma_name_size = PATH_MAX;
		err = query_one(fd, &query, name, scratch, vma);
		if (err) {
			/* ENOENT: no VMA at or above the address, the walk is done */
			if (err == -ENOENT)
				err = 0;
			break;
		}
		err = sink(vma, ctx);
		if (err)
			break;
		/* the top VMA may end at the very top of the address space */
		if (query.vma_end <= address || query.vma_end == 0)
			break;
		address = query.vma_end;
	}
out:
	free(scratch);
	free(name);
	free(vma);
	close(fd);
	return err;
}
