/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel tracer: loads mapwatch's BPF programs and gives access to their
 * ring buffer and maps. All functions return 0 or -errno and print nothing;
 * kernel_tracer__open() puts a one-line cause and fix in the caller's buffer.
 */
#ifndef MAPWATCH_KERNEL_TRACER_H
#define MAPWATCH_KERNEL_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapwatch_events.h"

struct mw_kernel_tracer;

struct mw_kernel_options {
	/* --pid: only these processes (at most MW_FILTER_PIDS_MAX); none: all */
	const uint32_t *pids;
	size_t pid_count;
	/* --comm: only processes with one of these names (at most MW_FILTER_COMMS_MAX) */
	const char (*comms)[MW_COMM_LEN];
	size_t comm_count;
	/* --cgroup: only processes under these cgroup v2 directories (absolute paths) */
	const char *const *cgroup_directories;
	size_t cgroup_count;
	/*
	 * Map sizes: 0 keeps the size bpf/mapwatch.bpf.c declares. The ring
	 * buffer's (declared 8 MiB) is a power of two, at least a page.
	 */
	uint32_t ring_buffer_bytes;
	/* inodes tracked_inodes and name_slots hold (declared 131072) */
	uint32_t inode_entries;
	/* processes that lost events, waiting to be re-read (declared 4096) */
	uint32_t dirty_process_entries;
	/* copy libbpf's own messages (verifier logs included) to stderr: for -vv */
	bool libbpf_debug;
};

/* One ring buffer record, at least a header long; valid only during the call. */
typedef int (*kernel_tracer_record_fn)(void *context, const void *data, size_t size);

/*
 * Pre-flight checks (privileges, BTF, tracefs: mounted here if missing), then
 * open, configure, load and attach. On failure *out is NULL and error holds
 * a line for the user: the cause and the fix.
 */
int kernel_tracer__open(struct mw_kernel_tracer **out, const struct mw_kernel_options *options,
			char *error, size_t error_size);
/* Safe on NULL. Detaches everything. */
void kernel_tracer__destroy(struct mw_kernel_tracer *tracer);

/* Readable when an urgent event (deletion, CHECK) arrived; drain on a timer as well. */
int kernel_tracer__ring_buffer_fd(struct mw_kernel_tracer *tracer);
/*
 * Hands every record waiting in the ring buffer to consume, in order, and
 * returns how many, or the first negative value consume returned.
 */
int kernel_tracer__drain(struct mw_kernel_tracer *tracer, kernel_tracer_record_fn consume,
			 void *context);

/* Events the kernel side could not deliver since load, summed over CPUs. */
int kernel_tracer__lost_events(struct mw_kernel_tracer *tracer, uint64_t *lost);
/* Inodes the programs could not file since load: tracked_inodes was full (--max-inodes). */
uint64_t kernel_tracer__inode_table_full(struct mw_kernel_tracer *tracer);
/*
 * Processes the table of those that lost events had no room for, since load:
 * when it grows, every process must be re-read.
 */
uint64_t kernel_tracer__dirty_table_full(struct mw_kernel_tracer *tracer);
/* Takes (and clears) up to max processes that lost events: re-read them from /proc. */
int kernel_tracer__take_dirty_pids(struct mw_kernel_tracer *tracer, uint32_t *pids, size_t max,
				   size_t *count);
/*
 * Map counts and names of pids[0, count), read from the kernel now (not
 * from /proc): samples[i] answers pids[i]. Any count; batched inside.
 */
int kernel_tracer__read_processes(struct mw_kernel_tracer *tracer, const uint32_t *pids,
				  size_t count, struct mw_process_sample *samples);

/*
 * Checks the link count of every tracked inode the kernel knows the address
 * of; deletions no syscall reported come as MW_EVENT_UNLINK records with
 * MW_UNLINK_AUDIT. result may be NULL.
 */
int kernel_tracer__audit_inodes(struct mw_kernel_tracer *tracer, struct mw_inode_audit *result);

/*
 * Inodes as userspace knows them: file->dev and file->ino name one, and
 * file->inode (its address) and file->generation, where known (inode not 0),
 * tell it from a later file that reuses the number.
 *
 * watch: makes sure the kernel follows the inode, filed under name_hash:
 * inserts it if missing (returns 1); an entry seeded without an address
 * moves to that bucket if its name changed; else leaves it (returns 0). For inodes seeded from /proc, and to
 * repair a kernel table that lost one. -errno on failure (a full table: -E2BIG).
 */
int kernel_tracer__watch_inode(struct mw_kernel_tracer *tracer, const struct mw_file_id *file,
			       uint64_t name_hash);
/*
 * The last mapping of the inode went: stop following it, unless the kernel
 * has filed another file under the same number since (then returns 1 and
 * keeps it). 0 when forgotten, -ENOENT when the kernel did not have it.
 */
int kernel_tracer__forget_inode(struct mw_kernel_tracer *tracer, const struct mw_file_id *file);

/* FNV-1a of a basename: the bucket the kernel files it under. */
uint64_t kernel_tracer__name_hash(const char *basename);

#endif /* MAPWATCH_KERNEL_TRACER_H */
