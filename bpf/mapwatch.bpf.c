// SPDX-License-Identifier: GPL-2.0
/*
 * mapwatch kernel side: follows file mappings, the syscalls that change them,
 * the deletion of mapped files, and process lifetimes, into one ring buffer.
 * Anonymous mappings never cross to userspace (but MAP_FIXED ones, which may
 * replace a file mapping). Only sys_exit tracepoints are hooked: arguments
 * come from the task's saved registers, so a traced call runs one program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "mapwatch_events.h"
#include "mapwatch_maps.bpf.h"
#include "mapwatch_helpers.bpf.h"
#include "mapwatch_basename.bpf.h"
#include "mapwatch_names.bpf.h"

#define MW_AT_REMOVEDIR 0x200
#define MW_FMODE_WRITE 0x2
#define MW_O_TRUNC 01000
#define MW_ENOMEM 12
#define MW_EAGAIN 11
/* madvise advice that changes VMA flags: MADV_DONTFORK (10) to MADV_KEEPONFORK (19) */
#define MW_MADV_FLAGS_FIRST 10
#define MW_MADV_FLAGS_LAST 19

/* ---- mmap ---- */

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
		mw_release_name_slot(tracked->name_hash, tracked->slot, key);
		if (name_hash)
			fresh.slot = mw_claim_name_slot(name_hash, key);
		*tracked = fresh;
		return name_hash;
	}
	if (name_hash)
		fresh.slot = mw_claim_name_slot(name_hash, key);
	err = bpf_map_update_elem(&tracked_inodes, key, &fresh, BPF_NOEXIST);
	if (err)
		mw_release_name_slot(name_hash, fresh.slot, key);
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
	event->addr = address;
	event->length = regs->si;
	event->prot = regs->dx;
	event->map_flags = regs->r10;
	event->offset = regs->r9;
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
	event->addr = address;
	event->length = regs->si;
	event->prot = regs->dx;
	event->map_flags = regs->r10;
	event->offset = regs->r9;
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
	map_flags = regs->r10;
	fd = (int)regs->r8;
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

/* ---- munmap, mremap, mprotect ---- */

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
	event->addr = regs->di;
	event->length = regs->si;
	mw_event_submit(event, false);
	return 0;
}

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
	event->old_addr = regs->di;
	event->old_length = regs->si;
	event->new_length = regs->dx;
	event->mremap_flags = regs->r10;
	event->new_addr = ctx->ret;
	event->pad = 0;
	mw_event_submit(event, false);
	return 0;
}

/* mprotect and pkey_mprotect: the same record, pkey -1 for the former. */
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
	event->addr = regs->di;
	event->length = regs->si;
	event->prot = regs->dx;
	event->pkey = with_pkey ? (int)regs->r10 : -1;
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

/* ---- madvise, mlock, munlock, remap_file_pages: VMA flags and offsets ---- */

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

SEC("tracepoint/syscalls/sys_exit_madvise")
int madvise_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 advice;

	/* -ENOMEM: part of the range was not mapped, the rest was advised */
	if (ctx->ret != 0 && ctx->ret != -MW_ENOMEM)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	advice = (int)regs->dx;
	/* the common advice (MADV_DONTNEED, MADV_FREE...) leaves VMAs as they are */
	if (advice < MW_MADV_FLAGS_FIRST || advice > MW_MADV_FLAGS_LAST)
		return 0;
	mw_range_changed(MW_RANGE_MADVISE, regs->di, regs->si, advice);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mlock")
int mlock_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (!mw_mlock_applied(ctx->ret))
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_range_changed(MW_RANGE_MLOCK, regs->di, regs->si, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mlock2")
int mlock2_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (!mw_mlock_applied(ctx->ret))
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_range_changed(MW_RANGE_MLOCK, regs->di, regs->si, regs->dx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munlock")
int munlock_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_range_changed(MW_RANGE_MUNLOCK, regs->di, regs->si, 0);
	return 0;
}

/* Checked before anything changes: an error is no change. */
SEC("tracepoint/syscalls/sys_exit_mlockall")
int mlockall_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_range_changed(MW_RANGE_MLOCKALL, 0, 0, regs->di);
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
 * process_madvise(pidfd, iovec, n, advice, flags): advice that changes VMA
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
	advice = (int)mw_syscall_regs(task)->r10;
	if (advice < MW_MADV_FLAGS_FIRST || advice > MW_MADV_FLAGS_LAST || !mw_passes_filter(task))
		return 0;
	mw_mark_dirty(task->tgid);
	return 0;
}

