// SPDX-License-Identifier: GPL-2.0
/*
 * mapwatch kernel side: follows file mappings, the syscalls that change them,
 * the deletion of mapped files, and process lifetimes, into one ring buffer.
 * Anonymous mappings never cross to userspace (but MAP_FIXED ones, which may
 * replace a file mapping). Only sys_exit tracepoints are hooked: arguments
 * come from the task's saved registers (mw_syscall_regs()), so a traced call
 * runs one program.
 *
 * In order: the loader's configuration, the globals and maps shared with
 * userspace, the helpers that use them, the global subprograms (each verified
 * once), then the programs by concern: mmap; munmap, mremap, mprotect; VMA
 * flags; truncation by fd; unlink, rename and truncate by path; processes;
 * and the programs userspace runs itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "mapwatch_events.h"
#include "mapwatch_kernel.bpf.h"
#include "mapwatch_basename.bpf.h"
#include "mapwatch_name_slots.h"
#include "mapwatch_query.bpf.h"

/* ==== Configuration: read-only, set by the loader before load ==== */

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

/* ==== Globals userspace shares through the mmap()ed .bss ==== */

/* Occupied name slots per basename hash bucket: see mapwatch_name_slots.h. */
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

/* ==== Maps: sizes the loader may change before load (--ring-buffer, --max-inodes) ==== */

/*
 * 8 MiB, ~30,000 MMAP records: a drain period's worth at the peak rate one
 * core can make them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
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

/* Filled and emptied by the protocol of mapwatch_name_slots.h; as large as tracked_inodes. */
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_path_buffer);
} path_scratch SEC(".maps");

/* ==== Records ==== */

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

/* ==== Filters ==== */

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

/* ==== Name slots and tracked inodes ==== */

/* name_slots as mapwatch_name_slots.h reaches it from here (userspace: kernel_tracer_tables.c). */
static __always_inline long mw_name_slot_insert(void *slots, const struct mw_name_slot_key *key,
						const struct mw_inode_key *inode)
{
	return bpf_map_update_elem(slots, key, inode, BPF_NOEXIST);
}

static __always_inline bool mw_name_slot_holds(void *slots, const struct mw_name_slot_key *key,
					       const struct mw_inode_key *inode)
{
	struct mw_inode_key *holder = bpf_map_lookup_elem(slots, key);

	return holder && mw_inode_key_equal(holder, inode);
}

static __always_inline long mw_name_slot_remove(void *slots, const struct mw_name_slot_key *key)
{
	return bpf_map_delete_elem(slots, key);
}

/* Never in the object: every use is inlined and reads it as constants. */
static const struct mw_name_slot_access mw_name_slots = {
	.counts = name_counts,
	.slots = &name_slots,
	.insert = mw_name_slot_insert,
	.holds = mw_name_slot_holds,
	.remove = mw_name_slot_remove,
};

/* Whether any slot of this basename's bucket may be occupied. */
static __always_inline bool mw_bucket_may_hold(__u64 name_hash)
{
	return *mw_name_count(name_counts, name_hash) != 0;
}

static __always_inline void mw_forget_multilink(struct mw_inode_key *inode_key)
{
	if (!bpf_map_delete_elem(&multilink_inodes, inode_key))
		__sync_fetch_and_sub(&multilink_count, 1);
}

/* ==== Basenames, read into path_scratch ==== */

/*
 * mw_path_basename_hash() of the string in path_scratch that ends before
 * end. Global, so the verifier checks its loops once.
 */
__noinline __u64 mw_scratch_basename_hash(long end)
{
	struct mw_path_buffer *buffer;
	__u32 zero = 0;

	buffer = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!buffer)
		return 0;
	return mw_path_basename_hash(buffer, end);
}

/* mw_name_hash of the last component of a user path; 0 when it cannot be read (a fault). */
static __always_inline __u64 mw_user_path_basename_hash(__u64 user_path)
{
	struct mw_path_buffer *buffer;
	__u32 zero = 0;
	long length;

	buffer = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!buffer)
		return 0;
	length = bpf_probe_read_user_str(buffer->bytes, sizeof(buffer->bytes),
					 (const void *)user_path);
	if (length <= 1)
		return 0;
	return mw_scratch_basename_hash(length - 1);
}

/* mw_name_hash of a dentry's current name; 0 when it cannot be read. */
static __always_inline __u64 mw_dentry_name_hash(__u64 dentry_address)
{
	struct mw_path_buffer *buffer;
	__u32 zero = 0;
	long length;

	buffer = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!buffer || !dentry_address)
		return 0;
	length = bpf_probe_read_kernel_str(buffer->bytes, MW_NAME_MAX + 1,
					   mw_cast(dentry, dentry_address)->d_name.name);
	if (length <= 1)
		return 0;
	return mw_scratch_basename_hash(length - 1);
}

/* ==== Deletion, rename and truncate(path) of tracked inodes, by basename bucket ==== */

