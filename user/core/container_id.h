/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which container a process runs in, read from its cgroup v2 path as the
 * runtimes name their cgroups: systemd scopes (docker-ID.scope,
 * cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope), cgroupfs
 * directories (/docker/ID, /kubepods/burstable/podUID/ID), and the pod of a
 * Kubernetes slice (kubepods-burstable-podUID.slice). Pure string work.
 */
#ifndef MAPWATCH_CORE_CONTAINER_ID_H
#define MAPWATCH_CORE_CONTAINER_ID_H

#include <stdbool.h>

/* A container id is 64 hex digits (docker, containerd, CRI-O, podman); at least 12 are taken. */
#define MW_CONTAINER_ID_LEN 65
/* A pod UID, dashes and all: 8-4-4-4-12 hex digits. */
#define MW_POD_UID_LEN 37

struct mw_container {
	char id[MW_CONTAINER_ID_LEN]; /* "" when the cgroup is no container's */
	char pod_uid[MW_POD_UID_LEN]; /* "" when it is no Kubernetes pod's */
};

/*
 * Fills @container from @cgroup ("/kubepods.slice/.../cri-containerd-ID.scope").
 * Nested containers (docker in docker) give the innermost. True when either
 * an id or a pod was found.
 */
bool container_id__parse(const char *cgroup, struct mw_container *container);

#endif
