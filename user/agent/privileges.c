// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include "privileges.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#define CAPABILITY_LIMIT 64

uint64_t privileges__to_keep(uint64_t held, const struct mw_privileges_needs *needs)
{
	uint64_t keep = PRIVILEGES_BIT(CAP_SYS_PTRACE) | PRIVILEGES_BIT(CAP_DAC_READ_SEARCH);

	/* map_files asks for either; CAP_CHECKPOINT_RESTORE (5.9+) is the narrow one */
	if (held & PRIVILEGES_BIT(CAP_CHECKPOINT_RESTORE))
		keep |= PRIVILEGES_BIT(CAP_CHECKPOINT_RESTORE);
	else
		keep |= PRIVILEGES_BIT(CAP_SYS_ADMIN);
	if (needs->bpf_needs_capability)
		keep |= held & PRIVILEGES_BIT(CAP_BPF) ? PRIVILEGES_BIT(CAP_BPF)
						       : PRIVILEGES_BIT(CAP_SYS_ADMIN);
	if (needs->output_needs_override)
		keep |= PRIVILEGES_BIT(CAP_DAC_OVERRIDE);
	return keep & held;
}

static uint64_t held_permitted(void)
{
	uint64_t held = 0;

	for (unsigned int capability = 0; capability < CAPABILITY_LIMIT; capability++)
		if (capng_have_capability(CAPNG_PERMITTED, capability) == 1)
			held |= PRIVILEGES_BIT(capability);
	return held;
}

/* Sets the effective set to effective (within permitted); the other sets stay. */
static int set_effective(uint64_t permitted, uint64_t effective)
{
	capng_clear(CAPNG_SELECT_CAPS);
	for (unsigned int capability = 0; capability < CAPABILITY_LIMIT; capability++) {
		if (permitted & PRIVILEGES_BIT(capability))
			capng_update(CAPNG_ADD, CAPNG_PERMITTED, capability);
		if (effective & PRIVILEGES_BIT(capability))
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, capability);
	}
	return capng_apply(CAPNG_SELECT_CAPS) ? -EPERM : 0;
}

/* Keeps exactly keep in every set; the bounding set too when CAP_SETPCAP allows it. */
static int keep_only(uint64_t held, uint64_t keep)
{
	capng_select_t sets = CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;
	int err;

	/* the bounding set is dropped first, with CAP_SETPCAP still in effect */
	err = set_effective(held, held);
	if (err)
		return err;
	if (held & PRIVILEGES_BIT(CAP_SETPCAP))
		sets |= CAPNG_SELECT_BOUNDS;
	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned int capability = 0; capability < CAPABILITY_LIMIT; capability++) {
		if (!(keep & PRIVILEGES_BIT(capability)))
			continue;
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			     capability);
	}
	if (capng_apply(sets))
		return -EPERM;
	/* and no exec can win any back */
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
}

static void name_capabilities(uint64_t mask, char *names, size_t size)
{
	size_t used = 0;

	names[0] = '\0';
	for (unsigned int capability = 0; capability < CAPABILITY_LIMIT && used < size;
	     capability++) {
		const char *name;

		if (!(mask & PRIVILEGES_BIT(capability)))
			continue;
		name = capng_capability_to_name(capability);
		used += (size_t)snprintf(names + used, size - used, "%scap_%s", used ? "," : "",
					 name ? name : "?");
	}
	if (!names[0])
		snprintf(names, size, "none");
}

int privileges__drop_unneeded(const struct mw_privileges_probes *probes, char *kept,
			      size_t kept_size, char *error, size_t error_size)
{
	struct mw_privileges_needs needs = { 0 };
	uint64_t held, keep;
	int err;

	if (capng_get_caps_process()) {
		snprintf(error, error_size, "cannot read the process's capabilities");
		return -EPERM;
	}
	held = held_permitted();
	/* Probe with the base set alone in effect; permitted stays, so nothing is lost yet. */
	keep = privileges__to_keep(held, &needs);
	err = set_effective(held, keep);
	if (!err && probes->bpf_access(probes->context) == -EPERM) {
		needs.bpf_needs_capability = true;
		keep = privileges__to_keep(held, &needs);
		err = set_effective(held, keep);
		if (!err)
			err = probes->bpf_access(probes->context);
	}
	if (!err) {
		int output = probes->output_access(probes->context);

		needs.output_needs_override = output == -EACCES || output == -EPERM;
		keep = privileges__to_keep(held, &needs);
	}
	if (!err)
		err = keep_only(held, keep);
	if (err) {
		snprintf(error, error_size, "cannot drop capabilities after start-up: %s",
			 strerror(-err));
		return err;
	}
	name_capabilities(keep, kept, kept_size);
	return 0;
}
