// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Orphaned files counted once each, the disk space they hold, and each process's cgroup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "tracker_fixture.h"

#define A 0x7f0000000000ULL
#define B 0x7f1000000000ULL
#define DEV SEEDED_DEV
#define CONTAINER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f"
#define POD_CGROUP                                                        \
	"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" \
	"8d2f6c8e_3b1a_4c2d_9e5f_0a1b2c3d4e5f.slice/cri-containerd-" CONTAINER ".scope"

TestSuite(files, .init = tracker_setup, .fini = tracker_teardown);

/* A deleted file of @pages pages, @disk_pages of them allocated, seen by /proc with a stat. */
static struct mw_vma deleted_vma(uint64_t start, uint64_t pages, uint64_t ino, uint64_t disk_pages)
{
	char path[64];
	struct mw_vma vma;

	snprintf(path, sizeof(path), "/kafka/%llu.index", (unsigned long long)ino);
	vma = seeded_file_vma(start, pages, ino, path, true, 0);
	vma.file_disk_bytes = disk_pages * PAGE;
	return vma;
}

/*
 * Two brokers map one deleted 8-page index (twice in the first), the first
 * also a second one: address space counts every mapping, disk space each file once.
 */
Test(files, a_file_mapped_by_two_processes_is_counted_once)
{
	struct mw_vma first[] = { deleted_vma(A, 8, 100, 6), deleted_vma(A + 16 * PAGE, 8, 100, 6),
				  deleted_vma(B, 2, 200, 2) };
	struct mw_vma second[] = { deleted_vma(A, 8, 100, 6) };
	const struct mw_process_report *report;

	cr_assert_eq(tracker__seed_process(tracker, 10, "java", 50, first, 3, 1), 0);
	cr_assert_eq(tracker__seed_process(tracker, 11, "java", 50, second, 1, 1), 0);
	take_snapshot(2 * SECOND);
	cr_assert_eq(snapshot.orphaned_bytes, (8 + 8 + 2 + 8) * PAGE);
	cr_assert_eq(snapshot.file_count, 2);
	cr_assert_eq(snapshot.orphaned_files_size_bytes, 10 * PAGE);
	cr_assert_eq(snapshot.orphaned_files_disk_bytes, 8 * PAGE);

	/* most disk space first, with every process that maps it */
	cr_assert_eq(snapshot.files[0].ino, 100);
	cr_assert_str_eq(snapshot.files[0].path, "/kafka/100.index");
	cr_assert_eq(snapshot.files[0].disk_bytes, 6 * PAGE);
	cr_assert_eq(snapshot.files[0].size, 8 * PAGE);
	cr_assert_eq(snapshot.files[0].mappings, 3);
	cr_assert_eq(snapshot.files[0].mapped_bytes, 24 * PAGE);
	cr_assert_eq(snapshot.files[0].pid_count, 2);
	cr_assert_eq(snapshot.files[0].pids[0], 10);
	cr_assert_eq(snapshot.files[0].pids[1], 11);
	cr_assert_not(snapshot.files[0].deleted_age_known);
	cr_assert_eq(snapshot.files[1].ino, 200);
	cr_assert_eq(snapshot.files[1].pid_count, 1);

	report = report_of(10);
	cr_assert_eq(report->orphaned_mappings, 3);
	cr_assert_eq(report->orphaned_files, 2);
	cr_assert_eq(report->orphaned_files_size_bytes, 10 * PAGE);
	cr_assert_eq(report->orphaned_files_disk_bytes, 8 * PAGE);
	report = report_of(11);
	cr_assert_eq(report->orphaned_files, 1);
	cr_assert_eq(report->orphaned_files_disk_bytes, 6 * PAGE);

	/* the second broker unmaps it: the file stays, held by the first alone */
	apply(munmap_range(11, 3 * SECOND, A, 8 * PAGE));
	take_snapshot(3 * SECOND);
	cr_assert_eq(snapshot.file_count, 2);
	cr_assert_eq(snapshot.files[0].pid_count, 1);
	cr_assert_eq(snapshot.orphaned_files_disk_bytes, 8 * PAGE);
	cr_assert_eq(report_of(11)->orphaned_files, 0);
}

