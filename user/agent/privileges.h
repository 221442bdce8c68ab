/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Least privilege once the BPF programs are loaded and attached: the agent
 * keeps only the capabilities its reads of /proc need, and those the
 * running kernel or the output directory turn out to need (probed), and
 * drops the rest from every set, the bounding set included where it can.
 */
#ifndef MAPWATCH_AGENT_PRIVILEGES_H
#define MAPWATCH_AGENT_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A capability as a bit of a mask (capability numbers are below 64). */
#define PRIVILEGES_BIT(capability) (UINT64_C(1) << (capability))

/* What the probes found out with the base set alone in effect. */
struct mw_privileges_needs {
	bool bpf_needs_capability; /* kernels before 6.5 with unprivileged BPF disabled */
	bool output_needs_override; /* an output directory the agent's user cannot write */
};

/*
 * What to keep of the capabilities held: CAP_SYS_PTRACE (other users'
 * /proc/PID/maps), CAP_DAC_READ_SEARCH (into /proc/PID/map_files) and
 * CAP_CHECKPOINT_RESTORE (stat through map_files; CAP_SYS_ADMIN where that
 * is not held), plus CAP_BPF (else CAP_SYS_ADMIN) and CAP_DAC_OVERRIDE when
 * needs says so. Pure.
 */
uint64_t privileges__to_keep(uint64_t held, const struct mw_privileges_needs *needs);

struct mw_privileges_probes {
	/* 0 when the BPF maps and programs still answer, -errno when not */
	int (*bpf_access)(void *context);
	/* 0 when every output can be written, -errno when not */
	int (*output_access)(void *context);
	void *context;
};

/*
 * Drops every capability but privileges__to_keep()'s, after probing with the
 * base set in effect. kept gets their names, comma-separated, for the log.
 * 0, or -errno with a line for the user in error.
 */
int privileges__drop_unneeded(const struct mw_privileges_probes *probes, char *kept,
			      size_t kept_size, char *error, size_t error_size);

#endif
