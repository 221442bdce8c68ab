/* SPDX-License-Identifier: GPL-2.0 */
/* What the kernel tracer's source files share; not for callers. */
#ifndef MAPWATCH_KERNEL_TRACER_INTERNAL_H
#define MAPWATCH_KERNEL_TRACER_INTERNAL_H

#include <stddef.h>

#include "kernel_tracer.h"

struct mapwatch;
struct ring_buffer;

struct mw_kernel_tracer {
	struct mapwatch *skeleton;
	struct ring_buffer *ring_buffer;
	/* the consumer of the drain in progress */
	kernel_tracer_record_fn consume;
	void *consume_context;
};

/* What the running kernel's BTF says, for the programs' configuration. */
struct mw_kernel_facts {
	/* sched_process_exit passes group_dead (v6.16+) */
	bool exit_has_group_dead;
};

/* Privileges, BTF and tracefs; mounts tracefs when it is missing. Fills facts from the BTF. */
int kernel_preflight__check(char *error, size_t error_size, struct mw_kernel_facts *facts);

#endif /* MAPWATCH_KERNEL_TRACER_INTERNAL_H */
