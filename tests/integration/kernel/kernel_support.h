/* SPDX-License-Identifier: GPL-2.0 */
/* Loading the real tracer, collecting its records, and files to map, for the root tests. */
#ifndef MAPWATCH_KERNEL_SUPPORT_H
#define MAPWATCH_KERNEL_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kernel_tracer.h"

/*
 * How long a test waits for a record it expects. The kernel writes a record
 * before the syscall that makes it returns, so the first drain usually has
 * it; the deadline only ends a wait that would never end, with room for a
 * machine whose cores are busy with other work.
 */
#define SUPPORT_WAIT_MS 60000

/* Largest record the kernel sends (mw_mmap_event), rounded up. */
#define SUPPORT_RECORD_MAX 272

struct support_record {
	size_t size;
	union {
		struct mw_event_header header;
		struct mw_mmap_event mmap;
		struct mw_munmap_event munmap;
		struct mw_mremap_event mremap;
		struct mw_mprotect_event mprotect;
		struct mw_file_event file;
		struct mw_rename_event rename;
		struct mw_check_event check;
		struct mw_fork_event fork;
		struct mw_exec_event exec;
		struct mw_exit_event exit;
		unsigned char bytes[SUPPORT_RECORD_MAX];
	};
};

struct support_records {
	struct support_record *items;
	size_t count;
	size_t capacity;
};

/* Which records a test looks for; 0 fields match anything. */
struct support_match {
	uint32_t type;
	uint32_t pid;
	uint64_t ino; /* file events, MMAP */
	uint64_t addr; /* MMAP, MUNMAP */
	uint32_t flags_set; /* header.flags must have these */
	uint32_t flags_clear; /* and not these */
};

/* Loads the tracer; skips the test when it cannot, fails instead when CI=true. */
struct mw_kernel_tracer *support_load(const struct mw_kernel_options *options);
/* Drains everything waiting into records. */
void support_drain(struct mw_kernel_tracer *tracer, struct support_records *records);
/* Drains until a record matches or timeout_ms passes; the match or NULL. */
const struct support_record *support_wait_for(struct mw_kernel_tracer *tracer,
					      struct support_records *records,
					      const struct support_match *match, int timeout_ms);
size_t support_count(const struct support_records *records, const struct support_match *match);
const struct support_record *support_find(const struct support_records *records,
					  const struct support_match *match);
void support_records_free(struct support_records *records);

/* A fresh directory under parent; the caller removes it with support_remove_tree. */
void support_make_dir(const char *parent, char *path, size_t path_size);
void support_remove_tree(const char *path);
/* Creates path with size bytes and returns an open O_RDWR fd. */
int support_create_file(const char *path, size_t size);
/* The kernel's dev_t encoding of a userspace st_dev. */
uint32_t support_kernel_dev(dev_t dev);
uint64_t support_now_ns(void);
/* Lines of /proc/self/maps that are VMAs ([vsyscall] is not one). */
int support_count_vmas(void);
/*
 * The state letter of thread @tid of this process (R, S, Z...), and in
 * @syscall_nr the syscall it is blocked in, -1 when it is not blocked in one;
 * 0 when the thread is gone. Fails no test: threads of forked children use it.
 */
char support_thread_state(pid_t tid, long *syscall_nr);

/* A file made under dir and mapped shared (its fd closed), for the tests to delete. */
struct support_mapped_file {
	char path[PATH_MAX];
	int fd;
	void *mapping;
	size_t length;
	struct stat st;
};

void support_map_file(struct support_mapped_file *file, const char *dir, const char *name,
		      size_t length);
void support_unmap_file(struct support_mapped_file *file);
/* Waits until the tracer has sent the file's MMAP record; fails the test after SUPPORT_WAIT_MS. */
const struct support_record *support_wait_mapped(struct mw_kernel_tracer *tracer,
						 struct support_records *records,
						 struct support_mapped_file *file);
/* The file's UNLINK record with these flags, waited for up to timeout_ms; NULL if none. */
const struct support_record *support_wait_unlink(struct mw_kernel_tracer *tracer,
						 struct support_records *records,
						 struct support_mapped_file *file,
						 uint32_t flags_set, uint32_t flags_clear,
						 int timeout_ms);

/* The file as /proc seeding knows it: {dev, ino}, no kernel address. */
#define support_seeded_id(st) \
	((struct mw_file_id){ .ino = (st)->st_ino, .dev = support_kernel_dev((st)->st_dev) })

#endif /* MAPWATCH_KERNEL_SUPPORT_H */