/*
 * An unlink, rename or truncate(path) looks at the MW_NAME_SLOTS slots of the
 * basename it names, never at every tracked inode, so its cost does not grow
 * with them. Inode addresses were stored when the file was seen mapped; the
 * mapping pins the inode, and a stale address only yields values userspace
 * cross-checks.
 */

/* What one slot showed, as bits. */
#define MW_SLOT_OCCUPIED (1 << 0)
#define MW_SLOT_AFFECTED (1 << 1) /* the syscall changed this inode: an event went out */
#define MW_SLOT_UNKNOWN (1 << 2) /* seeded from /proc, kernel address not learned yet */

static __always_inline void mw_file_id_of_tracked(struct mw_inode_key *key, __u64 inode_address,
						  struct mw_file_id *id)
{
	struct inode *inode = mw_cast(inode, inode_address);

	mw_read_file_id(inode, inode, key->dev, id);
	/* The key is the identity userspace knows; never report a stale address's fields for it. */
	id->ino = key->ino;
	/* the held inode's device, not the one /proc prints on a stacking filesystem */
	id->maps_dev = 0;
}

static __always_inline void mw_emit_file_event(__u32 type, __u32 flags, struct mw_inode_key *key,
					       __u64 inode_address, bool urgent)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_file_event *event = mw_event_reserve(task, sizeof(*event), type, flags);

	if (!event)
		return;
	mw_file_id_of_tracked(key, inode_address, &event->file);
	mw_event_submit(event, urgent);
}

static __always_inline void mw_emit_check(__u64 name_hash, __u32 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_check_event *event =
		mw_event_reserve(task, sizeof(*event), MW_EVENT_CHECK, flags);

	if (!event)
		return;
	event->name_hash = name_hash;
	event->syscall_result = 0;
	event->pad = 0;
	mw_event_submit(event, true);
}

static __always_inline void mw_emit_rename(struct mw_inode_key *key, __u64 inode_address,
					   __u64 dentry_address, __u64 new_hash)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_rename_event *event = mw_event_reserve(task, sizeof(*event), MW_EVENT_RENAME, 0);

	if (!event)
		return;
	mw_file_id_of_tracked(key, inode_address, &event->file);
	event->name_hash = new_hash;
	mw_copy_dentry_name(mw_cast(dentry, dentry_address), event->name);
	mw_event_submit(event, false);
}

/* The tracked inode's last link went: report it once, and free its slot. */
static __always_inline void mw_report_deleted(struct mw_tracked_inode *tracked,
					      struct mw_inode_key *inode_key, __u32 flags)
{
	mw_emit_file_event(MW_EVENT_UNLINK, MW_UNLINK_LAST | flags, inode_key, tracked->inode,
			   true);
	mw_name_slot_release(&mw_name_slots, tracked->name_hash, tracked->slot, inode_key);
	tracked->slot = MW_NAME_SLOTS;
	tracked->flags |= MW_TRACKED_DELETED;
	mw_forget_multilink(inode_key);
}

/* Settles one slot of a bucket an unlink or rename touched. Global: verified once. */
__noinline int mw_check_name_slot(__u64 name_hash, __u32 slot)
{
	struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };
	struct mw_tracked_inode *tracked;
	struct mw_inode_key inode_key;
	struct mw_inode_key *holder;
	__u64 inode_address, dentry_address, new_hash;
	struct dentry *dentry;

	holder = bpf_map_lookup_elem(&name_slots, &slot_key);
	if (!holder)
		return 0;
	inode_key = *holder;
	tracked = bpf_map_lookup_elem(&tracked_inodes, &inode_key);
	if (!tracked) {
		/* userspace forgot the inode but not its slot */
		mw_name_slot_delete(&mw_name_slots, &slot_key);
		return 0;
	}
	inode_address = tracked->inode;
	dentry_address = tracked->dentry;
	if (!inode_address)
		return MW_SLOT_OCCUPIED | MW_SLOT_UNKNOWN;

	if (mw_cast(inode, inode_address)->i_nlink == 0) {
		mw_report_deleted(tracked, &inode_key, 0);
		return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
	}
	if (!dentry_address)
		return MW_SLOT_OCCUPIED;

	/* d_move() renames the very dentry the file was mapped through. */
	new_hash = mw_dentry_name_hash(dentry_address);
	if (new_hash && new_hash != name_hash) {
		mw_emit_rename(&inode_key, inode_address, dentry_address, new_hash);
		mw_name_slot_delete(&mw_name_slots, &slot_key);
		tracked->name_hash = new_hash;
		tracked->slot = mw_name_slot_claim(&mw_name_slots, new_hash, &inode_key);
		return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
	}

	/* Unhashed dentry, links left: this name went, another hard link still holds the inode. */
	dentry = mw_cast(dentry, dentry_address);
	if (!dentry->d_hash.pprev) {
		mw_emit_file_event(MW_EVENT_UNLINK, 0, &inode_key, inode_address, false);
		long err = bpf_map_update_elem(&multilink_inodes, &inode_key, &inode_address,
					       BPF_NOEXIST);

		if (!err)
			__sync_fetch_and_add(&multilink_count, 1);
		else if (err == -MW_E2BIG)
			/* full: only the periodic audit sees this inode's last link go */
			__sync_fetch_and_add(&inode_table_full, 1);
		mw_name_slot_delete(&mw_name_slots, &slot_key);
		tracked->slot = MW_NAME_SLOTS;
		return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
	}
	return MW_SLOT_OCCUPIED;
}

