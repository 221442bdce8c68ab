// SPDX-License-Identifier: GPL-2.0
/*
 * mapwatch kernel side: follows file mappings, the syscalls that change them,
 * the deletion of mapped files, and process lifetimes, into one ring buffer.
 * Anonymous mappings never cross to userspace; they only move map_counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "mapwatch_events.h"
#include "mapwatch_maps.bpf.h"
#include "mapwatch_helpers.bpf.h"
#include "mapwatch_names.bpf.h"

#define MW_AT_REMOVEDIR 0x200

enum mw_path_syscall {
	MW_PATH_UNLINK = 1,
	MW_PATH_RENAME = 2,
	MW_PATH_TRUNCATE = 3,
};

/*
 * Saves the first count arguments. Reading past a syscall's own arguments
 * makes attaching fail with EACCES (the tracepoint's record is shorter), and
 * reading them one by one keeps the context pointer fixed, as the verifier wants.
 */
static __always_inline void mw_save_args(struct trace_event_raw_sys_enter *ctx, const int count)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mw_pending_args pending = {
		.args = { count > 0 ? ctx->args[0] : 0, count > 1 ? ctx->args[1] : 0,
			  count > 2 ? ctx->args[2] : 0, count > 3 ? ctx->args[3] : 0,
			  count > 4 ? ctx->args[4] : 0, count > 5 ? ctx->args[5] : 0 },
	};

	bpf_map_update_elem(&pending_args, &tid, &pending, BPF_ANY);
}

/* Takes the arguments saved at entry; false when there are none (filtered, or not wanted). */
static __always_inline bool mw_take_args(struct mw_pending_args *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mw_pending_args *pending = bpf_map_lookup_elem(&pending_args, &tid);

	if (!pending)
		return false;
	*out = *pending;
	bpf_map_delete_elem(&pending_args, &tid);
	return true;
}

/* ---- mmap ---- */

/* Records a mapped inode in tracked_inodes and a name slot, or learns its address. */
static __always_inline void mw_track_inode(struct mw_inode_key *key, __u64 inode_address,
					   __u64 dentry_address, __u64 name_hash)
{
	struct mw_tracked_inode *tracked = bpf_map_lookup_elem(&tracked_inodes, key);
	struct mw_tracked_inode fresh = {
		.inode = inode_address,
		.dentry = dentry_address,
		.name_hash = name_hash,
		.slot = MW_NAME_SLOTS,
	};

	if (tracked) {
		/*
		 * Seeded (address unknown), or a new inode under a reused inode
		 * number, or its name went earlier: file it under the name it has now.
		 */
		if (tracked->inode != inode_address || tracked->slot >= MW_NAME_SLOTS) {
			mw_release_name_slot(tracked->name_hash, tracked->slot, key);
			tracked->dentry = dentry_address;
			tracked->inode = inode_address;
			tracked->name_hash = name_hash;
			tracked->slot =
				name_hash ? mw_claim_name_slot(name_hash, key) : MW_NAME_SLOTS;
		}
		return;
	}
	if (name_hash)
		fresh.slot = mw_claim_name_slot(name_hash, key);
	if (bpf_map_update_elem(&tracked_inodes, key, &fresh, BPF_NOEXIST))
		mw_release_name_slot(name_hash, fresh.slot, key);
}

static __always_inline void mw_file_mmap(struct mw_pending_args *args, long address,
					 struct file *file, __u32 tgid)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct mw_inode_key key = {};
	struct mw_mmap_event *event;
	__u64 name_hash;

	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	name_hash = mw_dentry_name_hash((__u64)dentry);
	mw_track_inode(&key, (__u64)inode, (__u64)dentry, name_hash);
	mw_track_tgid(tgid);

	event = mw_event_reserve(sizeof(*event), MW_EVENT_MMAP, MW_MMAP_FILE | MW_MMAP_INODE_KNOWN);
	if (!event)
		return;
	event->addr = address;
	event->length = args->args[1];
	event->prot = args->args[2];
	event->map_flags = args->args[3];
	event->offset = args->args[5];
	mw_read_file_id(inode, &event->file);
	event->name_hash = name_hash;
	if (mw_copy_dentry_name(dentry, event->name))
		event->header.flags |= MW_MMAP_NAME_TRUNCATED;
	mw_event_submit(event, false);
}

