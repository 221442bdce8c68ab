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
	proc_maps_name__set(vma, name, length);
}

/* What one walk needs, allocated once: a VMA is mostly its PATH_MAX path. */
struct query_walk {
	int pid_dir;
	int fd;
	struct procmap_query query;
	char *name;
	char *scratch;
	struct mw_vma *vma;
	struct mw_vma *text_vma; /* only for names past PATH_MAX */
};

/*
 * A name past PATH_MAX (a deleted file at 4086 bytes or more, with its
 * " (deleted)"), which the ioctl cannot hand out: take the VMA without it and
 * its name from the text, which prints names whole. Without a name the VMA
 * would read as a live file and its deletion would be lost.
 */
static int query_without_name(struct query_walk *walk)
{
	struct procmap_query *query = &walk->query;
	struct mw_vma *vma = walk->vma;

	query->vma_name_addr = 0;
	query->vma_name_size = 0;
	if (ioctl(walk->fd, PROCMAP_QUERY, query) < 0)
		return -errno;
	fill_vma(query, walk->name, walk->scratch, vma);
	vma->kind = vma->ino ? MW_VMA_FILE : MW_VMA_ANONYMOUS;
	if (!walk->text_vma)
		walk->text_vma = malloc(sizeof(*walk->text_vma));
	if (!walk->text_vma)
		return -ENOMEM;
	/* gone or changed since: what the ioctl said stands, the stat decides the rest */
	if (proc_maps_text__find(walk->pid_dir, vma->start, walk->text_vma) ||
	    walk->text_vma->end != vma->end || walk->text_vma->ino != vma->ino)
		return 0;
	memcpy(vma->path, walk->text_vma->path, sizeof(vma->path));
	vma->deleted = walk->text_vma->deleted;
	vma->kind = walk->text_vma->kind;
	return 0;
}

static int query_one(struct query_walk *walk)
{
	if (ioctl(walk->fd, PROCMAP_QUERY, &walk->query) == 0) {
		fill_vma(&walk->query, walk->name, walk->scratch, walk->vma);
		return 0;
	}
	if (errno != ENAMETOOLONG)
		return -errno;
	return query_without_name(walk);
}

int proc_maps_query__walk(int pid_dir, maps_sink_fn sink, void *ctx)
{
	struct query_walk walk = { .pid_dir = pid_dir };
	struct procmap_query *query = &walk.query;
	uint64_t address = 0;
	int err = 0;

	walk.fd = openat(pid_dir, "maps", O_RDONLY | O_CLOEXEC);
	if (walk.fd < 0)
		return -errno;
	walk.vma = malloc(sizeof(*walk.vma));
	/* zeroed once: valgrind cannot see the ioctl write the name through a pointer */
	walk.name = calloc(1, PATH_MAX);
	walk.scratch = malloc(PATH_MAX);
	if (!walk.vma || !walk.name || !walk.scratch) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		memset(query, 0, sizeof(*query));
		query->size = sizeof(*query);
		query->query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		query->query_addr = address;
		query->vma_name_addr = (uintptr_t)walk.name;
		query->vma_name_size = PATH_MAX;
		err = query_one(&walk);
		if (err) {
			/* ENOENT: no VMA at or above the address, the walk is done */
			if (err == -ENOENT)
				err = 0;
			break;
		}
		err = sink(walk.vma, ctx);
		if (err)
			break;
		/* the top VMA may end at the very top of the address space */
		if (query->vma_end <= address || query->vma_end == 0)
			break;
		address = query->vma_end;
	}
out:
	free(walk.text_vma);
	free(walk.scratch);
	free(walk.name);
	free(walk.vma);
	close(walk.fd);
	return err;
}

int proc_maps_query__alive(int maps_fd)
{
	/* no name asked for: the answer costs a VMA lookup, nothing formatted */
	struct procmap_query query = {
		.size = sizeof(query),
		.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
	};

	if (ioctl(maps_fd, PROCMAP_QUERY, &query) == 0)
		return 1;
	/* ENOENT: no VMA, yet the address space was taken to look */
	if (errno == ENOENT)
		return 1;
	if (errno == ESRCH)
		return 0;
	return -errno;
}
