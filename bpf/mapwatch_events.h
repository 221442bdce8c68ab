/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records the BPF programs write to the ring buffer, and the maps userspace
 * shares with them. Compiled on both sides: by clang -target bpf after
 * vmlinux.h, and by the userspace compiler after <linux/types.h>. Only
 * fixed-width types, explicit padding, and a size check per record, so a
 * layout change on one side fails the build instead of corrupting decoding.
 */
#ifndef MAPWATCH_EVENTS_H
#define MAPWATCH_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MW_COMM_LEN 16
/* Basename bytes an event carries, NUL included. Longer names are cut and flagged. */
#define MW_NAME_LEN 128
/* Inodes one basename bucket holds in the kernel before userspace must resolve. */
#define MW_NAME_SLOTS 8
/* Filters the kernel applies itself (--pid, --comm). */
#define MW_FILTER_PIDS_MAX 64
#define MW_FILTER_COMMS_MAX 8
#define MW_FILTER_CGROUPS_MAX 8
/*
 * Occupied name slots per (basename hash % MW_NAME_COUNT_BUCKETS): an unlink
 * whose bucket counts zero is settled with one array read. A power of two.
 */
#define MW_NAME_COUNT_BUCKETS (1u << 18)
/* Processes one read_processes run samples. */
#define MW_PROCESS_QUERY_MAX 2048

enum mw_event_type {
	MW_EVENT_MMAP = 1, /* a mapping was made (file, or anonymous MAP_FIXED over a range) */
	MW_EVENT_MUNMAP = 2,
	MW_EVENT_MREMAP = 3,
	MW_EVENT_MPROTECT = 4, /* may split or merge VMAs of a tracked process */
	MW_EVENT_TRUNCATE = 5, /* a tracked inode's size was set by ftruncate/truncate */
	MW_EVENT_UNLINK = 6, /* a tracked inode lost a name; MW_UNLINK_LAST when nlink hit 0 */
	MW_EVENT_RENAME = 7, /* a tracked inode's name changed */
	MW_EVENT_CHECK = 8, /* the kernel could not decide: userspace checks the bucket */
	MW_EVENT_FORK = 9, /* a new process (not a thread) */
	MW_EVENT_EXEC = 10,
	MW_EVENT_EXIT = 11, /* the whole thread group is gone */
	/* madvise, mlock, munlock, remap_file_pages: may split or merge VMAs of a tracked process */
	MW_EVENT_RANGE = 12,
	MW_EVENT_TYPE_COUNT
};

/* mw_event_header.flags for MW_EVENT_MMAP */
#define MW_MMAP_FILE \
	(1u << 0) /* a regular file on a user-visible mount: counts as a file mapping */
#define MW_MMAP_NAME_TRUNCATED (1u << 1)
#define MW_MMAP_INODE_KNOWN (1u << 2) /* file.inode holds the kernel inode address */
/*
 * The kernel had this inode filed already, under file.inode and
 * file.generation: the record stops before name[] (MW_MMAP_EVENT_FILED_SIZE)
 * and name_hash is the bucket it stands in.
 */
#define MW_MMAP_INODE_FILED (1u << 3)
/* MAP_SHARED of an fd open for writing: the kernel keeps VM_SHARED and VM_MAYWRITE */
#define MW_MMAP_FD_WRITABLE (1u << 4)
/* mw_event_header.flags for MW_EVENT_UNLINK */
#define MW_UNLINK_LAST (1u << 0) /* link count reached 0: every mapping of it is now orphaned */
/* Found by the periodic audit, not by the syscall: the time is the audit's. */
#define MW_UNLINK_AUDIT (1u << 1)
/* mw_event_header.flags for MW_EVENT_FORK */
#define MW_FORK_SHARED_MM (1u << 0) /* CLONE_VM without CLONE_THREAD (vfork): no copy of mappings */
/*
 * Other tasks (threads) shared the parent's address space as it forked: a
 * change one of them made just after the copy may be recorded before this
 * record, and one made just before it after, so the copy is not to be
 * rebuilt from the parent's records alone.
 */