/* MAP_FIXED anonymous (or non-file) memory replacing part of a tracked process's mappings. */
static __always_inline void mw_fixed_mmap(struct mw_pending_args *args, long address)
{
	struct mw_mmap_event *event = mw_event_reserve(sizeof(*event), MW_EVENT_MMAP, 0);

	if (!event)
		return;
	event->addr = address;
	event->length = args->args[1];
	event->prot = args->args[2];
	event->map_flags = args->args[3];
	event->offset = args->args[5];
	__builtin_memset(&event->file, 0, sizeof(event->file));
	event->name_hash = 0;
	event->name[0] = '\0';
	mw_event_submit(event, false);
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int mmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (mw_passes_filter(mw_current_tgid()))
		mw_save_args(ctx, 6);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int mmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = mw_current_tgid();
	struct mw_pending_args args;
	struct file *file = NULL;
	__u64 map_flags;
	long fd;

	if (!mw_take_args(&args))
		return 0;
	mw_update_map_count(tgid);
	if (mw_syscall_failed(ctx->ret))
		return 0;
	map_flags = args.args[3];
	fd = (int)args.args[4];
	if (!(map_flags & MW_MAP_ANONYMOUS) && fd >= 0)
		file = mw_file_of_fd(fd);
	if (file && mw_is_user_file(file))
		mw_file_mmap(&args, ctx->ret, file, tgid);
	else if ((map_flags & MW_MAP_FIXED) && mw_tgid_tracked(tgid))
		mw_fixed_mmap(&args, ctx->ret);
	return 0;
}

/* ---- munmap, mremap, mprotect, brk: events for tracked processes, map counts for all ---- */

static __always_inline void mw_save_args_if_tracked(struct trace_event_raw_sys_enter *ctx,
						    const int count)
{
	__u32 tgid = mw_current_tgid();

	if (mw_tgid_tracked(tgid) && mw_passes_filter(tgid))
		mw_save_args(ctx, count);
}

/* Common exit work; true when the caller should send its event with args. */
static __always_inline bool mw_mapping_syscall_exit(struct trace_event_raw_sys_exit *ctx,
						    struct mw_pending_args *args)
{
	__u32 tgid = mw_current_tgid();
	bool have_args = mw_take_args(args);

	if (!have_args && !mw_passes_filter(tgid))
		return false;
	mw_update_map_count(tgid);
	return have_args && !mw_syscall_failed(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int munmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_args_if_tracked(ctx, 2);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int munmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct mw_pending_args args;
	struct mw_munmap_event *event;

	if (!mw_mapping_syscall_exit(ctx, &args))
		return 0;
	event = mw_event_reserve(sizeof(*event), MW_EVENT_MUNMAP, 0);
	if (!event)
		return 0;
	event->addr = args.args[0];
	event->length = args.args[1];
	mw_event_submit(event, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int mremap_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_args_if_tracked(ctx, 5);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int mremap_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct mw_pending_args args;
	struct mw_mremap_event *event;

	if (!mw_mapping_syscall_exit(ctx, &args))
		return 0;
	event = mw_event_reserve(sizeof(*event), MW_EVENT_MREMAP, 0);
	if (!event)
		return 0;
	event->old_addr = args.args[0];
	event->old_length = args.args[1];
	event->new_length = args.args[2];
	event->mremap_flags = args.args[3];
	event->new_addr = ctx->ret;
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int mprotect_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_args_if_tracked(ctx, 3);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mprotect")
int mprotect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct mw_pending_args args;
	struct mw_mprotect_event *event;

	if (!mw_mapping_syscall_exit(ctx, &args))
		return 0;
	event = mw_event_reserve(sizeof(*event), MW_EVENT_MPROTECT, 0);
	if (!event)
		return 0;
	event->addr = args.args[0];
	event->length = args.args[1];
	event->prot = args.args[2];
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_brk")
int brk_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = mw_current_tgid();

	if (mw_passes_filter(tgid))
		mw_update_map_count(tgid);
	return 0;
}

/* ---- ftruncate(fd) ---- */

SEC("tracepoint/syscalls/sys_enter_ftruncate")
int ftruncate_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_args(ctx, 2);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ftruncate")
int ftruncate_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct mw_tracked_inode *tracked;
	struct mw_pending_args args;
	struct mw_inode_key key = {};
	struct mw_file_event *event;
	struct inode *inode;
	struct file *file;

	if (!mw_take_args(&args) || ctx->ret != 0)
		return 0;
	file = mw_file_of_fd((int)args.args[0]);
	if (!file)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	tracked = bpf_map_lookup_elem(&tracked_inodes, &key);
	if (!tracked)
		return 0;
	if (!tracked->inode) {
		tracked->dentry = (__u64)BPF_CORE_READ(file, f_path.dentry);
		tracked->inode = (__u64)inode;
	}
	event = mw_event_reserve(sizeof(*event), MW_EVENT_TRUNCATE, 0);
	if (!event)
		return 0;
	mw_read_file_id(inode, &event->file);
	mw_event_submit(event, false);
	return 0;
}

/* ---- unlink, rename, truncate(path): basename buckets ---- */

/*
 * Hashes the path(s) at entry, while the user pointers are valid. These are
 * not filtered by --pid/--comm: a filtered process's mapped file may be
 * deleted by anyone, and only tracked inodes can produce events.
 */
static __always_inline void mw_save_paths(__u32 kind, __u64 first_path, __u64 second_path)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mw_pending_paths pending = { .kind = kind };