/* One truncate(path) slot: report the inode's size now, userspace compares. Global. */
__noinline int mw_truncate_name_slot(__u64 name_hash, __u32 slot)
{
	struct mw_name_slot_key slot_key = { .name_hash = name_hash, .slot = slot };
	struct mw_tracked_inode *tracked;
	struct mw_inode_key inode_key;
	struct mw_inode_key *holder;

	holder = bpf_map_lookup_elem(&name_slots, &slot_key);
	if (!holder)
		return 0;
	inode_key = *holder;
	tracked = bpf_map_lookup_elem(&tracked_inodes, &inode_key);
	if (!tracked)
		return 0;
	if (!tracked->inode)
		return MW_SLOT_OCCUPIED | MW_SLOT_UNKNOWN;
	mw_emit_file_event(MW_EVENT_TRUNCATE, 0, &inode_key, tracked->inode, false);
	return MW_SLOT_OCCUPIED | MW_SLOT_AFFECTED;
}

/*
 * Walks a bucket after a successful unlink, rename (MW_CHECK_RENAME) or
 * truncate(path) (MW_CHECK_TRUNCATE); a CHECK record when the kernel cannot
 * settle it.
 */
static __always_inline void mw_settle_bucket(__u64 name_hash, __u32 check_flags)
{
	bool truncate = check_flags & MW_CHECK_TRUNCATE;
	__u32 occupied = 0, seen = 0;

	if (!name_hash) {
		mw_emit_check(0, check_flags | MW_CHECK_PATH_UNREADABLE);
		return;
	}
	if (!mw_bucket_may_hold(name_hash))
		return;
	for (__u32 slot = 0; slot < MW_NAME_SLOTS; slot++) {
		int result = truncate ? mw_truncate_name_slot(name_hash, slot)
				      : mw_check_name_slot(name_hash, slot);

		if (result & MW_SLOT_OCCUPIED)
			occupied++;
		seen |= result;
	}
	if (seen & MW_SLOT_UNKNOWN)
		check_flags |= MW_CHECK_INODE_UNKNOWN;
	/*
	 * A full bucket may hold more inodes than slots: the one the path named
	 * may be in the overflow, unless an unlink or rename affected one here.
	 * truncate(path) affects every inode of the bucket, so it cannot tell.
	 */
	if (occupied == MW_NAME_SLOTS && (truncate || !(seen & MW_SLOT_AFFECTED)))
		check_flags |= MW_CHECK_BUCKET_FULL;
	if (check_flags & (MW_CHECK_INODE_UNKNOWN | MW_CHECK_BUCKET_FULL))
		mw_emit_check(name_hash, check_flags);
}

static long mw_multilink_visit(struct bpf_map *map, struct mw_inode_key *key, __u64 *inode_address,
			       void *context)
{
	struct mw_inode_key inode_key = *key;
	struct mw_tracked_inode *tracked;

	if (mw_cast(inode, *inode_address)->i_nlink)
		return 0;
	tracked = bpf_map_lookup_elem(&tracked_inodes, &inode_key);
	if (tracked && tracked->inode == *inode_address) {
		mw_report_deleted(tracked, &inode_key, 0);
		return 0;
	}
	/* userspace forgot it meanwhile */
	mw_forget_multilink(&inode_key);
	return 0;
}

/* Hard-linked mapped files whose mapped name went first: did their last name just go? */
static __always_inline void mw_check_multilink_inodes(void)
{
	if (!multilink_count)
		return;
	bpf_for_each_map_elem(&multilink_inodes, mw_multilink_visit, NULL, 0);
}

/* ==== mmap(addr, length, prot, flags, fd, offset) ==== */

/*
 * Files the inode under its name, or refiles it when the entry was made for
 * another file that had the same inode number, was seeded from /proc with the
 * address unknown, or lost its slot when its name went.
 */
static __always_inline __u64 mw_file_inode(struct mw_tracked_inode *tracked,
					   struct mw_inode_key *key, struct inode *inode,
					   struct file *file)
{
	/* inode: the one the mapping holds, whose links decide deletion */
	__u64 dentry_address = 0, name_hash;
	long err;
	struct mw_tracked_inode fresh = {
		.inode = (__u64)inode,
		.generation = inode->i_generation,
		.slot = MW_NAME_SLOTS,
	};

