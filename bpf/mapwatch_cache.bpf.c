// SPDX-License-Identifier: GPL-2.0
/*
 * The page cache of deleted files, read where the kernel holds their inodes.
 * Userspace names each file once, by one of its mappings (a process and an
 * address in it); the program finds that VMA under the process's mmap lock,
 * where the VMA holds the file and the file its inode, checks that it is the
 * file asked about, and reads how many pages the file's page cache holds.
 * Run by userspace with BPF_PROG_RUN once an interval, never attached; a
 * separate object from mapwatch.bpf.c, so that a kernel refusing it costs
 * only this figure (userspace falls back to cachestat(2)).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "mapwatch_cache.h"
#include "mapwatch_kernel.bpf.h"
#include "mapwatch_query.bpf.h"

/* Userspace's request and the answer, in the mmap()ed .bss. */
struct mw_cache_query cache_query = {};

/*
 * The mapping's file, if it is the one asked about: by address and
 * generation when userspace knows them (which tells a file from a later one
 * that reuses its number), else by inode number and device. Pages are counted
 * in f_mapping, the page cache the mapping faults into.
 */
static long mw_vma_page_cache(struct task_struct *task, struct vm_area_struct *vma, void *context)
{
	struct mw_cache_probe *probe = context;
	struct file *file = vma->vm_file;
	struct inode *inode;

	probe->status = MW_CACHE_OTHER_FILE;
	if (!file)
		return 0;
	inode = file->f_inode;
	if (probe->inode) {
		if ((__u64)inode != probe->inode || inode->i_generation != probe->generation)
			return 0;
	} else if (inode->i_ino != probe->ino || inode->i_sb->s_dev != probe->dev) {
		return 0;
	}
	probe->pages = file->f_mapping->nrpages;
	probe->status = MW_CACHE_READ;
	return 0;
}

static long mw_probe_file(__u64 index, void *context)
{
	struct mw_cache_probe probe;
	struct task_struct *task;
	long err;

	if (index >= MW_CACHE_QUERY_MAX)
		return 1;
	probe = cache_query.probes[index];
	probe.pages = 0;
	probe.status = MW_CACHE_NO_PROCESS;
	task = bpf_task_from_pid(probe.pid);
	if (task) {
		/* trylock: a process mapping or unmapping right now is not waited for */
		err = bpf_find_vma(task, probe.address, mw_vma_page_cache, &probe, 0);
		bpf_task_release(task);
		if (err == -MW_EBUSY)
			probe.status = MW_CACHE_BUSY;
		else if (err)
			probe.status = MW_CACHE_NO_MAPPING;
	}
	cache_query.probes[index].pages = probe.pages;
	cache_query.probes[index].status = probe.status;
	return 0;
}

/*
 * The page cache of cache_query.probes[0, count): each file once, however
 * many processes map it, at the cost of a pid lookup and a VMA lookup each.
 */
SEC("syscall")
int read_page_cache(void *context)
{
	return mw_query_answer(cache_query.count, MW_CACHE_QUERY_MAX, mw_probe_file);
}

char LICENSE[] SEC("license") = "GPL";
