/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The VMAs of one process, read from /proc: by parsing /proc/PID/maps text,
 * or on request through the PROCMAP_QUERY ioctl where the kernel has it
 * (6.11+). Both give the same struct mw_vma, path spelled as the text spells
 * it. A whole-process walk reads the text: one read() returns hundreds of
 * VMAs, where the ioctl costs a syscall (and a VMA lock) for each, which is
 * slower as soon as syscalls are (measured: 1.8x the text on a slow day).
 */
#ifndef MAPWATCH_PROC_MAPS_H
#define MAPWATCH_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "vma.h"

/* Hand back only file-backed VMAs (MW_VMA_FILE, MW_VMA_SPECIAL_FILE); all are counted. */
#define MW_PROC_MAPS_FILES_ONLY (1u << 0)
/* Walk with PROCMAP_QUERY where the kernel answers it, the text otherwise (tests, benchmarks). */
#define MW_PROC_MAPS_QUERY (1u << 1)
/* Do not stat file VMAs through map_files: no nlink/file_size, kind from the path alone. */
#define MW_PROC_MAPS_NO_STAT (1u << 2)

struct mw_proc_maps_stats {
	uint64_t map_count; /* every VMA, the figure vm.max_map_count limits */
	bool used_query; /* PROCMAP_QUERY answered rather than the text */
	uint64_t stat_failures; /* file VMAs whose map_files entry could not be stat'ed */
	uint64_t files_stated; /* stat calls made: a file the cache already knew costs none */
};

/* Called once per VMA; a nonzero return stops the walk and is returned. */
typedef int (*proc_maps_fn)(const struct mw_vma *vma, void *ctx);

/*
 * Walks the VMAs of @pid in address order. Returns 0, -ESRCH when the process
 * does not exist or exited during the walk (nothing it handed out is then to
 * be trusted), -EACCES/-EPERM without the right to read it, or another -errno.
 * @stats may be NULL.
 */
int proc_maps__for_each(pid_t pid, unsigned int flags, proc_maps_fn fn, void *ctx,
			struct mw_proc_maps_stats *stats);

struct mw_stat_cache;

/*
 * The same walk with stat results kept in @cache (stat_cache.h) from one call
 * to the next: a scan of every process stats each inode once.
 */
int proc_maps__for_each_cached(pid_t pid, unsigned int flags, struct mw_stat_cache *cache,
			       proc_maps_fn fn, void *ctx, struct mw_proc_maps_stats *stats);

/*
 * A growing array of VMAs, for proc_maps__for_each's callback. A VMA is mostly
 * its PATH_MAX path buffer: each copy takes only the part the name uses.
 */
struct mw_vma_list {
	struct mw_vma *items;
	size_t count;
	size_t capacity;
};

/* A proc_maps_fn appending to the struct mw_vma_list @list; -ENOMEM when it cannot grow. */
int vma_list__append(const struct mw_vma *vma, void *list);

/* The same walk collected into a malloc'ed array the caller frees; *vmas NULL when empty. */
int proc_maps__read(pid_t pid, unsigned int flags, struct mw_vma **vmas, size_t *count,
		    struct mw_proc_maps_stats *stats);

/*
 * stat() of the file a mapping maps, through /proc/PID/map_files/START-END: it
 * reaches deleted files too, but needs CAP_SYS_ADMIN. -ENOENT when no VMA has
 * exactly that range (any more), -EPERM without the capability.
 */
int proc_maps__stat_mapping(pid_t pid, uint64_t start, uint64_t end, struct stat *st);

/*
 * The path of the file a mapping maps, as /proc/PID/maps spells it, through
 * map_files (CAP_SYS_ADMIN); without the " (deleted)" the kernel appends to an
 * unlinked file's name when @unlinked (a live file may be named so). -errno.
 */
int proc_maps__mapping_path(pid_t pid, uint64_t start, uint64_t end, bool unlinked, char *path,
			    size_t size);

/* Whether this kernel answers PROCMAP_QUERY (probed once). */
bool proc_maps__query_supported(void);

/*
 * Parses one line of /proc/PID/maps (without its newline) into @vma, kind
 * decided from the path only. Returns 0 or -EINVAL for a malformed line.
 */
int proc_maps__parse_line(const char *line, size_t length, struct mw_vma *vma);

/*
 * An orphaned mapping as deploy/reference.md ("Terms") defines it: a regular
 * file with no links left. Without a stat the kernel's " (deleted)" marker
 * stands in, which overcounts a file that lost one hard link but kept another.
 */
bool proc_maps__is_orphaned(const struct mw_vma *vma);

#endif