	/* read as a plain number: a global function takes no kernel pointer */
	bpf_probe_read_kernel(&dentry_address, sizeof(dentry_address), &file->f_path.dentry);
	name_hash = mw_dentry_name_hash(dentry_address);
	fresh.dentry = dentry_address;
	fresh.name_hash = name_hash;
	if (tracked) {
		mw_name_slot_release(&mw_name_slots, tracked->name_hash, tracked->slot, key);
		if (name_hash)
			fresh.slot = mw_name_slot_claim(&mw_name_slots, name_hash, key);
		*tracked = fresh;
		return name_hash;
	}
	if (name_hash)
		fresh.slot = mw_name_slot_claim(&mw_name_slots, name_hash, key);
	err = bpf_map_update_elem(&tracked_inodes, key, &fresh, BPF_NOEXIST);
	if (err)
		mw_name_slot_release(&mw_name_slots, name_hash, fresh.slot, key);
	/* the record still goes out: userspace has the file checked from /proc */
	if (err == -MW_E2BIG)
		__sync_fetch_and_add(&inode_table_full, 1);
	return name_hash;
}

/*
 * Already filed for this very file: nothing to read or file again. A deleted
 * file keeps no slot, and needs none: it cannot be deleted twice.
 */
static __always_inline bool mw_filed_already(const struct mw_tracked_inode *tracked,
					     struct inode *inode)
{
	return tracked && tracked->inode == (__u64)inode &&
	       tracked->generation == inode->i_generation &&
	       (tracked->slot < MW_NAME_SLOTS || (tracked->flags & MW_TRACKED_DELETED));
}

static long mw_vma_file_inode(struct task_struct *task, struct vm_area_struct *vma, void *context)
{
	struct file *file = vma->vm_file;

	*(__u64 *)context = file ? (__u64)file->f_inode : 0;
	return 0;
}

/*
 * The inode the new mapping holds. A stacking filesystem (overlayfs) maps
 * the real upper or lower file in its own file's place: an unlink through
 * the overlay only whites a lower file out, and that real file's links are
 * what say whether the mapping pins a deleted file. Only files of a stacking
 * filesystem pay for the VMA lookup.
 */
static __always_inline struct inode *mw_held_inode(struct task_struct *task, long address,
						   struct inode *inode)
{
	__u64 held = 0;

	if (!inode->i_sb->s_stack_depth)
		return inode;
	bpf_find_vma(task, address, mw_vma_file_inode, &held, 0);
	return held ? mw_cast(inode, held) : inode;
}

/* What every MMAP record carries: the new mapping's address, and the call's arguments. */
static __always_inline void mw_mmap_arguments(struct mw_mmap_event *event, struct pt_regs *regs,
					      long address)
{
	event->addr = address;
	event->length = PT_REGS_PARM2_SYSCALL(regs);
	event->prot = PT_REGS_PARM3_SYSCALL(regs);
	event->map_flags = PT_REGS_PARM4_SYSCALL(regs);
	event->offset = PT_REGS_PARM6_SYSCALL(regs);
}

static __always_inline void mw_file_mmap(struct task_struct *task, struct pt_regs *regs,
					 long address, struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = file->f_inode;
	struct mw_inode_key key = { .ino = inode->i_ino, .dev = mw_stat_dev(inode) };
	struct mw_tracked_inode *tracked = bpf_map_lookup_elem(&tracked_inodes, &key);
	__u32 flags = MW_MMAP_FILE | MW_MMAP_INODE_KNOWN;
	struct inode *held = mw_held_inode(task, address, inode);
	struct mw_mmap_event *event;
	__u64 name_hash;

	/* a MAP_SHARED VMA keeps VM_SHARED only through an fd open for writing */
	if (file->f_mode & MW_FMODE_WRITE)
		flags |= MW_MMAP_FD_WRITABLE;
	if (mw_filed_already(tracked, held)) {
		name_hash = tracked->name_hash;
		event = mw_event_reserve(task, MW_MMAP_EVENT_FILED_SIZE, MW_EVENT_MMAP,
					 flags | MW_MMAP_INODE_FILED);
	} else {
		name_hash = mw_file_inode(tracked, &key, held, file);
		event = mw_event_reserve(task, sizeof(*event), MW_EVENT_MMAP, flags);
		if (event && mw_copy_dentry_name(dentry, event->name))
			event->header.flags |= MW_MMAP_NAME_TRUNCATED;
	}
	if (!event)
		return;
	mw_mmap_arguments(event, regs, address);
	mw_read_file_id(inode, held, key.dev, &event->file);
	event->name_hash = name_hash;
	event->file_ref = (__u64)file;
	mw_event_submit(event, false);
}

