/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the kernel: the constants vmlinux.h cannot carry (BTF holds types,
 * not macros), each with the header that defines it; the arguments of the
 * syscall being traced; and the task, file and inode fields the programs
 * read. No maps and no globals: static inline helpers only.
 *
 * Kernel structures are read with plain loads through BTF pointers
 * (bpf_get_current_task_btf(), bpf_rdonly_cast()) rather than one
 * bpf_probe_read_kernel() call per field: the JIT makes each a single load
 * with a fault fixup, which is what keeps a traced syscall cheap.
 */
#ifndef MAPWATCH_KERNEL_BPF_H
#define MAPWATCH_KERNEL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "mapwatch_events.h"

/* S_IFMT, S_IFREG: include/uapi/linux/stat.h */
#define MW_S_IFMT 00170000
#define MW_S_IFREG 0100000
/*
 * MNT_INTERNAL: include/linux/mount.h (unchanged since 2.6). Set on
 * kern_mount()ed filesystems, e.g. the shm mount behind memfd and SysV shm.
 */
#define MW_MNT_INTERNAL 0x4000
/* MAP_FIXED, MAP_ANONYMOUS: include/uapi/asm-generic/mman-common.h (x86 keeps them) */
#define MW_MAP_FIXED 0x10
#define MW_MAP_ANONYMOUS 0x20
/*
 * The madvise advice that changes VMA flags, MADV_DONTFORK (10) to
 * MADV_KEEPONFORK (19): include/uapi/asm-generic/mman-common.h
 */
#define MW_MADV_FLAGS_FIRST 10
#define MW_MADV_FLAGS_LAST 19
/* O_TRUNC: include/uapi/asm-generic/fcntl.h */
#define MW_O_TRUNC 00001000
/* AT_REMOVEDIR: include/uapi/linux/fcntl.h */
#define MW_AT_REMOVEDIR 0x200
/* FMODE_WRITE: include/linux/fs.h */
#define MW_FMODE_WRITE 0x2
/* PF_KTHREAD: include/linux/sched.h */
#define MW_PF_KTHREAD 0x00200000
/* BTRFS_SUPER_MAGIC: include/uapi/linux/magic.h */
#define MW_BTRFS_SUPER_MAGIC 0x9123683EUL
/* MAX_ERRNO: include/linux/err.h; a syscall fails with -1..-MAX_ERRNO */
#define MW_MAX_ERRNO 4095
/*
 * E2BIG (what a full hash map answers an insert), EAGAIN, ENOMEM, EBUSY:
 * include/uapi/asm-generic/errno-base.h
 */
#define MW_E2BIG 7
#define MW_EAGAIN 11
#define MW_ENOMEM 12
#define MW_EBUSY 16
/* NAME_MAX, PATH_MAX (NUL included): include/uapi/linux/limits.h */
#define MW_NAME_MAX 255
#define MW_PATH_MAX 4096

/*
 * The sixth syscall argument: x86-64 passes it in r9
 * (arch/x86/entry/entry_64.S). libbpf's bpf_tracing.h names it from 1.2 on.
 */
#ifndef PT_REGS_PARM6_SYSCALL
#if defined(bpf_target_x86)
#define PT_REGS_PARM6_SYSCALL(x) ((x)->r9)
#else
#error "PT_REGS_PARM6_SYSCALL: the sixth syscall argument's register is only known here for x86"
#endif
#endif

extern void *bpf_rdonly_cast(const void *object, __u32 btf_id) __ksym;

/* A kernel address userspace stored, or a pointer read from memory, as a typed read-only one. */
#define mw_cast(type, address) \
	((struct type *)bpf_rdonly_cast((void *)(address), bpf_core_type_id_kernel(struct type)))

static __always_inline bool mw_syscall_failed(long ret)
{
	return ret < 0 && ret >= -MW_MAX_ERRNO;
}

/*
 * The registers the syscall was entered with, for PT_REGS_PARMn_SYSCALL().
 * At a sys_exit tracepoint they still hold its arguments (x86-64: di, si, dx,
 * r10, r8, r9): the syscall reads them from pt_regs and only ax takes the
 * result. Reading them at exit spares an entry program and a map update and
 * delete per call.
 */
static __always_inline struct pt_regs *mw_syscall_regs(struct task_struct *task)
{
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/* Argument n (1 to 6, a constant) of the syscall whose registers regs are. */
static __always_inline unsigned long mw_syscall_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 1:
		return PT_REGS_PARM1_SYSCALL(regs);
	case 2:
		return PT_REGS_PARM2_SYSCALL(regs);
	case 3:
		return PT_REGS_PARM3_SYSCALL(regs);
	case 4:
		return PT_REGS_PARM4_SYSCALL(regs);
	case 5:
		return PT_REGS_PARM5_SYSCALL(regs);
	case 6:
		return PT_REGS_PARM6_SYSCALL(regs);
	}
	return 0;
}

static __always_inline bool mw_is_kernel_thread(struct task_struct *task)
{
	return task->flags & MW_PF_KTHREAD;
}

static __always_inline __u32 mw_map_count_of(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;

	return mm ? mm->map_count : 0;
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

/* A regular file on a mount users can see: a file mapping (deploy/reference.md, "Terms"). */
static __always_inline bool mw_is_user_file(struct file *file)
{
	umode_t mode = file->f_inode->i_mode;
	int mnt_flags = file->f_path.mnt->mnt_flags;

	return (mode & MW_S_IFMT) == MW_S_IFREG && !(mnt_flags & MW_MNT_INTERNAL);
}

/* Copies a dentry's name into name[MW_NAME_LEN]; true when it had to be cut. */
static __always_inline bool mw_copy_dentry_name(struct dentry *dentry, char *name)
{
	bpf_probe_read_kernel_str(name, MW_NAME_LEN, dentry->d_name.name);
	return dentry->d_name.len >= MW_NAME_LEN;
}

#endif /* MAPWATCH_KERNEL_BPF_H */
