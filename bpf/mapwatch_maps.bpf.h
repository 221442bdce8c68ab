/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Load-time configuration, global data and the maps of the mapwatch
 * programs. Sizes are defaults; the loader may change max_entries before load.
 */
#ifndef MAPWATCH_MAPS_BPF_H
#define MAPWATCH_MAPS_BPF_H

#include "mapwatch_events.h"

/* Longest user path read in one go, NUL included: PATH_MAX. */
#define MW_PATH_READ_MAX 4096

/* Filters (--pid, --comm, --cgroup): a process passes when it matches every filter that is set. */
const volatile bool filter_pids_enabled = false;
const volatile __u32 filter_comms_count = 0;
const volatile char filter_comms[MW_FILTER_COMMS_MAX][MW_COMM_LEN] = {};
const volatile __u32 filter_cgroups_count = 0;
/* sched_process_exit carries group_dead (v6.16+): the loader checks the kernel's BTF. */
const volatile bool exit_has_group_dead = false;
/*
 * Records wait for userspace's timer, but every 2^wakeup_shift bytes of
 * them wake it: a burst is drained before it fills the ring, and an urgent
 * record never waits behind more than that. 0: never.
 */
const volatile __u32 wakeup_shift = 0;

/*
 * Occupied name slots per basename hash bucket. Both sides change it with
 * atomic adds (userspace through the mmap()ed .bss), incrementing before a
 * slot is claimed and decrementing after one is freed, so it never reads
 * lower than the slots that exist: a zero settles an unlink at once.
 */
__u32 name_counts[MW_NAME_COUNT_BUCKETS];
/* Entries of multilink_inodes; the kernel and userspace keep it the same way. */
__u64 multilink_count = 0;
/* Userspace's request to, and answer from, read_processes. */
struct mw_process_query process_query = {};
/* What the last audit_inodes run found. */
struct mw_inode_audit inode_audit = {};
/*
 * Inserts into tracked_inodes refused because it was full (--max-inodes):
 * userspace checks those files from /proc instead, and exports the count.
 */
__u64 inode_table_full = 0;
/*
 * Processes dirty_tgids had no room for: userspace then re-reads every
 * process, since it cannot know which ones lost records.
 */
__u64 dirty_table_full = 0;

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

/*
 * Processes that lost an event: userspace re-reads them from /proc. Not an
 * LRU: an eviction would drop a process silently; a refused insert is counted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
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

/* --cgroup: the cgroup v2 directories whose subtrees pass. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, MW_FILTER_CGROUPS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} filter_cgroups SEC(".maps");

/* Inserts happen once per new file, never on a mapping of a file already filed. */
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

/* Room for one path, too big for the 512-byte BPF stack. */
struct mw_path_buffer {
	char bytes[MW_PATH_READ_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_path_buffer);
} path_scratch SEC(".maps");

#endif /* MAPWATCH_MAPS_BPF_H */