	pending.name_hash[0] = mw_user_path_basename_hash(first_path);
	if (second_path)
		pending.name_hash[1] = mw_user_path_basename_hash(second_path);
	bpf_map_update_elem(&pending_paths, &tid, &pending, BPF_ANY);
}

/* Global: the one copy of the bucket logic all path syscalls share. */
__noinline int mw_finish_path_syscall(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mw_pending_paths *saved = bpf_map_lookup_elem(&pending_paths, &tid);
	struct mw_pending_paths pending;

	if (!saved)
		return 0;
	pending = *saved;
	bpf_map_delete_elem(&pending_paths, &tid);
	if (ret != 0)
		return 0;
	if (pending.kind == MW_PATH_TRUNCATE) {
		mw_truncate_bucket(pending.name_hash[0]);
		return 0;
	}
	if (pending.kind == MW_PATH_UNLINK) {
		mw_check_bucket(pending.name_hash[0], 0);
	} else {
		/* rename: the new name first (a file renamed over is deleted), then the old name */
		mw_check_bucket(pending.name_hash[1], MW_CHECK_RENAME);
		if (pending.name_hash[0] != pending.name_hash[1])
			mw_check_bucket(pending.name_hash[0], MW_CHECK_RENAME);
	}
	mw_check_multilink_inodes();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int unlink_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_paths(MW_PATH_UNLINK, ctx->args[0], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int unlink_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_finish_path_syscall(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int unlinkat_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (!(ctx->args[2] & MW_AT_REMOVEDIR))
		mw_save_paths(MW_PATH_UNLINK, ctx->args[1], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int unlinkat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_finish_path_syscall(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_rename")
int rename_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_paths(MW_PATH_RENAME, ctx->args[0], ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int rename_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_finish_path_syscall(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int renameat_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_paths(MW_PATH_RENAME, ctx->args[1], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int renameat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_finish_path_syscall(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int renameat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_paths(MW_PATH_RENAME, ctx->args[1], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int renameat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_finish_path_syscall(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_truncate")
int truncate_enter(struct trace_event_raw_sys_enter *ctx)
{
	mw_save_paths(MW_PATH_TRUNCATE, ctx->args[0], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_truncate")
int truncate_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_finish_path_syscall(ctx->ret);
}

/* ---- processes ---- */

static __always_inline bool mw_is_kernel_thread(struct task_struct *task)
{
	return BPF_CORE_READ(task, flags) & MW_PF_KTHREAD;
}

SEC("raw_tracepoint/sched_process_fork")
int process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	struct mw_fork_event *event;
	struct mm_struct *child_mm;
	__u32 flags = 0;

	/* a new thread is not a new process */
	if (parent_tgid == child_tgid || mw_is_kernel_thread(child))
		return 0;
	if (!mw_passes_filter(parent_tgid))
		return 0;
	child_mm = BPF_CORE_READ(child, mm);
	if (child_mm && child_mm == BPF_CORE_READ(parent, mm))
		flags |= MW_FORK_SHARED_MM;
	if (mw_tgid_tracked(parent_tgid))
		mw_track_tgid(child_tgid);
	event = mw_event_reserve(sizeof(*event), MW_EVENT_FORK, flags);
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
	__u32 tgid = mw_current_tgid();
	struct mw_exec_event *event;

	if (!mw_passes_filter(tgid))
		return 0;
	/* the new image and its interpreter are file mappings the loader made */
	mw_track_tgid(tgid);
	mw_update_map_count(tgid);
	event = mw_event_reserve(sizeof(*event), MW_EVENT_EXEC, 0);
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
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	struct mw_exit_event *event;
	__u32 tgid;
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
		group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	if (!group_dead)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&tracked_tgids, &tgid);
	bpf_map_delete_elem(&map_counts, &tgid);
	if (!mw_passes_filter(tgid))
		return 0;
	event = mw_event_reserve(sizeof(*event), MW_EVENT_EXIT, 0);
	if (!event)
		return 0;
	event->exit_code = BPF_CORE_READ(task, exit_code);
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
