// SPDX-License-Identifier: GPL-2.0
/* Checks that BPF tracing can work here, each failure with its cause and fix. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/btf.h>

#include "kernel_tracer_internal.h"

#define MW_VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define MW_TRACEFS "/sys/kernel/tracing"
/* libbpf reads tracepoint ids here when debugfs is mounted, else under MW_TRACEFS. */
#define MW_DEBUGFS_TRACING "/sys/kernel/debug/tracing"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool capability_effective(const struct __user_cap_data_struct *data, int capability)
{
	return data[capability / 32].effective & (1u << (capability % 32));
}

static int check_privileges(char *error, size_t error_size)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &header, data))
		return -errno;
	if (capability_effective(data, CAP_SYS_ADMIN) ||
	    (capability_effective(data, CAP_BPF) && capability_effective(data, CAP_PERFMON)))
		return 0;
	snprintf(error, error_size,
		 "not privileged enough to load BPF programs: run as root, or grant CAP_BPF and "
		 "CAP_PERFMON (or CAP_SYS_ADMIN)");
	return -EPERM;
}

/* typedef void (*btf_trace_sched_process_exit)(void *, struct task_struct *[, bool]) */
static bool exit_has_group_dead(const struct btf *btf)
{
	const struct btf_type *type;
	int id = btf__find_by_name_kind(btf, "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF);

	if (id <= 0)
		return false;
	type = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (type && btf_is_ptr(type))
		type = btf__type_by_id(btf, type->type);
	return type && btf_is_func_proto(type) && btf_vlen(type) >= 3;
}

/* Parsed here once: a file that is there but is no BTF would fail the load with a stray errno. */
static int check_btf(char *error, size_t error_size, struct mw_kernel_facts *facts)
{
	struct btf *btf;

	if (access(MW_VMLINUX_BTF, R_OK)) {
		snprintf(
			error, error_size,
			"no kernel BTF at %s (%s): run a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			MW_VMLINUX_BTF, strerror(errno));
		return -ENOENT;
	}
	btf = btf__parse_raw(MW_VMLINUX_BTF);
	if (!btf) {
		snprintf(
			error, error_size,
			"the kernel BTF at %s is not valid BTF: check what is mounted over it, or run a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			MW_VMLINUX_BTF);
		return -ENOEXEC;
	}
	facts->exit_has_group_dead = exit_has_group_dead(btf);
	btf__free(btf);
	return 0;
}

static int check_tracefs(char *error, size_t error_size)
{
	int err;

	if (access(MW_DEBUGFS_TRACING "/events", F_OK) == 0 ||
	    access(MW_TRACEFS "/events", F_OK) == 0)
		return 0;
	if (mount("nodev", MW_TRACEFS, "tracefs", 0, NULL) == 0 &&
	    access(MW_TRACEFS "/events", F_OK) == 0)
		return 0;
	err = errno ? errno : ENOENT;
	snprintf(
		error, error_size,
		"tracefs is not mounted and cannot be mounted: %s: mount it with 'mount -t tracefs nodev %s'",
		strerror(err), MW_TRACEFS);
	return -err;
}

int kernel_preflight__check(char *error, size_t error_size, struct mw_kernel_facts *facts)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int err;

	err = check_privileges(error, error_size);
	if (err)
		return err;
	err = check_btf(error, error_size, facts);
	if (err)
		return err;
	err = check_tracefs(error, error_size);
	if (err)
		return err;
	/* Kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK; newer ones ignore it. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	return 0;
}
