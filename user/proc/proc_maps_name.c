// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * From the name the kernel prints for a VMA to its kind: only a regular file is
 * a file mapping (deploy/reference.md, "Terms").
 */
#include <stdbool.h>
#include <string.h>
#include "proc_maps_internal.h"

static bool has_prefix(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/*
 * Shared memory that is file-backed inside the kernel but is not a file anyone
 * named: memfd_create(), SysV shm, MAP_SHARED|MAP_ANONYMOUS (shmem "/dev/zero")
 * and its hugetlb twin. The kernel always marks the last two " (deleted)".
 */
bool proc_maps_name__is_shared_memory(const struct mw_vma *vma)
{
	if (has_prefix(vma->path, "/memfd:") || has_prefix(vma->path, "/SYSV"))
		return true;
	return vma->deleted &&
	       (strcmp(vma->path, "/dev/zero") == 0 || strcmp(vma->path, "/anon_hugepage") == 0);
}

static enum mw_vma_kind kind_from_path(const struct mw_vma *vma)
{
	if (vma->path[0] == '\0')
		return MW_VMA_ANONYMOUS;
	/* [heap], [stack], [vdso], [anon:NAME] have no inode; anon_inode:... has one */
	if (vma->path[0] != '/')
		return vma->ino ? MW_VMA_SPECIAL_FILE : MW_VMA_ANONYMOUS;
	if (proc_maps_name__is_shared_memory(vma))
		return MW_VMA_SPECIAL_FILE;
	/* Without a stat, /dev holds device nodes, except the POSIX shm files of /dev/shm. */
	if (has_prefix(vma->path, "/dev/") && !has_prefix(vma->path, "/dev/shm/"))
		return MW_VMA_SPECIAL_FILE;
	return MW_VMA_FILE;
}

void proc_maps_name__set(struct mw_vma *vma, const char *name, size_t length)
{
	size_t suffix_length = strlen(MAPS_DELETED_SUFFIX);

	/* Stripped once: "x (deleted) (deleted)" is a deleted file named "x (deleted)". */
	vma->deleted = length > suffix_length && memcmp(name + length - suffix_length,
							MAPS_DELETED_SUFFIX, suffix_length) == 0;
	if (vma->deleted)
		length -= suffix_length;
	/* Paths longer than PATH_MAX only come from the text file; keep their head. */
	if (length >= sizeof(vma->path))
		length = sizeof(vma->path) - 1;
	memcpy(vma->path, name, length);
	vma->path[length] = '\0';
	vma->kind = kind_from_path(vma);
}
