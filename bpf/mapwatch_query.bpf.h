/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programs userspace runs itself (BPF_PROG_RUN), never attached: userspace
 * writes a query into the object's mmap()ed .bss, the program answers in
 * place, at the agent's cost instead of the traced processes'. Shared by
 * the tracer's read_processes (mapwatch.bpf.c) and the page cache reader
 * (mapwatch_cache.bpf.c). Static inline only.
 */
#ifndef MAPWATCH_QUERY_BPF_H
#define MAPWATCH_QUERY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Both hold the task they found: released with bpf_task_release(). */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *task) __ksym;

/*
 * Answers entries [0, count) of a query with room for room of them:
 * visit(i, NULL) for each, in one bpf_loop, so the verifier checks visit
 * once whatever the count. visit still bounds i itself: the verifier does
 * not know it stays below count.
 */
static __always_inline int mw_query_answer(__u32 count, __u32 room,
					   long (*visit)(__u64 index, void *context))
{
	if (count > room)
		count = room;
	bpf_loop(count, visit, NULL, 0);
	return 0;
}

#endif /* MAPWATCH_QUERY_BPF_H */
