/* SPDX-License-Identifier: GPL-2.0 */
/* Building blocks the programs share: event headers, filters, files, names, slots. */
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

static __always_inline bool mw_syscall_failed(long ret)
{
	return ret < 0 && ret >= -MW_MAX_ERRNO;
}

static __always_inline __u32 mw_current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline __u32 mw_current_map_count(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, mm, map_count);
}

/* Counts an event that found no room and marks its process for a /proc re-read. */
static __always_inline void mw_note_lost(__u32 tgid)
{
	__u32 zero = 0;
	__u8 one = 1;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	if (lost)
		*lost += 1;
	bpf_map_update_elem(&dirty_tgids, &tgid, &one, BPF_ANY);
}

/* Reserves a record and fills its header from the current task; NULL when the buffer is full. */
static __always_inline void *mw_event_reserve(__u32 size, __u32 type, __u32 flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct mw_event_header *header = bpf_ringbuf_reserve(&events, size, 0);

	if (!header) {
		mw_note_lost(pid_tgid >> 32);
		return NULL;
	}
	header->timestamp_ns = bpf_ktime_get_ns();
	header->type = type;
	header->size = size;
	header->pid = pid_tgid >> 32;
	header->tid = (__u32)pid_tgid;
	header->map_count = mw_current_map_count();
	header->flags = flags;
	bpf_get_current_comm(header->comm, sizeof(header->comm));
	return header;
}

static __always_inline void mw_event_submit(void *event, bool urgent)
{
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

static __always_inline bool mw_passes_filter(__u32 tgid)
{
	char comm[MW_COMM_LEN];
	bool matched = false;

	if (filter_pids_enabled && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (!filter_comms_count)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (__u32 i = 0; i < MW_FILTER_COMMS_MAX; i++) {
		if (i >= filter_comms_count)
			break;
		if (mw_comm_matches(comm, i)) {
			matched = true;
			break;
		}
	}
	return matched;
}

static __always_inline bool mw_tgid_tracked(__u32 tgid)
{
	return bpf_map_lookup_elem(&tracked_tgids, &tgid) != NULL;
}

static __always_inline void mw_track_tgid(__u32 tgid)
{
	__u8 one = 1;

	bpf_map_update_elem(&tracked_tgids, &tgid, &one, BPF_ANY);
}

static __always_inline void mw_update_map_count(__u32 tgid)
{
	struct mw_map_count value = {
		.timestamp_ns = bpf_ktime_get_ns(),
		.map_count = mw_current_map_count(),
	};

	bpf_map_update_elem(&map_counts, &tgid, &value, BPF_ANY);
}

/* fd -> struct file of the current task, bounds-checked against the fd table. */
static __always_inline struct file *mw_file_of_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
	struct file *file = NULL;

	if (fd < 0 || fd >= max_fds || !fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline void mw_read_file_id(struct inode *inode, struct mw_file_id *id)
{
	id->inode = (__u64)inode;
	id->ino = BPF_CORE_READ(inode, i_ino);
	id->size = BPF_CORE_READ(inode, i_size);
	id->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id->nlink = BPF_CORE_READ(inode, i_nlink);
}

/* A regular file on a mount users can see: what PRODUCT.md calls a file mapping. */
static __always_inline bool mw_is_user_file(struct file *file)
{
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	int mnt_flags = BPF_CORE_READ(file, f_path.mnt, mnt_flags);

	return (mode & MW_S_IFMT) == MW_S_IFREG && !(mnt_flags & MW_MNT_INTERNAL);
}

/*
 * FNV-1a of the last component of a user path ("a/b/" -> "b"), 0 when the
 * path cannot be read whole (fault, or longer than MW_PATH_READ_MAX).
 * Global, so the verifier checks its loop once, not in every caller.
 */
__noinline __u64 mw_user_path_basename_hash(__u64 user_path)
{
	struct mw_name_buffer *buffer;
	__u64 hash = MW_NAME_HASH_INIT;
	bool after_slash = false;
	__u32 zero = 0;
	long length;

	buffer = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!buffer)
		return 0;
	length = bpf_probe_read_user_str(buffer->bytes, sizeof(buffer->bytes),
					 (const void *)user_path);
	if (length <= 1 || length >= MW_PATH_READ_MAX)
		return 0;
	for (int i = 0; i < MW_PATH_READ_MAX; i++) {
		unsigned char c = buffer->bytes[i];

		if (!c)
			break;
		if (c == '/') {
			after_slash = true;
			continue;
		}
		if (after_slash) {
			hash = MW_NAME_HASH_INIT;
			after_slash = false;
		}
		hash = mw_name_hash_step(hash, c);
	}
	return hash;
}

/* FNV-1a of a dentry's current name; 0 when it cannot be read. */
__noinline __u64 mw_dentry_name_hash(__u64 dentry_address)
{
	struct dentry *dentry = (struct dentry *)dentry_address;
	struct mw_name_buffer *buffer;
	__u64 hash = MW_NAME_HASH_INIT;
	__u32 zero = 0;
	long length;

	buffer = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!buffer || !dentry)
		return 0;
	length = bpf_probe_read_kernel_str(buffer->bytes, sizeof(buffer->bytes),
					   BPF_CORE_READ(dentry, d_name.name));
	if (length <= 1)
		return 0;
	for (int i = 0; i < MW_PATH_READ_MAX; i++) {
		unsigned char c = buffer->bytes[i];

		if (!c)
			break;
		hash = mw_name_hash_step(hash, c);
	}
	return hash;
}

/* Copies a dentry's name into name[MW_NAME_LEN]; true when it had to be cut. */
static __always_inline bool mw_copy_dentry_name(struct dentry *dentry, char *name)
{
	__u32 length = BPF_CORE_READ(dentry, d_name.len);

	bpf_probe_read_kernel_str(name, MW_NAME_LEN, BPF_CORE_READ(dentry, d_name.name));
	return length >= MW_NAME_LEN;
}

/* Takes the first free slot of a basename bucket; MW_NAME_SLOTS when all are taken. */
static __always_inline __u32 mw_claim_name_slot(__u64 name_hash, struct mw_inode_key *inode_key)
{
	for (__u32 slot = 0; slot < MW_NAME_SLOTS; slot++) {
		struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };

		if (!bpf_map_update_elem(&name_slots, &slot_key, inode_key, BPF_NOEXIST))
			return slot;
	}
	return MW_NAME_SLOTS;
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
		bpf_map_delete_elem(&name_slots, &slot_key);
}

#endif /* MAPWATCH_HELPERS_BPF_H */
