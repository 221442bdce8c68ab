// SPDX-License-Identifier: GPL-2.0
/* placeholder until the tracing programs land */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapwatch_events.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_exit_munmap")
int handle_munmap_exit(void *ctx)
{
	struct mw_munmap_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		return 0;
	__builtin_memset(event, 0, sizeof(*event));
	event->header.type = MW_EVENT_MUNMAP;
	event->header.size = sizeof(*event);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