/* MAP_FIXED anonymous (or non-file) memory: it may replace part of a file mapping. */
static __always_inline void mw_fixed_mmap(struct task_struct *task, struct pt_regs *regs,
					  long address)
{
	struct mw_mmap_event *event =
		mw_event_reserve(task, MW_MMAP_EVENT_FILED_SIZE, MW_EVENT_MMAP, 0);

	if (!event)
		return;
	mw_mmap_arguments(event, regs, address);
	__builtin_memset(&event->file, 0, sizeof(event->file));
	event->name_hash = 0;
	event->file_ref = 0;
	mw_event_submit(event, false);
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int mmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	struct pt_regs *regs;
	struct file *file = NULL;
	__u64 map_flags;
	long fd;

	if (mw_syscall_failed(ctx->ret))
		return 0;
	task = bpf_get_current_task_btf();
	regs = mw_syscall_regs(task);
	map_flags = PT_REGS_PARM4_SYSCALL(regs);
	fd = (int)PT_REGS_PARM5_SYSCALL(regs);
	/* anonymous memory that replaces nothing: the common case, settled first */
	if (!(map_flags & MW_MAP_FIXED) && ((map_flags & MW_MAP_ANONYMOUS) || fd < 0))
		return 0;
	if (!mw_passes_filter(task))
		return 0;
	if (!(map_flags & MW_MAP_ANONYMOUS))
		file = mw_file_of_fd(task, fd);
	if (file && mw_is_user_file(file))
		mw_file_mmap(task, regs, ctx->ret, file);
	else if (map_flags & MW_MAP_FIXED)
		mw_fixed_mmap(task, regs, ctx->ret);
	return 0;
}

/* ==== munmap, mremap, mprotect ==== */

/* munmap(addr, length) */
SEC("tracepoint/syscalls/sys_exit_munmap")
int munmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	struct mw_munmap_event *event;
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	task = bpf_get_current_task_btf();
	if (!mw_passes_filter(task))
		return 0;
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_MUNMAP, 0);
	if (!event)
		return 0;
	regs = mw_syscall_regs(task);
	event->addr = PT_REGS_PARM1_SYSCALL(regs);
	event->length = PT_REGS_PARM2_SYSCALL(regs);
	mw_event_submit(event, false);
	return 0;
}

/* mremap(old_addr, old_length, new_length, flags, new_addr) */
SEC("tracepoint/syscalls/sys_exit_mremap")
int mremap_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	struct mw_mremap_event *event;
	struct pt_regs *regs;

	if (mw_syscall_failed(ctx->ret))
		return 0;
	task = bpf_get_current_task_btf();
	if (!mw_passes_filter(task))
		return 0;
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_MREMAP, 0);
	if (!event)
		return 0;
	regs = mw_syscall_regs(task);
	event->old_addr = PT_REGS_PARM1_SYSCALL(regs);
	event->old_length = PT_REGS_PARM2_SYSCALL(regs);
	event->new_length = PT_REGS_PARM3_SYSCALL(regs);
	event->mremap_flags = PT_REGS_PARM4_SYSCALL(regs);
	event->new_addr = ctx->ret;
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

/*
 * mprotect(addr, length, prot) and pkey_mprotect(addr, length, prot, pkey):
 * the same record, pkey -1 for the former.
 */
static __always_inline void mw_protection_changed(long result, bool with_pkey)
{
	struct task_struct *task;
	struct mw_mprotect_event *event;
	struct pt_regs *regs;

	if (result != 0)
		return;
	task = bpf_get_current_task_btf();
	if (!mw_passes_filter(task))
		return;
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_MPROTECT, 0);
	if (!event)
		return;
	regs = mw_syscall_regs(task);
	event->addr = PT_REGS_PARM1_SYSCALL(regs);
	event->length = PT_REGS_PARM2_SYSCALL(regs);
	event->prot = PT_REGS_PARM3_SYSCALL(regs);
	event->pkey = with_pkey ? (int)PT_REGS_PARM4_SYSCALL(regs) : -1;
	mw_event_submit(event, false);
}

SEC("tracepoint/syscalls/sys_exit_mprotect")
int mprotect_exit(struct trace_event_raw_sys_exit *ctx)
{
	mw_protection_changed(ctx->ret, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pkey_mprotect")
int pkey_mprotect_exit(struct trace_event_raw_sys_exit *ctx)
{
	mw_protection_changed(ctx->ret, true);
	return 0;
}

/* ==== madvise, mlock, munlock, remap_file_pages: VMA flags and offsets ==== */

/*
 * mlock sets VM_LOCKED first, then faults the pages in: a fault that fails
 * (a page past the end of file) fails the call, -ENOMEM or -EAGAIN, with the
 * flags set. Refused for a hole in the range, -ENOMEM changed nothing, and
 * there is no mapping of ours to change either.
 */
static __always_inline bool mw_mlock_applied(long ret)
{
	return ret == 0 || ret == -MW_ENOMEM || ret == -MW_EAGAIN;
}

static __always_inline void mw_range_changed(__u32 op, __u64 addr, __u64 length, __u64 value)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_range_event *event;

	if (!mw_passes_filter(task))
		return;
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_RANGE, 0);
	if (!event)
		return;
	event->addr = addr;
	event->length = length;
	event->value = value;
	event->op = op;
	event->pad = 0;
	mw_event_submit(event, false);
}

