/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How many BPF programs this process has attached, for the agent's start
 * line: each attachment is a BPF link the process holds open (a perf event
 * on kernels that attach tracepoints without links). Read from /proc/self/fd,
 * so it counts what the kernel has, not what was asked for.
 */
#ifndef MAPWATCH_AGENT_ATTACHED_PROGRAMS_H
#define MAPWATCH_AGENT_ATTACHED_PROGRAMS_H

#include <stddef.h>

/* The count, or 0 when /proc/self/fd cannot be read. */
size_t attached_programs__count(void);

#endif
