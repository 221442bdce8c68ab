/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The query the read_page_cache program answers (mapwatch_cache.bpf.c),
 * compiled on both sides as mapwatch_events.h is: fixed-width types,
 * explicit padding, a size check.
 */
#ifndef MAPWATCH_CACHE_H
#define MAPWATCH_CACHE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Files one read_page_cache run measures. */
#define MW_CACHE_QUERY_MAX 4096

/* mw_cache_probe.status */
enum mw_cache_status {
	MW_CACHE_UNREAD = 0, /* the program did not get to it */
	MW_CACHE_READ = 1, /* pages holds the file's page cache */
	MW_CACHE_NO_PROCESS = 2, /* pid names no process now */
	MW_CACHE_NO_MAPPING = 3, /* nothing is mapped at address, or the process has no mm */
	MW_CACHE_BUSY = 4, /* the process's mmap lock was taken for writing */
	MW_CACHE_OTHER_FILE = 5, /* address maps another file than the one asked about */
};

/*
 * One deleted file, named by one of its mappings: the program looks the
 * mapping up under the process's mmap lock, where the VMA holds the file and
 * the file its inode, so what it reads cannot be freed under it.
 */
struct mw_cache_probe {
	__u64 inode; /* in: kernel address of the struct inode mapped; 0: unknown */
	__u64 ino; /* in: with dev, names the file when inode is unknown */
	__u64 address; /* in: an address pid maps the file at */
	__u64 pages; /* out: pages in the file's page cache (address_space.nrpages) */
	__u32 pid; /* in: a process that maps it (thread group id) */
	__u32 dev; /* in: i_sb->s_dev, as /proc/PID/maps spells it */
	__u32 generation; /* in: i_generation, valid with inode */
	__u32 status; /* out: enum mw_cache_status */
};
_Static_assert(sizeof(struct mw_cache_probe) == 48, "mw_cache_probe layout");

struct mw_cache_query {
	__u32 count; /* in: probes[0, count) are asked about */
	__u32 pad;
	struct mw_cache_probe probes[MW_CACHE_QUERY_MAX];
};

#endif /* MAPWATCH_CACHE_H */