/*
 * The traced call's (addr, length, ...) range changed. value: the call's
 * argument number value_arg (a constant), or 0 when value_arg is 0.
 */
static __always_inline void mw_syscall_range_changed(__u32 op, int value_arg)
{
	struct pt_regs *regs = mw_syscall_regs(bpf_get_current_task_btf());
	__u64 value = value_arg ? mw_syscall_arg(regs, value_arg) : 0;

	mw_range_changed(op, PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs), value);
}

/* madvise(addr, length, advice) */
SEC("tracepoint/syscalls/sys_exit_madvise")
int madvise_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 advice;

	/* -ENOMEM: part of the range was not mapped, the rest was advised */
	if (ctx->ret != 0 && ctx->ret != -MW_ENOMEM)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	advice = (int)PT_REGS_PARM3_SYSCALL(regs);
	/* the common advice (MADV_DONTNEED, MADV_FREE...) leaves VMAs as they are */
	if (advice < MW_MADV_FLAGS_FIRST || advice > MW_MADV_FLAGS_LAST)
		return 0;
	mw_range_changed(MW_RANGE_MADVISE, PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs),
			 advice);
	return 0;
}

/* mlock(addr, length) */
SEC("tracepoint/syscalls/sys_exit_mlock")
int mlock_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (mw_mlock_applied(ctx->ret))
		mw_syscall_range_changed(MW_RANGE_MLOCK, 0);
	return 0;
}

/* mlock2(addr, length, flags) */
SEC("tracepoint/syscalls/sys_exit_mlock2")
int mlock2_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (mw_mlock_applied(ctx->ret))
		mw_syscall_range_changed(MW_RANGE_MLOCK, 3);
	return 0;
}

/* munlock(addr, length) */
SEC("tracepoint/syscalls/sys_exit_munlock")
int munlock_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		mw_syscall_range_changed(MW_RANGE_MUNLOCK, 0);
	return 0;
}

/* mlockall(flags): checked before anything changes, so an error is no change. */
SEC("tracepoint/syscalls/sys_exit_mlockall")
int mlockall_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_range_changed(MW_RANGE_MLOCKALL, 0, 0, PT_REGS_PARM1_SYSCALL(regs));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munlockall")
int munlockall_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		mw_range_changed(MW_RANGE_MUNLOCKALL, 0, 0, 0);
	return 0;
}

/*
 * process_madvise(pidfd, iovec, vlen, advice, flags): advice that changes VMA
 * flags is taken for the caller's own address space only (6.13+). Ranges
 * come in user memory: the process is read from /proc instead.
 */
SEC("tracepoint/syscalls/sys_exit_process_madvise")
int process_madvise_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	__u64 advice;

	if (ctx->ret <= 0)
		return 0;
	task = bpf_get_current_task_btf();
	advice = (int)PT_REGS_PARM4_SYSCALL(mw_syscall_regs(task));
	if (advice < MW_MADV_FLAGS_FIRST || advice > MW_MADV_FLAGS_LAST || !mw_passes_filter(task))
		return 0;
	mw_mark_dirty(task->tgid);
	return 0;
}

/* remap_file_pages(start, size, prot, pgoff, flags) */
SEC("tracepoint/syscalls/sys_exit_remap_file_pages")
int remap_file_pages_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		mw_syscall_range_changed(MW_RANGE_REMAP_PAGES, 4);
	return 0;
}

/* ==== ftruncate(fd) and open(O_TRUNC) ==== */

/* The size of the file open at fd changed: a TRUNCATE record if it is tracked. */
static __always_inline void mw_fd_truncated(struct task_struct *task, long fd)
{
	struct mw_tracked_inode *tracked;
	struct mw_inode_key key = {};
	struct mw_file_event *event;
	struct inode *inode;
	struct file *file;

	file = mw_file_of_fd(task, fd);
	if (!file)
		return;
	inode = file->f_inode;
	key.ino = inode->i_ino;
	key.dev = mw_stat_dev(inode);
	tracked = bpf_map_lookup_elem(&tracked_inodes, &key);
	if (!tracked)
		return;
	/* a stacking filesystem's fd does not say which real inode a mapping holds */
	if (!tracked->inode && !inode->i_sb->s_stack_depth) {
		/* seeded from /proc: learn the address here too */
		tracked->dentry = (__u64)file->f_path.dentry;
		tracked->generation = inode->i_generation;
		tracked->inode = (__u64)inode;
	}
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_TRUNCATE, 0);
	if (!event)
		return;
	mw_read_file_id(inode, inode, key.dev, &event->file);
	mw_event_submit(event, false);
}

/* ftruncate(fd, length) */
SEC("tracepoint/syscalls/sys_exit_ftruncate")
int ftruncate_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;

	if (ctx->ret != 0)
		return 0;
	task = bpf_get_current_task_btf();
	mw_fd_truncated(task, (int)PT_REGS_PARM1_SYSCALL(mw_syscall_regs(task)));
	return 0;
}

