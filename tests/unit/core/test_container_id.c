// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Containers and pods from cgroup v2 paths, as each runtime and cgroup driver names them. */
#include <criterion/criterion.h>
#include "container_id.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f"
#define UID_SYSTEMD "8d2f6c8e_3b1a_4c2d_9e5f_0a1b2c3d4e5f"

static struct mw_container parse(const char *cgroup, bool found)
{
	struct mw_container container;

	cr_assert_eq(container_id__parse(cgroup, &container), found, "%s", cgroup);
	return container;
}

Test(container_id, kubernetes_with_the_systemd_driver)
{
	struct mw_container c;

	c = parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_SYSTEMD
		  ".slice/cri-containerd-" ID ".scope",
		  true);
	cr_assert_str_eq(c.id, ID);
	cr_assert_str_eq(c.pod_uid, UID);
	c = parse("/kubepods.slice/kubepods-pod" UID_SYSTEMD ".slice/crio-" ID ".scope", true);
	cr_assert_str_eq(c.id, ID);
	cr_assert_str_eq(c.pod_uid, UID);
	c = parse("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_SYSTEMD
		  ".slice/docker-" ID ".scope",
		  true);
	cr_assert_str_eq(c.id, ID);
	/* the pod's own cgroup: a pod, no container */
	c = parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_SYSTEMD
		  ".slice",
		  true);
	cr_assert_str_eq(c.id, "");
	cr_assert_str_eq(c.pod_uid, UID);
}

Test(container_id, kubernetes_with_the_cgroupfs_driver)
{
	struct mw_container c;

	c = parse("/kubepods/burstable/pod" UID "/" ID, true);
	cr_assert_str_eq(c.id, ID);
	cr_assert_str_eq(c.pod_uid, UID);
	c = parse("/kubepods/pod" UID "/" ID, true);
	cr_assert_str_eq(c.id, ID);
	cr_assert_str_eq(c.pod_uid, UID);
}

Test(container_id, runtimes_outside_kubernetes)
{
	cr_assert_str_eq(parse("/system.slice/docker-" ID ".scope", true).id, ID);
	cr_assert_str_eq(parse("/docker/" ID, true).id, ID);
	cr_assert_str_eq(parse("/machine.slice/libpod-" ID ".scope", true).id, ID);
	/* podman puts the payload one level below its scope */
	cr_assert_str_eq(parse("/machine.slice/libpod-" ID ".scope/container", true).id, ID);
	cr_assert_str_eq(parse("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
			       ".scope",
			       true)
				 .id,
			 ID);
	cr_assert_str_eq(parse("/system.slice/crio-" ID ".scope", true).pod_uid, "");
}

Test(container_id, the_innermost_of_nested_containers)
{
	cr_assert_str_eq(parse("/docker/" ID "/docker/" ID2, true).id, ID2);
	cr_assert_str_eq(parse("/system.slice/docker-" ID ".scope/docker/" ID2, true).id, ID2);
}

Test(container_id, no_container)
{
	parse("/", false);
	parse("", false);
	parse("/user.slice/user-1000.slice/session-3.scope", false);
	parse("/system.slice/docker.service", false);
	parse("/system.slice/containerd.service", false);
	/* conmon, the monitor beside a podman or CRI-O container, is not the container */
	parse("/machine.slice/libpod-conmon-" ID ".scope", false);
	parse("/system.slice/crio-conmon-" ID ".scope", false);
	/* not an id: too short, not hex, upper case */
	parse("/docker/abc123", false);
	parse("/docker/" ID "x", false);
	parse("/system.slice/docker-0123456789ABCDEF.scope", false);
	/* a pod-looking name outside kubepods */
	parse("/pod" UID, false);
}
