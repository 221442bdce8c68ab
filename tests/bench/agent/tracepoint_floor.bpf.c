// SPDX-License-Identifier: GPL-2.0
/*
 * The floor under any tracer of this problem: a program that does nothing,
 * on every tracepoint mapwatch hooks. What the host pays with it attached is
 * the kernel's own price for hooking those syscalls at all.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define EMPTY_SYSCALL_EXIT(syscall)                   \
	SEC("tracepoint/syscalls/sys_exit_" #syscall) \
	int floor_##syscall(void *context)            \
	{                                             \
		return 0;                             \
	}

#define EMPTY_SCHED(event)                          \
	SEC("raw_tracepoint/sched_process_" #event) \
	int floor_##event(void *context)            \
	{                                           \
		return 0;                           \
	}

EMPTY_SYSCALL_EXIT(mmap)
EMPTY_SYSCALL_EXIT(munmap)
EMPTY_SYSCALL_EXIT(mremap)
EMPTY_SYSCALL_EXIT(mprotect)
EMPTY_SYSCALL_EXIT(ftruncate)
EMPTY_SYSCALL_EXIT(truncate)
EMPTY_SYSCALL_EXIT(unlink)
EMPTY_SYSCALL_EXIT(unlinkat)
EMPTY_SYSCALL_EXIT(rename)
EMPTY_SYSCALL_EXIT(renameat)
EMPTY_SYSCALL_EXIT(renameat2)
EMPTY_SCHED(fork)
EMPTY_SCHED(exec)
EMPTY_SCHED(exit)

char LICENSE[] SEC("license") = "GPL";