/* The agent learns a deletion from the kernel, then asks once for the blocks, not every interval. */
Test(files, disk_space_is_asked_for_once_per_size)
{
	struct mw_file_check *checks;

	apply(mmap_file(10, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	cr_assert_eq(tracker__take_unmeasured_files(tracker, &checks), 0,
		     "a live file is asked for");
	apply(unlink_file(10, 2 * SECOND, 100, true));
	take_snapshot(3 * SECOND);
	cr_assert_eq(snapshot.file_count, 1);
	cr_assert_not(snapshot.files[0].disk_bytes_known);
	cr_assert(snapshot.files[0].deleted_age_known);
	cr_assert_float_eq(snapshot.files[0].deleted_seconds_ago, 1.0, 1e-9);

	cr_assert_eq(tracker__take_unmeasured_files(tracker, &checks), 1);
	cr_assert_eq(checks[0].ino, 100);
	cr_assert_eq(checks[0].pid, 10);
	cr_assert_eq(checks[0].start, A);
	cr_assert_eq(checks[0].end, A + 4 * PAGE);
	free(checks);
	/* the stat failed, say: not asked again at the same size */
	cr_assert_eq(tracker__take_unmeasured_files(tracker, &checks), 0);

	/* it grew (a truncate the kernel saw): its blocks must be measured again */
	apply(truncate_file(10, 4 * SECOND, 100, 16 * PAGE));
	cr_assert_eq(tracker__take_unmeasured_files(tracker, &checks), 1);
	free(checks);
	cr_assert_eq(tracker__set_disk_bytes(tracker, DEV, 100, 16 * PAGE, 3 * PAGE), 0);
	cr_assert_eq(tracker__take_unmeasured_files(tracker, &checks), 0);
	take_snapshot(5 * SECOND);
	cr_assert(snapshot.files[0].disk_bytes_known);
	cr_assert_eq(snapshot.files[0].disk_bytes, 3 * PAGE);
	cr_assert_eq(snapshot.orphaned_files_disk_bytes, 3 * PAGE);
	cr_assert_eq(snapshot.orphaned_files_size_bytes, 16 * PAGE);
	cr_assert_eq(tracker__set_disk_bytes(tracker, DEV, 999, 0, 0), -ENOENT);
}

/*
 * A re-read whose stat is older than a size a record gave: the size is the
 * record's, and the blocks that stat counted at its own size are not taken.
 */
Test(files, blocks_counted_at_an_older_size_are_not_kept)
{
	struct mw_vma vma = deleted_vma(A, 8, 100, 6);

	cr_assert_eq(tracker__seed_process(tracker, 10, "java", 50, &vma, 1, 1 * SECOND), 0);
	apply(truncate_file(10, 3 * SECOND, 100, 16 * PAGE));
	cr_assert_eq(tracker__set_disk_bytes(tracker, DEV, 100, 16 * PAGE, 3 * PAGE), 0);
	/* read from /proc from 2 s on: the file as it was before that truncate */
	cr_assert_geq(tracker__seed_process(tracker, 10, "java", 50, &vma, 1, 2 * SECOND), 0);
	take_snapshot(4 * SECOND);
	cr_assert_eq(snapshot.file_count, 1);
	cr_assert_eq(snapshot.files[0].size, 16 * PAGE);
	cr_assert(snapshot.files[0].disk_bytes_known);
	cr_assert_eq(snapshot.files[0].disk_bytes, 3 * PAGE);
	/* a later read at that size is taken */
	vma = deleted_vma(A, 16, 100, 5);
	cr_assert_geq(tracker__seed_process(tracker, 10, "java", 50, &vma, 1, 5 * SECOND), 0);
	take_snapshot(6 * SECOND);
	cr_assert_eq(snapshot.files[0].disk_bytes, 5 * PAGE);
}

Test(files, a_cgroup_names_the_container_and_children_start_in_their_parents)
{
	const struct mw_process_report *report;

	cr_assert_eq(tracker__set_cgroup(tracker, 10, "/x"), -ENOENT);
	cr_assert_eq(tracker__seed_process(tracker, 10, "java", 50, NULL, 0, 1), 0);
	cr_assert_null(tracker__cgroup(tracker, 10));
	cr_assert_null(report_now(10, 1)->cgroup);
	cr_assert_eq(tracker__set_cgroup(tracker, 10, POD_CGROUP), 0);
	cr_assert_str_eq(tracker__cgroup(tracker, 10), POD_CGROUP);
	apply(fork_process(10, 2 * SECOND, 11, false));
	take_snapshot(3 * SECOND);
	report = report_of(11);
	cr_assert_str_eq(report->cgroup, POD_CGROUP);
	cr_assert_str_eq(report->container.id, CONTAINER);
	cr_assert_str_eq(report->container.pod_uid, POD);

	/* moved out of the container (a rescan saw it): no container any more */
	cr_assert_eq(tracker__set_cgroup(tracker, 11, "/system.slice/cron.service"), 0);
	take_snapshot(4 * SECOND);
	report = report_of(11);
	cr_assert_str_eq(report->cgroup, "/system.slice/cron.service");
	cr_assert_str_eq(report->container.id, "");
	cr_assert_str_eq(report->container.pod_uid, "");
	cr_assert_str_eq(report_of(10)->container.id, CONTAINER);
}

/*
 * A host without the cgroup v2 hierarchy: a process found without one is not
 * asked again, nor are its children.
 */
Test(files, a_cgroup_found_missing_is_not_asked_for_again)
{
	struct mw_vma vma = seeded_file_vma(A, 2, 100, "/data/a.index", false, 1);

	cr_assert_eq(tracker__seed_process(tracker, 10, "java", 50, &vma, 1, SECOND), 0);
	cr_assert(tracker__cgroup_wanted(tracker, 10));
	tracker__set_cgroup_missing(tracker, 10);
	cr_assert_not(tracker__cgroup_wanted(tracker, 10));
	apply(fork_process(10, 2 * SECOND, 11, false));
	cr_assert_not(tracker__cgroup_wanted(tracker, 11), "a child is where its parent is");
	cr_assert_not(tracker__cgroup_wanted(tracker, 12), "not a known process");
	/* a cgroup learnt all the same (a rescan found one) stands */
	cr_assert_eq(tracker__set_cgroup(tracker, 10, "/system.slice/kafka.service"), 0);
	cr_assert_str_eq(tracker__cgroup(tracker, 10), "/system.slice/kafka.service");
	cr_assert_not(tracker__cgroup_wanted(tracker, 10));
}