/*
 * An open that truncated a file changed its size as ftruncate would. Every
 * open on the host runs these, so anything but O_TRUNC returns at once.
 * The flags are argument flags_arg of the call (a constant).
 */
static __always_inline void mw_open_exit(long fd, int flags_arg)
{
	if (fd >= 0 &&
	    (mw_syscall_arg(mw_syscall_regs(bpf_get_current_task_btf()), flags_arg) & MW_O_TRUNC))
		mw_fd_truncated(bpf_get_current_task_btf(), fd);
}

/* openat(dirfd, path, flags, mode) */
SEC("tracepoint/syscalls/sys_exit_openat")
int openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	mw_open_exit(ctx->ret, 3);
	return 0;
}

/* open(path, flags, mode) */
SEC("tracepoint/syscalls/sys_exit_open")
int open_exit(struct trace_event_raw_sys_exit *ctx)
{
	mw_open_exit(ctx->ret, 2);
	return 0;
}

/* creat(path, mode): open(path, O_CREAT | O_WRONLY | O_TRUNC, mode) */
SEC("tracepoint/syscalls/sys_exit_creat")
int creat_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0)
		mw_fd_truncated(bpf_get_current_task_btf(), ctx->ret);
	return 0;
}

/* openat2(dirfd, path, struct open_how *how, size): how->flags is its first field */
SEC("tracepoint/syscalls/sys_exit_openat2")
int openat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 flags = 0;

	if (ctx->ret < 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	if (bpf_probe_read_user(&flags, sizeof(flags), (void *)PT_REGS_PARM3_SYSCALL(regs)))
		return 0;
	if (flags & MW_O_TRUNC)
		mw_fd_truncated(bpf_get_current_task_btf(), ctx->ret);
	return 0;
}

/* ==== unlink, rename, truncate(path): basename buckets ==== */

/*
 * Not filtered by --pid/--comm: a filtered process's mapped file may be
 * deleted by anyone, and only tracked inodes can produce events. The paths
 * are read at exit, from the registers: the caller's memory still holds them.
 */
static __always_inline void mw_path_unlinked(__u64 user_path)
{
	mw_settle_bucket(mw_user_path_basename_hash(user_path), 0);
	mw_check_multilink_inodes();
}

/* A rename's paths are arguments old_arg and new_arg of the call (constants). */
static __always_inline int mw_rename_exit(long ret, int old_arg, int new_arg)
{
	struct pt_regs *regs;
	__u64 old_hash, new_hash;

	if (ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	old_hash = mw_user_path_basename_hash(mw_syscall_arg(regs, old_arg));
	new_hash = mw_user_path_basename_hash(mw_syscall_arg(regs, new_arg));
	/* the new name first: a file renamed over is deleted */
	mw_settle_bucket(new_hash, MW_CHECK_RENAME);
	if (old_hash != new_hash)
		mw_settle_bucket(old_hash, MW_CHECK_RENAME);
	mw_check_multilink_inodes();
	return 0;
}

/* unlink(path) */
SEC("tracepoint/syscalls/sys_exit_unlink")
int unlink_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_path_unlinked(PT_REGS_PARM1_SYSCALL(regs));
	return 0;
}

/* unlinkat(dirfd, path, flags) */
SEC("tracepoint/syscalls/sys_exit_unlinkat")
int unlinkat_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	if (!(PT_REGS_PARM3_SYSCALL(regs) & MW_AT_REMOVEDIR))
		mw_path_unlinked(PT_REGS_PARM2_SYSCALL(regs));
	return 0;
}

/* rename(oldpath, newpath) */
SEC("tracepoint/syscalls/sys_exit_rename")
int rename_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_rename_exit(ctx->ret, 1, 2);
}

/* renameat(olddirfd, oldpath, newdirfd, newpath) */
SEC("tracepoint/syscalls/sys_exit_renameat")
int renameat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_rename_exit(ctx->ret, 2, 4);
}

/* renameat2(olddirfd, oldpath, newdirfd, newpath, flags) */
SEC("tracepoint/syscalls/sys_exit_renameat2")
int renameat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_rename_exit(ctx->ret, 2, 4);
}

/* truncate(path, length) */
SEC("tracepoint/syscalls/sys_exit_truncate")
int truncate_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 name_hash;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	name_hash = mw_user_path_basename_hash(PT_REGS_PARM1_SYSCALL(regs));
	mw_settle_bucket(name_hash, MW_CHECK_TRUNCATE);
	return 0;
}

/* ==== Processes ==== */