/* remap_file_pages(start, size, prot, pgoff, flags) */
SEC("tracepoint/syscalls/sys_exit_remap_file_pages")
int remap_file_pages_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_range_changed(MW_RANGE_REMAP_PAGES, regs->di, regs->si, regs->r10);
	return 0;
}

/* ---- ftruncate(fd) and open(O_TRUNC) ---- */

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

SEC("tracepoint/syscalls/sys_exit_ftruncate")
int ftruncate_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;

	if (ctx->ret != 0)
		return 0;
	task = bpf_get_current_task_btf();
	mw_fd_truncated(task, (int)mw_syscall_regs(task)->di);
	return 0;
}

/*
 * An open that truncated a file changed its size as ftruncate would. Every
 * open on the host runs these, so anything but O_TRUNC returns at once.
 */
SEC("tracepoint/syscalls/sys_exit_openat")
int openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0 && (mw_syscall_regs(bpf_get_current_task_btf())->dx & MW_O_TRUNC))
		mw_fd_truncated(bpf_get_current_task_btf(), ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int open_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0 && (mw_syscall_regs(bpf_get_current_task_btf())->si & MW_O_TRUNC))
		mw_fd_truncated(bpf_get_current_task_btf(), ctx->ret);
	return 0;
}

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
	__u64 flags = 0;

	if (ctx->ret < 0)
		return 0;
	if (bpf_probe_read_user(&flags, sizeof(flags),
				(void *)mw_syscall_regs(bpf_get_current_task_btf())->dx))
		return 0;
	if (flags & MW_O_TRUNC)
		mw_fd_truncated(bpf_get_current_task_btf(), ctx->ret);
	return 0;
}

/* ---- unlink, rename, truncate(path): basename buckets ---- */

/*
 * Not filtered by --pid/--comm: a filtered process's mapped file may be
 * deleted by anyone, and only tracked inodes can produce events. The paths
 * are read at exit, from the registers: the caller's memory still holds them.
 */
static __always_inline void mw_path_unlinked(__u64 user_path)
{
	mw_check_bucket(mw_user_path_basename_hash(user_path), 0);
	mw_check_multilink_inodes();
}

static __always_inline void mw_path_renamed(__u64 old_path, __u64 new_path)
{
	__u64 old_hash = mw_user_path_basename_hash(old_path);
	__u64 new_hash = mw_user_path_basename_hash(new_path);

	/* the new name first: a file renamed over is deleted */
	mw_check_bucket(new_hash, MW_CHECK_RENAME);
	if (old_hash != new_hash)
		mw_check_bucket(old_hash, MW_CHECK_RENAME);
	mw_check_multilink_inodes();
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int unlink_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		mw_path_unlinked(mw_syscall_regs(bpf_get_current_task_btf())->di);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int unlinkat_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	if (!(regs->dx & MW_AT_REMOVEDIR))
		mw_path_unlinked(regs->si);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int rename_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_path_renamed(regs->di, regs->si);
	return 0;
}

/* renameat(olddirfd, oldpath, newdirfd, newpath) and renameat2(..., flags) */
static __always_inline int mw_renameat_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret != 0)
		return 0;
	regs = mw_syscall_regs(bpf_get_current_task_btf());
	mw_path_renamed(regs->si, regs->r10);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int renameat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_renameat_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int renameat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return mw_renameat_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_truncate")
int truncate_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		mw_truncate_bucket(mw_user_path_basename_hash(
			mw_syscall_regs(bpf_get_current_task_btf())->di));
	return 0;
}

/* ---- processes ---- */

static __always_inline bool mw_is_kernel_thread(struct task_struct *task)
{
	return task->flags & MW_PF_KTHREAD;
}

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

#include "mapwatch_queries.bpf.h"

char LICENSE[] SEC("license") = "GPL";