#define MW_FORK_MM_SHARED_BY_OTHERS (1u << 1)
/* mw_event_header.flags for MW_EVENT_CHECK */
#define MW_CHECK_BUCKET_FULL (1u << 0) /* more inodes share the basename than the kernel holds */
#define MW_CHECK_INODE_UNKNOWN (1u << 1) /* seeded from /proc, kernel address not learned yet */
#define MW_CHECK_RENAME (1u << 2) /* a rename touched the bucket: names may have moved */
#define MW_CHECK_TRUNCATE (1u << 3) /* truncate(path) touched the bucket: sizes may have changed */
#define MW_CHECK_PATH_UNREADABLE (1u << 4) /* path not readable whole: name_hash 0, any bucket */

struct mw_event_header {
	__u64 timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 type; /* enum mw_event_type */
	__u32 size; /* bytes of the whole record, header included */
	__u32 pid; /* thread group id */
	__u32 tid;
	__u32 map_count; /* mm->map_count when the event was made; 0 when there is no mm */
	__u32 flags; /* per type, see above */
	char comm[MW_COMM_LEN]; /* of the thread group leader, as /proc/PID/comm shows it */
};
_Static_assert(sizeof(struct mw_event_header) == 48, "mw_event_header layout");

/*
 * A file as the kernel sees it. Devices are the kernel's encoding (major << 20
 * | minor). {dev, ino} is the file's identity as stat() gives it: dev is the
 * device stat() reports, which on btrfs is the subvolume's (or snapshot's),
 * while maps_dev is the filesystem's, the one /proc/PID/maps prints and that
 * every subvolume repeats with the same inode numbers. {dev, ino} names a
 * file only while it lives: ext4 hands a freed inode number to the next new
 * file at once, so inode and generation tell the new file from the old one.
 * On a stacking filesystem (overlayfs) inode is the real (upper or lower)
 * inode the mapping holds, whose links decide deletion; ino and the devices
 * stay the overlay's, as /proc shows them.
 */
struct mw_file_id {
	__u64 inode; /* kernel address of struct inode, 0 if unknown */
	__u64 ino;
	__u64 size; /* i_size when the event was made */
	__u32 dev; /* as stat() reports it */
	__u32 nlink; /* i_nlink of the inode held, when the event was made */
	__u32 generation; /* i_generation, valid when inode is */
	__u32 maps_dev; /* i_sb->s_dev, as /proc/PID/maps spells it; 0 when not read */
};
_Static_assert(sizeof(struct mw_file_id) == 40, "mw_file_id layout");

struct mw_mmap_event {
	struct mw_event_header header;
	__u64 addr; /* start of the new mapping (the syscall's return value) */
	__u64 length;
	__u64 offset; /* file offset in bytes */
	__u32 prot;
	__u32 map_flags; /* MAP_* as passed to mmap */
	struct mw_file_id file; /* zero when not MW_MMAP_FILE */
	__u64 name_hash; /* mw_name_hash() of the basename */
	/*
	 * The open file (struct file address) mapped: the kernel merges VMAs of
	 * one open file only, so two mmaps of one inode through two opens stay apart.
	 */
	__u64 file_ref;
	char name[MW_NAME_LEN]; /* basename, NUL-terminated; absent with MW_MMAP_INODE_FILED */
};
_Static_assert(sizeof(struct mw_mmap_event) == 48 + 32 + 40 + 16 + MW_NAME_LEN,
	       "mw_mmap_event layout");
/* An MMAP record of an inode the kernel had filed: everything before name[]. */
#define MW_MMAP_EVENT_FILED_SIZE (sizeof(struct mw_mmap_event) - MW_NAME_LEN)

struct mw_munmap_event {
	struct mw_event_header header;
	__u64 addr;
	__u64 length;
};
_Static_assert(sizeof(struct mw_munmap_event) == 64, "mw_munmap_event layout");