SEC("raw_tracepoint/sched_process_fork")
int process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = mw_cast(task_struct, ctx->args[0]);
	struct task_struct *child = mw_cast(task_struct, ctx->args[1]);
	__u32 parent_tgid = parent->tgid, child_tgid = child->tgid;
	struct task_struct *current_task;
	struct mw_fork_event *event;
	struct mm_struct *child_mm;
	__u32 flags = 0;

	/* a new thread is not a new process */
	if (parent_tgid == child_tgid || mw_is_kernel_thread(child))
		return 0;
	current_task = bpf_get_current_task_btf();
	if (!mw_passes_filter(current_task))
		return 0;
	/* --pid names processes, not their children: no later record would follow this one */
	if (filter_pids_enabled && !bpf_map_lookup_elem(&filter_pids, &child_tgid))
		return 0;
	child_mm = child->mm;
	if (child_mm && child_mm == parent->mm)
		flags |= MW_FORK_SHARED_MM;
	else if (parent->mm && parent->mm->mm_users.counter > 1)
		flags |= MW_FORK_MM_SHARED_BY_OTHERS;
	/* the caller is the parent: its address space is what the child copied */
	event = mw_event_reserve(current_task, sizeof(*event), MW_EVENT_FORK, flags);
	/*
	 * A parent whose records were lost has a view userspace is yet to
	 * repair, and the child would copy it; a lost FORK leaves no view at
	 * all. Either way the child is re-read from /proc too.
	 */
	if (!event || bpf_map_lookup_elem(&dirty_tgids, &parent_tgid))
		mw_mark_dirty(child_tgid);
	if (!event)
		return 0;
	event->child_pid = child_tgid;
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

SEC("raw_tracepoint/sched_process_exec")
int process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_exec_event *event;

	if (!mw_passes_filter(task))
		return 0;
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_EXEC, 0);
	if (!event)
		return 0;
	event->old_pid = (__u32)ctx->args[1];
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mw_exit_event *event;
	bool group_dead;

	if (mw_is_kernel_thread(task))
		return 0;
	/*
	 * Only the thread that takes signal->live to 0 ends the process. Kernels
	 * without the group_dead argument: read live, which may report twice when
	 * the last two threads exit together.
	 */
	if (exit_has_group_dead)
		group_dead = (bool)ctx->args[1];
	else
		group_dead = task->signal->live.counter == 0;
	if (!group_dead || !mw_passes_filter(task))
		return 0;
	event = mw_event_reserve(task, sizeof(*event), MW_EVENT_EXIT, 0);
	if (!event)
		return 0;
	event->exit_code = task->exit_code;
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

/* ==== Programs userspace runs itself (mapwatch_query.bpf.h) ==== */

static long mw_sample_process(__u64 index, void *context)
{
	struct mw_process_sample *sample;
	struct task_struct *task;
	struct mm_struct *mm;

	if (index >= MW_PROCESS_QUERY_MAX)
		return 1;
	sample = &process_query.samples[index];
	/* a thread group id names its leader, as /proc does */
	task = bpf_task_from_pid(process_query.pids[index]);
	if (!task) {
		sample->alive = 0;
		sample->map_count = 0;
		sample->comm[0] = '\0';
		return 0;
	}
	/*
	 * Every thread has exited: the process maps nothing any more, even if
	 * exit_mm() is still to run (sched_process_exit may come first).
	 */
	sample->alive = task->signal->live.counter != 0;
	mm = task->mm;
	sample->map_count = mm ? mm->map_count : 0;
	bpf_probe_read_kernel_str(sample->comm, sizeof(sample->comm), task->comm);
	bpf_task_release(task);
	return 0;
}

/*
 * Map counts and names of the processes in process_query.pids: what the old
 * per-syscall map count table gave, without a map update on every mmap,
 * munmap and brk of the host.
 */
SEC("syscall")
int read_processes(void *context)
{
	return mw_query_answer(process_query.count, MW_PROCESS_QUERY_MAX, mw_sample_process);
}

static long mw_audit_visit(struct bpf_map *map, struct mw_inode_key *key,
			   struct mw_tracked_inode *tracked, void *context)
{
	struct mw_inode_key inode_key = *key;
	unsigned int nlink = 1;

	inode_audit.entries++;
	if (!tracked->inode || (tracked->flags & MW_TRACKED_DELETED))
		return 0;
	/* a stale address (its last mapping went) reads garbage, never faults */
	bpf_probe_read_kernel(&nlink, sizeof(nlink), &mw_cast(inode, tracked->inode)->i_nlink);
	if (nlink)
		return 0;
	mw_report_deleted(tracked, &inode_key, MW_UNLINK_AUDIT);
	inode_audit.unlinks_found++;
	return 0;
}

/*
 * Every tracked inode's link count, against what was reported: a deletion
 * that no syscall hook saw (a kernel table that was full, a race with
 * userspace forgetting an inode) is sent now, flagged MW_UNLINK_AUDIT. About
 * 30 ns per tracked inode, paid by the agent once per interval.
 */
SEC("syscall")
int audit_inodes(void *context)
{
	inode_audit.entries = 0;
	inode_audit.unlinks_found = 0;
	bpf_for_each_map_elem(&tracked_inodes, mw_audit_visit, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
