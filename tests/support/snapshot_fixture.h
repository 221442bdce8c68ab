/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A snapshot with one process of each kind the writers must treat differently. */
#ifndef MAPWATCH_TEST_SNAPSHOT_FIXTURE_H
#define MAPWATCH_TEST_SNAPSHOT_FIXTURE_H

#include "snapshot.h"

/*
 * processes[0]: pid 4242 "java", 2 orphans (one deletion time unknown), 7 resize
 *               remaps, 1 stale mapping, growing map count; in a Kubernetes
 *               pod's container (JAVA_CONTAINER); its two orphaned files are
 *               files[0] and files[1]
 * processes[1]: pid 77, comm with a quote, a backslash and a byte that is not
 *               UTF-8; only resize remaps; a cgroup with a quote, no container
 * processes[2]: pid 1, "init": nothing to report (left out of the JSON); no cgroup known
 * containers[0]: JAVA_CONTAINER, with java's two files
 */
#define JAVA_CONTAINER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
void snapshot_fixture__fill(struct mw_snapshot *snapshot);

/* A temp directory for the test, removed with everything in it by the cleanup. */
const char *snapshot_fixture__temp_dir(void);
void snapshot_fixture__remove_temp_dir(void);

#endif