struct mw_mremap_event {
	struct mw_event_header header;
	__u64 old_addr;
	__u64 old_length;
	__u64 new_addr; /* the syscall's return value */
	__u64 new_length;
	__u32 mremap_flags; /* MREMAP_* */
	__u32 pad;
};
_Static_assert(sizeof(struct mw_mremap_event) == 88, "mw_mremap_event layout");

/* mprotect, and pkey_mprotect */
struct mw_mprotect_event {
	struct mw_event_header header;
	__u64 addr;
	__u64 length;
	__u32 prot;
	__s32 pkey; /* -1: each VMA keeps its protection key (mprotect) */
};
_Static_assert(sizeof(struct mw_mprotect_event) == 72, "mw_mprotect_event layout");

/* mw_range_event.op */
enum mw_range_op {
	MW_RANGE_MADVISE = 1, /* value: the advice; only those that change VMA flags are sent */
	MW_RANGE_MLOCK = 2, /* value: mlock2 flags (MLOCK_ONFAULT) */
	MW_RANGE_MUNLOCK = 3,
	MW_RANGE_REMAP_PAGES = 4, /* remap_file_pages; value: the new file offset in pages */
	/* mlockall: every VMA, and those mapped from then on; value: MCL_* flags; no range */
	MW_RANGE_MLOCKALL = 5,
	MW_RANGE_MUNLOCKALL = 6, /* every VMA, and the default for new ones; no range */
};

struct mw_range_event {
	struct mw_event_header header;
	__u64 addr;
	__u64 length;
	__u64 value;
	__u32 op; /* enum mw_range_op */
	__u32 pad;
};
_Static_assert(sizeof(struct mw_range_event) == 80, "mw_range_event layout");

/* MW_EVENT_TRUNCATE and MW_EVENT_UNLINK: file.size and file.nlink are the values after the call. */
struct mw_file_event {
	struct mw_event_header header;
	struct mw_file_id file;
};
_Static_assert(sizeof(struct mw_file_event) == 88, "mw_file_event layout");

struct mw_rename_event {
	struct mw_event_header header;
	struct mw_file_id file;
	__u64 name_hash; /* of the new basename */
	char name[MW_NAME_LEN]; /* new basename */
};
_Static_assert(sizeof(struct mw_rename_event) == 88 + 8 + MW_NAME_LEN, "mw_rename_event layout");

/* The kernel could not settle an unlink, rename or truncate by itself. */
struct mw_check_event {
	struct mw_event_header header;
	__u64 name_hash; /* bucket of the basename the syscall touched */
	__u32 syscall_result; /* 0: the syscall succeeded */
	__u32 pad;
};
_Static_assert(sizeof(struct mw_check_event) == 64, "mw_check_event layout");

struct mw_fork_event {
	struct mw_event_header header; /* pid: the parent */
	__u32 child_pid;
	__u32 pad;
};
_Static_assert(sizeof(struct mw_fork_event) == 56, "mw_fork_event layout");

struct mw_exec_event {
	struct mw_event_header header; /* pid: the process after exec */
	__u32 old_pid; /* differs from pid when a non-leader thread called exec */
	__u32 pad;
};
_Static_assert(sizeof(struct mw_exec_event) == 56, "mw_exec_event layout");

struct mw_exit_event {
	struct mw_event_header header;
	__u32 exit_code;
	__u32 pad;
};
_Static_assert(sizeof(struct mw_exit_event) == 56, "mw_exit_event layout");

/*
 * Kernel maps userspace reads or writes.
 *
 * tracked_inodes: every inode the agent holds a mapping of, keyed by {dev,
 * ino} as stat() gives them (mw_file_id). The kernel files the ones it sees
 * mapped; userspace inserts the ones it seeds from /proc (inode 0: address
 * unknown, learned the next time the kernel sees the file through an fd) and
 * deletes them a while after their last mapping goes, unless the kernel has
 * filed another file under the same number since.
 */
