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
	/* ring buffer size: a power of two, at least a page; 0: 1 MiB */
	uint32_t ring_buffer_bytes;
	/* processes map_counts and tracked_tgids hold; 0: 65536 */
	uint32_t map_count_entries;
	/* inodes tracked_inodes and name_slots hold; 0: 131072 */
	uint32_t inode_entries;
	/* copy libbpf's own messages (verifier logs included) to stderr: for -vv */
	bool libbpf_debug;
};

/* A process's map count as the kernel saw it after its last mapping syscall. */
typedef int (*kernel_tracer_map_count_fn)(void *context, uint32_t tgid, uint32_t map_count,
					  uint64_t timestamp_ns);
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
/* Takes (and clears) up to max processes that lost events: re-read them from /proc. */
int kernel_tracer__take_dirty_pids(struct mw_kernel_tracer *tracer, uint32_t *pids, size_t max,
				   size_t *count);
/* Calls visit for every process in map_counts; stops at, and returns, a nonzero result. */
int kernel_tracer__read_map_counts(struct mw_kernel_tracer *tracer,
				   kernel_tracer_map_count_fn visit, void *context);

/*
 * Seeding from /proc: an inode mapped before the tracer started. The kernel
 * learns its address the next time it sees the file through an fd; until then
 * deletions in its basename bucket produce CHECK events. Already tracked: 0.
 */
int kernel_tracer__watch_inode(struct mw_kernel_tracer *tracer, uint32_t dev, uint64_t ino,
			       uint64_t name_hash);
/* The last mapping of an inode went: stop following it. Unknown inode: -ENOENT. */
int kernel_tracer__forget_inode(struct mw_kernel_tracer *tracer, uint32_t dev, uint64_t ino);
/* Seeding from /proc: a process with file mappings, whose unmaps must be reported. */
int kernel_tracer__track_process(struct mw_kernel_tracer *tracer, uint32_t tgid);

/* kernel_tracer__track_process for every process /proc lists now. */
int kernel_tracer__track_all_processes(struct mw_kernel_tracer *tracer);

/* FNV-1a of a basename: the bucket the kernel files it under. */
uint64_t kernel_tracer__name_hash(const char *basename);

#endif /* MAPWATCH_KERNEL_TRACER_H */
