// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Page cache summed per process and per container, each file once in each. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot_sums.h"

#define ID_A "aaaaaaaaaaaa0123456789abcdef0123456789abcdef0123456789abcdef0000"
#define ID_B "bbbbbbbbbbbb0123456789abcdef0123456789abcdef0123456789abcdef0000"

static struct mw_snapshot snapshot;

static void add_file(size_t index, uint64_t cached, bool known, uint64_t disk, const uint32_t *pids,
		     size_t pid_count)
{
	struct mw_orphaned_file *file = &snapshot.files[index];

	file->ino = index + 1;
	file->cached_bytes_known = known;
	file->cached_bytes = known ? cached : 0;
	file->disk_bytes_known = true;
	file->disk_bytes = disk;
	file->pids = calloc(pid_count, sizeof(*file->pids));
	memcpy(file->pids, pids, pid_count * sizeof(*pids));
	file->pid_count = pid_count;
}

/*
 * Processes 10 and 11 in container A, 12 in container B (in a pod), 13
 * outside; 14 in A maps nothing deleted. The shared file is mapped by all
 * four, one file by A's 10 only, one by B's 12 (not measured), one by 13.
 */
static void setup(void)
{
	static const uint32_t everyone[] = { 10, 11, 12, 13 }, ten[] = { 10 }, twelve[] = { 12 },
			      thirteen[] = { 13 };
	static const uint32_t pids[] = { 13, 12, 11, 10, 14 };

	memset(&snapshot, 0, sizeof(snapshot));
	snapshot.process_count = 5;
	snapshot.processes = calloc(5, sizeof(*snapshot.processes));
	for (size_t i = 0; i < 5; i++) {
		struct mw_process_report *process = &snapshot.processes[i];

		process->pid = pids[i];
		process->orphaned_files = pids[i] == 14 ? 0 : 2;
		/* a stale figure, replaced */
		process->orphaned_files_cached_bytes = 999;
		if (pids[i] == 10 || pids[i] == 11 || pids[i] == 14)
			strcpy(process->container.id, ID_A);
		if (pids[i] == 12) {
			strcpy(process->container.id, ID_B);
			strcpy(process->container.pod_uid, "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
		}
	}
	snapshot.file_count = 4;
	snapshot.files = calloc(4, sizeof(*snapshot.files));
	add_file(0, 40960, true, 1 << 20, everyone, 4);
	add_file(1, 12288, true, 4096, ten, 1);
	add_file(2, 0, false, 8192, twelve, 1);
	add_file(3, 8192, true, 16384, thirteen, 1);
}

static void teardown(void)
{
	snapshot__clear(&snapshot);
}

TestSuite(snapshot_sums, .init = setup, .fini = teardown);

static const struct mw_process_report *process_of(uint32_t pid)
{
	for (size_t i = 0; i < snapshot.process_count; i++)
		if (snapshot.processes[i].pid == pid)
			return &snapshot.processes[i];
	return NULL;
}

Test(snapshot_sums, each_file_once_per_process)
{
	cr_assert_eq(snapshot_sums__fill(&snapshot), 0);
	cr_assert_eq(process_of(10)->orphaned_files_cached_bytes, 40960 + 12288);
	cr_assert_eq(process_of(11)->orphaned_files_cached_bytes, 40960);
	/* its own file not measured: counts 0 */
	cr_assert_eq(process_of(12)->orphaned_files_cached_bytes, 40960);
	cr_assert_eq(process_of(13)->orphaned_files_cached_bytes, 40960 + 8192);
	cr_assert_eq(process_of(14)->orphaned_files_cached_bytes, 0);
}

Test(snapshot_sums, each_file_once_per_container_most_cache_first)
{
	const struct mw_container_report *a, *b;

	cr_assert_eq(snapshot_sums__fill(&snapshot), 0);
	/* the process outside containers is in none */
	cr_assert_eq(snapshot.container_count, 2);
	a = &snapshot.containers[0];
	b = &snapshot.containers[1];
	cr_assert_str_eq(a->container.id, ID_A);
	/* 14 maps no deleted file: not one of its processes */
	cr_assert_eq(a->processes, 2);
	cr_assert_eq(a->orphaned_files, 2);
	/* the shared file once, though two of its processes map it */
	cr_assert_eq(a->orphaned_files_cached_bytes, 40960 + 12288);
	cr_assert_eq(a->orphaned_files_disk_bytes, (1 << 20) + 4096);
	cr_assert_str_eq(b->container.id, ID_B);
	cr_assert_str_eq(b->container.pod_uid, "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
	cr_assert_eq(b->processes, 1);
	cr_assert_eq(b->orphaned_files, 2);
	cr_assert_eq(b->orphaned_files_cached_bytes, 40960);
	cr_assert_eq(b->orphaned_files_disk_bytes, (1 << 20) + 8192);
}

Test(snapshot_sums, filled_again_replaces)
{
	cr_assert_eq(snapshot_sums__fill(&snapshot), 0);
	snapshot.files[0].cached_bytes = 4096;
	cr_assert_eq(snapshot_sums__fill(&snapshot), 0);
	cr_assert_eq(snapshot.container_count, 2);
	cr_assert_eq(snapshot.containers[0].orphaned_files_cached_bytes, 4096 + 12288);
	cr_assert_eq(process_of(11)->orphaned_files_cached_bytes, 4096);
}

Test(snapshot_sums, nothing_to_sum)
{
	struct mw_snapshot empty = { 0 };

	cr_assert_eq(snapshot_sums__fill(&empty), 0);
	cr_assert_eq(empty.container_count, 0);
	snapshot__clear(&empty);
}
