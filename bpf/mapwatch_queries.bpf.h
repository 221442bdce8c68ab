/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programs userspace runs itself (BPF_PROG_RUN), never attached: the kernel's
 * figures read when asked, at the agent's cost instead of the traced
 * processes'.
 */
#ifndef MAPWATCH_QUERIES_BPF_H
#define MAPWATCH_QUERIES_BPF_H

#include "mapwatch_names.bpf.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *task) __ksym;

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
	__u32 count = process_query.count;

	if (count > MW_PROCESS_QUERY_MAX)
		count = MW_PROCESS_QUERY_MAX;
	bpf_loop(count, mw_sample_process, NULL, 0);
	return 0;
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

#endif /* MAPWATCH_QUERIES_BPF_H */
