// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_fixture.h"

static char temp_dir[64];

const char *snapshot_fixture__temp_dir(void)
{
	if (!temp_dir[0]) {
		strcpy(temp_dir, "/tmp/mapwatch-export-test-XXXXXX");
		if (!mkdtemp(temp_dir))
			abort();
	}
	return temp_dir;
}

void snapshot_fixture__remove_temp_dir(void)
{
	char command[128];

	if (!temp_dir[0])
		return;
	snprintf(command, sizeof(command), "rm -rf '%s'", temp_dir);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", temp_dir);
	temp_dir[0] = '\0';
}

/* One range on the heap, as the tracker hands them out. */
static struct mw_orphan_range *range_of(uint64_t start, uint64_t end, uint64_t offset)
{
	struct mw_orphan_range *range = malloc(sizeof(*range));

	*range = (struct mw_orphan_range){ .start = start, .end = end, .offset = offset };
	return range;
}

void snapshot_fixture__fill(struct mw_snapshot *snapshot)
{
	struct mw_process_report *java, *odd, *init;
	struct mw_orphan *orphans;

	memset(snapshot, 0, sizeof(*snapshot));
	snapshot->timestamp = 1764050000.25;
	snapshot->source = "agent";
	snapshot->max_map_count = 65530;
	snapshot->process_count = 3;
	snapshot->processes = calloc(3, sizeof(*snapshot->processes));
	java = &snapshot->processes[0];
	odd = &snapshot->processes[1];
	init = &snapshot->processes[2];

	java->pid = 4242;
	strcpy(java->comm, "java");
	java->map_count = 812;
	java->orphaned_mappings = 2;
	java->orphaned_bytes = 20971520;
	java->resize_remaps = 7;
	java->stale_mappings = 1;
	java->oldest_orphan_age_known = true;
	java->oldest_orphan_age_seconds = 12.5;
	java->map_count_growing = true;
	java->seconds_to_map_limit = 3600.5;
	orphans = calloc(2, sizeof(*orphans));
	orphans[0] = (struct mw_orphan){
		.mappings = 1,
		.bytes = 0x2000,
		.ranges = range_of(0x1000, 0x3000, 4096),
		.range_count = 1,
		.ino = 12,
		.dev = 259u << 20 | 1,
		.st_dev = 259u << 20 | 1,
		.deleted_age_known = false,
		.path = strdup("/var/lib/old \"quoted\".index"),
	};
	orphans[1] = (struct mw_orphan){
		.mappings = 1,
		.bytes = 0xa00000,
		.ranges = range_of(0x7f3fc1800000, 0x7f3fc2200000, 0),
		.range_count = 1,
		.ino = 9440471,
		.dev = 0xfeu << 20,
		/* a btrfs subvolume's: stat's device, not the maps line's */
		.st_dev = 0x2a,
		.deleted_age_known = true,
		.deleted_seconds_ago = 12.5,
		.path = strdup("/kafka-logs/t-4/00000000000000461285.timeindex.deleted"),
	};
	java->orphans = orphans;
	java->orphan_count = 2;
	/* two files: 8 KiB (4 KiB allocated) and 10 MiB (all of it) */
	java->orphaned_files = 2;
	java->orphaned_files_size_bytes = 8192 + 10485760;
	java->orphaned_files_disk_bytes = 4096 + 10485760;
	java->cgroup =
		strdup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		       "8d2f6c8e_3b1a_4c2d_9e5f_0a1b2c3d4e5f.slice/cri-containerd-" JAVA_CONTAINER
		       ".scope");
	strcpy(java->container.id, JAVA_CONTAINER);
	strcpy(java->container.pod_uid, "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
	snapshot->file_count = 2;
	snapshot->files = calloc(2, sizeof(*snapshot->files));
	snapshot->files[0] = (struct mw_orphaned_file){
		.dev = 0xfeu << 20,
		.ino = 9440471,
		.path = strdup("/kafka-logs/t-4/00000000000000461285.timeindex.deleted"),
		.size_known = true,
		.size = 10485760,
		.disk_bytes_known = true,
		.disk_bytes = 10485760,
		.deleted_age_known = true,
		.deleted_seconds_ago = 12.5,
		.mappings = 1,
		.mapped_bytes = 10485760,
		.pids = calloc(1, sizeof(uint32_t)),
		.pid_count = 1,
	};
	snapshot->files[0].pids[0] = 4242;
	snapshot->files[1] = (struct mw_orphaned_file){
		.dev = 259u << 20 | 1,
		.ino = 12,
		.path = strdup("/var/lib/old \"quoted\".index"),
		.size_known = true,
		.size = 8192,
		.disk_bytes_known = true,
		.disk_bytes = 4096,
		.mappings = 1,
		.mapped_bytes = 8192,
		.pids = calloc(1, sizeof(uint32_t)),
		.pid_count = 1,
	};
	snapshot->files[1].pids[0] = 4242;
	snapshot->orphaned_files_size_bytes = 8192 + 10485760;
	snapshot->orphaned_files_disk_bytes = 4096 + 10485760;
	/* java's container: both its files, their page cache not measured */
	snapshot->container_count = 1;
	snapshot->containers = calloc(1, sizeof(*snapshot->containers));
	snapshot->containers[0] = (struct mw_container_report){
		.container = java->container,
		.processes = 1,
		.orphaned_files = 2,
		.orphaned_files_disk_bytes = 4096 + 10485760,
	};
	odd->cgroup = strdup("/system.slice/we\"ird\\.service");

	odd->pid = 77;
	memcpy(odd->comm, "we\"ird\\\xff", 9);
	odd->map_count = 65530 * 2; /* past the limit: the ratio stays at 1 */
	odd->resize_remaps = 3;

	init->pid = 1;
	strcpy(init->comm, "init");
	init->map_count = 40;

	snapshot->orphaned_mappings = 2;
	snapshot->orphaned_bytes = 20971520;
	snapshot->tracked_mappings = 150;
	snapshot->has_agent_counters = true;
	for (unsigned int type = 1; type < MW_EVENT_TYPE_COUNT; type++)
		snapshot->events_by_type[type] = type * 10;
	snapshot->events_lost = 5;
	snapshot->reconcile_corrections = 2;
	snapshot->kernel_table_full = 3;
	snapshot->unlink_to_unmap.buckets[0] = 1; /* <= 0.01 */
	snapshot->unlink_to_unmap.buckets[3] = 2; /* <= 10 */
	snapshot->unlink_to_unmap.count = 4; /* one past the last bound */
	snapshot->unlink_to_unmap.sum = 0.005 + 5 + 6 + 1e6;
}
