/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Load-time configuration and the maps of the mapwatch programs. Sizes are
 * defaults; the loader may change max_entries before load.
 */
#ifndef MAPWATCH_MAPS_BPF_H
#define MAPWATCH_MAPS_BPF_H

#include "mapwatch_events.h"

/* Longest user path or dentry name read in one go, NUL included. */
#define MW_PATH_READ_MAX 256

/* Filters (--pid, --comm): a process passes when it matches every filter that is set. */
const volatile bool filter_pids_enabled = false;
const volatile __u32 filter_comms_count = 0;
const volatile char filter_comms[MW_FILTER_COMMS_MAX][MW_COMM_LEN] = {};
/* sched_process_exit carries group_dead (v6.16+): the loader checks the kernel's BTF. */
const volatile bool exit_has_group_dead = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Ring buffer reservations that failed, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/* Processes that lost an event: userspace re-reads them from /proc. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} dirty_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_FILTER_PIDS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

/* Syscall arguments saved at entry for the exit handler, by thread id. */
struct mw_pending_args {
	__u64 args[6];
};

/* LRU: a thread killed inside a syscall never reaches the exit handler. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct mw_pending_args);
} pending_args SEC(".maps");

/* Basename hashes of the path(s) an unlink, rename or truncate names; 0 when unreadable. */
struct mw_pending_paths {
	__u64 name_hash[2];
	__u32 kind;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct mw_pending_paths);
} pending_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mw_inode_key);
	__type(value, struct mw_tracked_inode);
} tracked_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mw_name_slot_key);
	__type(value, struct mw_inode_key);
} name_slots SEC(".maps");

/*
 * Tracked inodes whose mapped name went while other hard links remain: every
 * unlink and rename walks this small map to see the last name go.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct mw_inode_key);
	__type(value, __u64);
} multilink_inodes SEC(".maps");

/* Processes with at least one file mapping: their unmaps matter to userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} tracked_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct mw_map_count);
} map_counts SEC(".maps");

/* Room for one name, too big for the 512-byte BPF stack next to everything else. */
struct mw_name_buffer {
	char bytes[MW_PATH_READ_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_name_buffer);
} name_scratch SEC(".maps");

#endif /* MAPWATCH_MAPS_BPF_H */
