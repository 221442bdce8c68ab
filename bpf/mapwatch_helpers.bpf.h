/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building blocks the programs share: the current task and its syscall
 * arguments, event headers, filters, files, and the name slots and counts.
 *
 * Kernel structures are read with plain loads through BTF pointers
 * (bpf_get_current_task_btf(), bpf_rdonly_cast()) rather than one
 * bpf_probe_read_kernel() call per field: the JIT makes each a single load
 * with a fault fixup, which is what keeps a traced syscall cheap.
 */
#ifndef MAPWATCH_HELPERS_BPF_H
#define MAPWATCH_HELPERS_BPF_H

#include "mapwatch_maps.bpf.h"

#define MW_S_IFMT 0170000
#define MW_S_IFREG 0100000
/* MNT_INTERNAL (fs/mount.h, unchanged since 2.6): kern_mount()ed, e.g. the shm mount behind memfd and SysV shm. */
#define MW_MNT_INTERNAL 0x4000
#define MW_MAP_FIXED 0x10
#define MW_MAP_ANONYMOUS 0x20
#define MW_PF_KTHREAD 0x00200000
#define MW_MAX_ERRNO 4095
/* what a full hash map answers an insert */
#define MW_E2BIG 7

extern void *bpf_rdonly_cast(const void *object, __u32 btf_id) __ksym;

/* A kernel address userspace stored, or a pointer read from memory, as a typed read-only pointer. */
#define mw_cast(type, address) \
	((struct type *)bpf_rdonly_cast((void *)(address), bpf_core_type_id_kernel(struct type)))

static __always_inline bool mw_syscall_failed(long ret)
{
	return ret < 0 && ret >= -MW_MAX_ERRNO;
}

/*
 * The registers the syscall was entered with. At a sys_exit tracepoint they
 * still hold its arguments (x86-64: di, si, dx, r10, r8, r9): the syscall
 * reads them from pt_regs and only ax takes the result. Reading them here
 * spares an entry program and a map update and delete per call.
 */
static __always_inline struct pt_regs *mw_syscall_regs(struct task_struct *task)
{
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

static __always_inline __u32 mw_map_count_of(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;

	return mm ? mm->map_count : 0;
}

/* Marks a process for a /proc re-read; a full table is counted (see dirty_table_full). */
static __always_inline void mw_mark_dirty(__u32 tgid)
{
	__u8 one = 1;

	if (bpf_map_update_elem(&dirty_tgids, &tgid, &one, BPF_ANY))
		__sync_fetch_and_add(&dirty_table_full, 1);
}

/* Counts an event that found no room and marks its process for a /proc re-read. */
static __always_inline void mw_note_lost(__u32 tgid)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	if (lost)
		*lost += 1;
	/* a full ring loses records in bursts: mark each process once, not per record */
	if (!bpf_map_lookup_elem(&dirty_tgids, &tgid))
		mw_mark_dirty(tgid);
}

/* Reserves a record and fills its header from task; NULL when the buffer is full. */
static __always_inline void *mw_event_reserve(struct task_struct *task, __u32 size, __u32 type,
					      __u32 flags)
{
	struct mw_event_header *header = bpf_ringbuf_reserve(&events, size, 0);
	struct task_struct *leader;

	if (!header) {
		mw_note_lost(task->tgid);
		return NULL;
	}
	header->timestamp_ns = bpf_ktime_get_ns();
	header->type = type;
	header->size = size;
	header->pid = task->tgid;
	header->tid = task->pid;
	header->map_count = mw_map_count_of(task);
	header->flags = flags;
	leader = task->group_leader;
	/* two loads instead of a helper call: comm is 16 bytes, always NUL-terminated */
	*(__u64 *)&header->comm[0] = *(const __u64 *)&leader->comm[0];
	*(__u64 *)&header->comm[8] = *(const __u64 *)&leader->comm[8];
	return header;
}

/*
 * Records wait without a wakeup (one costs ~1 us); userspace drains on a
 * short timer. Deletions and checks wake it at once, and so does the record
 * that takes the data waiting past a multiple of 2^wakeup_shift bytes.
 */
