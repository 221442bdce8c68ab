// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Which capabilities the agent keeps after start-up, from what it holds and what the probes found. */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include "privileges.h"

#define BIT PRIVILEGES_BIT
#define ROOT (~UINT64_C(0) >> (63 - CAP_LAST_CAP))
#define PROC_READS (BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_CHECKPOINT_RESTORE))
/* what the systemd unit grants */
#define UNIT (PROC_READS | BIT(CAP_BPF) | BIT(CAP_PERFMON))

static const struct mw_privileges_needs nothing_more = { 0 };

Test(privileges, root_keeps_only_the_proc_reads)
{
	cr_assert_eq(privileges__to_keep(ROOT, &nothing_more), PROC_READS);
}

Test(privileges, the_units_set_loses_bpf_and_perfmon)
{
	cr_assert_eq(privileges__to_keep(UNIT, &nothing_more), PROC_READS);
}

Test(privileges, sys_admin_stands_in_where_checkpoint_restore_is_not_held)
{
	uint64_t held = BIT(CAP_SYS_ADMIN) | BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH) |
			BIT(CAP_BPF) | BIT(CAP_PERFMON);

	cr_assert_eq(privileges__to_keep(held, &nothing_more),
		     BIT(CAP_SYS_ADMIN) | BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH));
}

Test(privileges, bpf_is_kept_where_the_kernel_asks_for_it)
{
	struct mw_privileges_needs needs = { .bpf_needs_capability = true };

	cr_assert_eq(privileges__to_keep(UNIT, &needs), PROC_READS | BIT(CAP_BPF));
	/* kernels before CAP_BPF: CAP_SYS_ADMIN is what bpf() checks */
	cr_assert_eq(privileges__to_keep(ROOT & ~BIT(CAP_BPF), &needs),
		     PROC_READS | BIT(CAP_SYS_ADMIN));
}

Test(privileges, dac_override_only_for_an_output_directory_that_needs_it)
{
	struct mw_privileges_needs needs = { .output_needs_override = true };

	cr_assert_eq(privileges__to_keep(ROOT, &needs), PROC_READS | BIT(CAP_DAC_OVERRIDE));
	cr_assert_eq(privileges__to_keep(UNIT, &needs), PROC_READS, "never one it did not hold");
}

Test(privileges, nothing_is_added_to_a_process_that_holds_nothing)
{
	struct mw_privileges_needs needs = { true, true };

	cr_assert_eq(privileges__to_keep(0, &needs), 0);
}
