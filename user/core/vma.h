/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One VMA as /proc reports it, the unit /proc seeding hands to the tracker. */
#ifndef MAPWATCH_CORE_VMA_H
#define MAPWATCH_CORE_VMA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum mw_vma_kind {
	MW_VMA_ANONYMOUS = 0, /* anonymous, [heap], [stack], [vdso], ... */
	MW_VMA_FILE, /* a regular file: counts as a file mapping */
	MW_VMA_SPECIAL_FILE, /* memfd:, /SYSV, /dev/zero (deleted), device files: never counted */
};

struct mw_vma {
	uint64_t start;
	uint64_t end;
	uint64_t offset; /* bytes */
	uint64_t ino;
	uint32_t dev; /* kernel encoding: major << 20 | minor */
	uint32_t prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared; /* 's' in /proc/PID/maps */
	bool deleted; /* the kernel printed " (deleted)" */
	enum mw_vma_kind kind;
	/* Filled by the reader for MW_VMA_FILE when it can stat the mapping: */
	bool file_stat_known;
	/*
	 * st_dev, kernel encoding: with ino, the file's identity. It differs from
	 * dev where one filesystem repeats inode numbers (btrfs subvolumes and
	 * snapshots, which the maps line all gives the filesystem's device).
	 * 0: not told, dev stands in.
	 */
	uint32_t file_dev;
	uint32_t nlink;
	uint64_t file_size;
	uint64_t file_disk_bytes; /* st_blocks * 512: the disk space the file holds */
	char path[PATH_MAX]; /* as /proc prints it, without " (deleted)" */
};

/* The device that, with ino, tells the VMA's file apart: stat's when known. */
static inline uint32_t mw_vma_file_dev(const struct mw_vma *vma)
{
	return vma->file_stat_known && vma->file_dev ? vma->file_dev : vma->dev;
}

#endif