static __always_inline void mw_event_submit(void *event, bool urgent)
{
	__u64 size = ((struct mw_event_header *)event)->size;
	__u64 waiting;

	if (!urgent && wakeup_shift) {
		/* includes this record: the producer position moved at reserve */
		waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		urgent = waiting >= size &&
			 (waiting >> wakeup_shift) != ((waiting - size) >> wakeup_shift);
	}
	bpf_ringbuf_submit(event, urgent ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline bool mw_comm_matches(const char *comm, __u32 index)
{
	for (int i = 0; i < MW_COMM_LEN; i++) {
		char wanted = filter_comms[index][i];

		if (comm[i] != wanted)
			return false;
		if (!wanted)
			return true;
	}
	return true;
}

/* --cgroup: the current task is in one of the subtrees. */
static __always_inline bool mw_in_filter_cgroups(void)
{
	for (__u32 i = 0; i < MW_FILTER_CGROUPS_MAX; i++) {
		if (i >= filter_cgroups_count)
			break;
		if (bpf_current_task_under_cgroup(&filter_cgroups, i) == 1)
			return true;
	}
	return false;
}

/*
 * --pid, --comm (the leader's name, as /proc/PID/comm shows it) and
 * --cgroup. task is the current task: the cgroup test knows no other.
 */
static __always_inline bool mw_passes_filter(struct task_struct *task)
{
	char comm[MW_COMM_LEN];
	__u32 tgid = task->tgid;

	if (filter_pids_enabled && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (filter_cgroups_count && !mw_in_filter_cgroups())
		return false;
	if (!filter_comms_count)
		return true;
	bpf_probe_read_kernel(comm, sizeof(comm), task->group_leader->comm);
	for (__u32 i = 0; i < MW_FILTER_COMMS_MAX; i++) {
		if (i >= filter_comms_count)
			break;
		if (mw_comm_matches(comm, i))
			return true;
	}
	return false;
}

/* fd -> struct file of task, bounds-checked against the fd table; NULL if none. */
static __always_inline struct file *mw_file_of_fd(struct task_struct *task, long fd)
{
	struct files_struct *files = task->files;
	struct fdtable *table;
	struct file *file = NULL;

	if (fd < 0 || !files)
		return NULL;
	table = files->fdt;
	if (fd >= table->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &table->fd[fd]);
	return file ? mw_cast(file, file) : NULL;
}

/* BTRFS_SUPER_MAGIC (include/uapi/linux/magic.h) */
#define MW_BTRFS_SUPER_MAGIC 0x9123683EUL

/*
 * The device stat() reports for the inode. btrfs files every subvolume and
 * snapshot under one super block, each numbering its inodes from 256, and
 * gives each its own anonymous device in stat(): that device is what tells
 * their files apart. Elsewhere it is the super block's. A kernel without
 * btrfs types (btrfs a module not loaded) keeps the super block's.
 */
static __always_inline __u32 mw_stat_dev(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;

	if (bpf_core_type_exists(struct btrfs_inode) && sb->s_magic == MW_BTRFS_SUPER_MAGIC) {
		__u64 address = (__u64)inode - bpf_core_field_offset(struct btrfs_inode, vfs_inode);

		return mw_cast(btrfs_inode, address)->root->anon_dev;
	}
	return sb->s_dev;
}

/*
 * The file as /proc names it (inode, through which it was mapped or
 * truncated) and held (the inode the mapping really holds, which differs on
 * a stacking filesystem), with dev already worked out by mw_stat_dev().
 */
static __always_inline void mw_read_file_id(struct inode *inode, struct inode *held, __u32 dev,
					    struct mw_file_id *id)
{
	id->inode = (__u64)held;
	id->ino = inode->i_ino;
	id->size = held->i_size;
	id->dev = dev;
	id->nlink = held->i_nlink;
	id->generation = held->i_generation;
	id->maps_dev = inode->i_sb->s_dev;
}

/* A regular file on a mount users can see: what PRODUCT.md calls a file mapping. */
static __always_inline bool mw_is_user_file(struct file *file)
{
	umode_t mode = file->f_inode->i_mode;
	int mnt_flags = file->f_path.mnt->mnt_flags;

	return (mode & MW_S_IFMT) == MW_S_IFREG && !(mnt_flags & MW_MNT_INTERNAL);
}

static __always_inline __u32 *mw_name_count(__u64 name_hash)
{
	return &name_counts[name_hash & (MW_NAME_COUNT_BUCKETS - 1)];
}

/* Whether any slot of this basename's bucket may be occupied. */
static __always_inline bool mw_bucket_may_hold(__u64 name_hash)
{
	return *mw_name_count(name_hash) != 0;
}

/* Takes the first free slot of a basename bucket; MW_NAME_SLOTS when all are taken. */
static __always_inline __u32 mw_claim_name_slot(__u64 name_hash, struct mw_inode_key *inode_key)
{
	__u32 *count = mw_name_count(name_hash);

	/* counted before the slot exists, so a concurrent unlink never reads it low */
	__sync_fetch_and_add(count, 1);
	for (__u32 slot = 0; slot < MW_NAME_SLOTS; slot++) {
		struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };

		if (!bpf_map_update_elem(&name_slots, &slot_key, inode_key, BPF_NOEXIST))
			return slot;
	}
	__sync_fetch_and_sub(count, 1);
	return MW_NAME_SLOTS;
}

/* Deletes a slot; counted after it is gone. */
static __always_inline void mw_delete_name_slot(struct mw_name_slot_key *slot_key)
{
	if (!bpf_map_delete_elem(&name_slots, slot_key))
		__sync_fetch_and_sub(mw_name_count(slot_key->name_hash), 1);
}

/* Frees a slot, unless someone else has claimed it since. */
static __always_inline void mw_release_name_slot(__u64 name_hash, __u32 slot,
						 struct mw_inode_key *inode_key)
{
	struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };
	struct mw_inode_key *holder;

	if (slot >= MW_NAME_SLOTS)
		return;
	holder = bpf_map_lookup_elem(&name_slots, &slot_key);
	if (holder && holder->ino == inode_key->ino && holder->dev == inode_key->dev)
		mw_delete_name_slot(&slot_key);
}

static __always_inline void mw_forget_multilink(struct mw_inode_key *inode_key)
{
	if (!bpf_map_delete_elem(&multilink_inodes, inode_key))
		__sync_fetch_and_sub(&multilink_count, 1);
}

#endif /* MAPWATCH_HELPERS_BPF_H */
