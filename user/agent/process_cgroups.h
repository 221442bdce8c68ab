/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cgroup of every process the agent follows: seeding and rescans read it;
 * a child inherits its parent's; this reads it for the processes first seen
 * some other way (a record from a process seeding did not cover).
 */
#ifndef MAPWATCH_AGENT_PROCESS_CGROUPS_H
#define MAPWATCH_AGENT_PROCESS_CGROUPS_H

#include "tracker.h"

/* Reads /proc/PID/cgroup of each known process whose cgroup the tracker does not know. */
void process_cgroups__read_unknown(struct mw_tracker *tracker);

#endif