struct mw_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};
_Static_assert(sizeof(struct mw_inode_key) == 16, "mw_inode_key layout");

/* mw_tracked_inode.flags */
#define MW_TRACKED_DELETED (1u << 0) /* its last link's removal was reported */

struct mw_tracked_inode {
	/* kernel address of the struct inode the mapping holds (mw_file_id), 0 until learned */
	__u64 inode;
	__u64 dentry; /* kernel address of the dentry it was mapped through, 0 if unknown */
	__u64 name_hash; /* bucket it stands in */
	__u32 generation; /* i_generation, valid when inode is */
	__u16 slot; /* its slot in that bucket, MW_NAME_SLOTS if none */
	__u16 flags;
};
_Static_assert(sizeof(struct mw_tracked_inode) == 32, "mw_tracked_inode layout");

/*
 * name_slots: {basename hash, slot} -> inode. An unlink, rename or truncate by
 * path looks up only the MW_NAME_SLOTS slots of its basename, so the cost to the
 * calling task does not grow with the number of tracked inodes.
 */
struct mw_name_slot_key {
	__u64 name_hash;
	__u32 slot;
	__u32 pad;
};
_Static_assert(sizeof(struct mw_name_slot_key) == 16, "mw_name_slot_key layout");

/*
 * What the read_processes program answers for one pid: the kernel's own
 * figures, read when asked, so no mapping syscall pays for keeping them.
 */
struct mw_process_sample {
	__u32 alive; /* the process exists and has a thread that has not exited */
	__u32 map_count; /* mm->map_count; 0 when it has no mm (exiting, or a zombie leader) */
	char comm[MW_COMM_LEN]; /* the leader's, as /proc/PID/comm */
};
_Static_assert(sizeof(struct mw_process_sample) == 24, "mw_process_sample layout");

struct mw_process_query {
	__u32 count; /* in: pids[0, count) are asked about */
	__u32 pad;
	__u32 pids[MW_PROCESS_QUERY_MAX];
	struct mw_process_sample samples[MW_PROCESS_QUERY_MAX]; /* out */
};

/* What one run of the audit_inodes program found. */
struct mw_inode_audit {
	__u64 entries; /* tracked_inodes entries walked */
	__u64 unlinks_found; /* deletions no syscall reported: sent as MW_UNLINK_AUDIT */
};

/*
 * The basename hash both sides compute, 64 bit, over the name in 8-byte
 * words taken from its end: the kernel finds a path's last component from
 * the path's end, a word at a time, so the work is the name's length over
 * eight. Word k holds bytes [L - 8k - 8, L - 8k) as a little-endian number,
 * the bytes before the name zero; each is mixed in FNV-1a style, then the
 * length.
 */
#define MW_NAME_HASH_INIT 0xcbf29ce484222325ULL
#define MW_NAME_HASH_PRIME 0x100000001b3ULL

static inline __u64 mw_name_hash_mix(__u64 hash, __u64 word)
{
	return (hash ^ word) * MW_NAME_HASH_PRIME;
}

#ifndef __VMLINUX_H__
/* mw_name_hash of length bytes of a basename, for userspace. */
static inline __u64 mw_name_hash_bytes(const char *name, __u64 length)
{
	const unsigned char *bytes = (const unsigned char *)name;
	__u64 hash = MW_NAME_HASH_INIT;

	for (__u64 end = length; end > 0; end = end > 8 ? end - 8 : 0) {
		__u64 word = 0;

		for (__u64 at = end > 8 ? end - 8 : 0; at < end; at++)
			word |= (__u64)bytes[at] << (8 * (at + 8 - end));
		hash = mw_name_hash_mix(hash, word);
	}
	return mw_name_hash_mix(hash, length);
}

/* mw_name_hash of a NUL-terminated basename. */
static inline __u64 mw_name_hash(const char *name)
{
	__u64 length = 0;

	while (name[length])
		length++;
	return mw_name_hash_bytes(name, length);
}
#endif

#endif /* MAPWATCH_EVENTS_H */
