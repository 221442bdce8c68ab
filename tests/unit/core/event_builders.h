/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Synthetic kernel records, as the BPF side would write them. */
#ifndef MAPWATCH_TEST_EVENT_BUILDERS_H
#define MAPWATCH_TEST_EVENT_BUILDERS_H

#include <string.h>
#include <sys/mman.h>
#include "event.h"
#include "tracker.h"

#define PAGE 4096ULL
#define SECOND 1000000000ULL

static inline void build_header(union mw_event *event, uint32_t type, size_t size, uint32_t pid,
				uint64_t timestamp_ns)
{
	memset(event, 0, sizeof(*event));
	event->header.type = type;
	event->header.size = (uint32_t)size;
	event->header.pid = pid;
	event->header.tid = pid;
	event->header.timestamp_ns = timestamp_ns;
	event->header.map_count = 10;
	strcpy(event->header.comm, "java");
}

static inline union mw_event mmap_file(uint32_t pid, uint64_t ts, uint64_t addr, uint64_t length,
				       uint64_t offset, uint64_t ino, uint64_t size,
				       const char *name)
{
	union mw_event event;

	build_header(&event, MW_EVENT_MMAP, sizeof(event.mmap), pid, ts);
	event.header.flags = MW_MMAP_FILE;
	event.mmap.addr = addr;
	event.mmap.length = length;
	event.mmap.offset = offset;
	event.mmap.prot = PROT_READ | PROT_WRITE;
	event.mmap.map_flags = MAP_SHARED;
	event.mmap.file.dev = (254u << 20) | 0;
	event.mmap.file.ino = ino;
	event.mmap.file.size = size;
	event.mmap.file.nlink = 1;
	strncpy(event.mmap.name, name, MW_NAME_LEN - 1);
	event.mmap.name_hash = tracker__name_hash(name);
	return event;
}

/* The kernel's address and generation of the file an MMAP record names. */
static inline union mw_event identified(union mw_event event, uint64_t address, uint32_t generation)
{
	event.header.flags |= MW_MMAP_INODE_KNOWN;
	event.mmap.file.inode = address;
	event.mmap.file.generation = generation;
	return event;
}

/* The same MMAP as the kernel sends it for an inode it had filed: no name. */
static inline union mw_event filed(union mw_event event)
{
	event.header.flags |= MW_MMAP_INODE_FILED;
	event.header.size = (uint32_t)MW_MMAP_EVENT_FILED_SIZE;
	memset(event.mmap.name, 0, sizeof(event.mmap.name));
	return event;
}

static inline union mw_event mmap_anonymous(uint32_t pid, uint64_t ts, uint64_t addr,
					    uint64_t length)
{
	union mw_event event;

	build_header(&event, MW_EVENT_MMAP, MW_MMAP_EVENT_FILED_SIZE, pid, ts);
	event.mmap.addr = addr;
	event.mmap.length = length;
	event.mmap.prot = PROT_READ | PROT_WRITE;
	event.mmap.map_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	return event;
}

static inline union mw_event munmap_range(uint32_t pid, uint64_t ts, uint64_t addr, uint64_t length)
{
	union mw_event event;

	build_header(&event, MW_EVENT_MUNMAP, sizeof(event.munmap), pid, ts);
	event.munmap.addr = addr;
	event.munmap.length = length;
	return event;
}

static inline union mw_event mremap_range(uint32_t pid, uint64_t ts, uint64_t old_addr,
					  uint64_t old_length, uint64_t new_addr,
					  uint64_t new_length, uint32_t flags)
{
	union mw_event event;

	build_header(&event, MW_EVENT_MREMAP, sizeof(event.mremap), pid, ts);
	event.mremap.old_addr = old_addr;
	event.mremap.old_length = old_length;
	event.mremap.new_addr = new_addr;
	event.mremap.new_length = new_length;
	event.mremap.mremap_flags = flags;
	return event;
}

static inline union mw_event mprotect_range(uint32_t pid, uint64_t ts, uint64_t addr,
					    uint64_t length, uint32_t prot)
{
	union mw_event event;

	build_header(&event, MW_EVENT_MPROTECT, sizeof(event.mprotect), pid, ts);
	event.mprotect.addr = addr;
	event.mprotect.length = length;
	event.mprotect.prot = prot;
	return event;
}

/* madvise, mlock, munlock, remap_file_pages, mlockall, munlockall: one RANGE record. */
static inline union mw_event range_change(uint32_t pid, uint64_t ts, uint32_t op, uint64_t addr,
					  uint64_t length, uint64_t value)
{
	union mw_event event;

	build_header(&event, MW_EVENT_RANGE, sizeof(event.range), pid, ts);
	event.range.addr = addr;
	event.range.length = length;
	event.range.value = value;
	event.range.op = op;
	return event;
}

static inline union mw_event file_event(uint32_t type, uint32_t pid, uint64_t ts, uint64_t ino,
					uint64_t size, uint32_t nlink, uint32_t flags)
{
	union mw_event event;

	build_header(&event, type, sizeof(event.file), pid, ts);
	event.header.flags = flags;
	event.file.file.dev = (254u << 20) | 0;
	event.file.file.ino = ino;
	event.file.file.size = size;
	event.file.file.nlink = nlink;
	return event;
}

static inline union mw_event unlink_file(uint32_t pid, uint64_t ts, uint64_t ino, bool last)
{
	return file_event(MW_EVENT_UNLINK, pid, ts, ino, 0, last ? 0 : 1,
			  last ? MW_UNLINK_LAST : 0);
}

static inline union mw_event truncate_file(uint32_t pid, uint64_t ts, uint64_t ino, uint64_t size)
{
	return file_event(MW_EVENT_TRUNCATE, pid, ts, ino, size, 1, 0);
}

static inline union mw_event rename_file(uint32_t pid, uint64_t ts, uint64_t ino,
					 const char *new_name)
{
	union mw_event event;

	build_header(&event, MW_EVENT_RENAME, sizeof(event.rename), pid, ts);
	event.rename.file.dev = (254u << 20) | 0;
	event.rename.file.ino = ino;
	event.rename.file.nlink = 1;
	strncpy(event.rename.name, new_name, MW_NAME_LEN - 1);
	event.rename.name_hash = tracker__name_hash(new_name);
	return event;
}

static inline union mw_event check_name(uint32_t pid, uint64_t ts, const char *name)
{
	union mw_event event;

	build_header(&event, MW_EVENT_CHECK, sizeof(event.check), pid, ts);
	event.header.flags = MW_CHECK_BUCKET_FULL;
	event.check.name_hash = tracker__name_hash(name);
	return event;
}

static inline union mw_event fork_process(uint32_t parent, uint64_t ts, uint32_t child,
					  bool shared_mm)
{
	union mw_event event;

	build_header(&event, MW_EVENT_FORK, sizeof(event.fork), parent, ts);
	event.header.flags = shared_mm ? MW_FORK_SHARED_MM : 0;
	event.fork.child_pid = child;
	return event;
}

static inline union mw_event exec_process(uint32_t pid, uint64_t ts, const char *comm)
{
	union mw_event event;

	build_header(&event, MW_EVENT_EXEC, sizeof(event.exec), pid, ts);
	strncpy(event.header.comm, comm, MW_COMM_LEN - 1);
	event.exec.old_pid = pid;
	return event;
}

static inline union mw_event exit_process(uint32_t pid, uint64_t ts)
{
	union mw_event event;

	build_header(&event, MW_EVENT_EXIT, sizeof(event.exit), pid, ts);
	event.header.map_count = 0;
	return event;
}

#endif
