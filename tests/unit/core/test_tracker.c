// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Synthetic event sequences through the tracker, checked in its snapshot. */
#include <errno.h>
#include <math.h>
#include "tracker_fixture.h"

#define PID 4242
#define A 0x7f0000000000ULL
#define MIB (1024ULL * 1024ULL)

TestSuite(tracker, .init = tracker_setup, .fini = tracker_teardown);

Test(tracker, unlink_of_the_last_name_orphans_the_mapping)
{
	const struct mw_process_report *report;

	apply(mmap_file(PID, 1 * SECOND, A, 10 * MIB, 0, 100, 10 * MIB,
			"00000000000000000000.index"));
	report = report_now(PID, 2 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 0);
	cr_assert_str_eq(report->comm, "java");

	apply(unlink_file(PID, 5 * SECOND, 100, true));
	report = report_now(PID, 7500 * 1000000ULL);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->orphaned_bytes, 10 * MIB);
	cr_assert_eq(report->orphan_count, 1);
	cr_assert_eq(report->orphans[0].mappings, 1);
	cr_assert_eq(report->orphans[0].bytes, 10 * MIB);
	cr_assert_eq(report->orphans[0].range_count, 1);
	cr_assert_eq(report->orphans[0].ranges[0].start, A);
	cr_assert_eq(report->orphans[0].ranges[0].end, A + 10 * MIB);
	cr_assert_eq(report->orphans[0].ino, 100);
	cr_assert_str_eq(report->orphans[0].path, "00000000000000000000.index");
	cr_assert(report->orphans[0].deleted_age_known);
	cr_assert_float_eq(report->orphans[0].deleted_seconds_ago, 2.5, 1e-9);
	cr_assert(report->oldest_orphan_age_known);
	cr_assert_float_eq(report->oldest_orphan_age_seconds, 2.5, 1e-9);
	cr_assert_eq(snapshot.orphaned_mappings, 1);
	cr_assert_eq(snapshot.orphaned_bytes, 10 * MIB);
}

Test(tracker, hard_link_is_not_orphaned_until_the_last_name_goes)
{
	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(unlink_file(PID, 2, 100, false));
	cr_assert_eq(report_now(PID, 3)->orphaned_mappings, 0);
	apply(unlink_file(PID, 4, 100, true));
	cr_assert_eq(report_now(PID, 5)->orphaned_mappings, 1);
}

Test(tracker, partial_munmap_of_an_orphan_counts_the_pieces_left)
{
	const struct mw_process_report *report;

	apply(mmap_file(PID, 1, A, 10 * PAGE, 0, 100, 10 * PAGE, "a.index"));
	apply(unlink_file(PID, 2, 100, true));
	apply(munmap_range(PID, 3, A + 4 * PAGE, 2 * PAGE));
	report = report_now(PID, 4);
	cr_assert_eq(report->orphaned_mappings, 2);
	cr_assert_eq(report->orphaned_bytes, 8 * PAGE);
	/* one file, two pieces: one orphan with two ranges */
	cr_assert_eq(report->orphan_count, 1);
	cr_assert_eq(report->orphans[0].mappings, 2);
	cr_assert_eq(report->orphans[0].range_count, 2);
	cr_assert_eq(report->orphans[0].ranges[1].start, A + 6 * PAGE);
	cr_assert_eq(report->orphans[0].ranges[1].offset, 6 * PAGE);
	apply(munmap_range(PID, 5, A, PAGE));
	apply(munmap_range(PID, 5, A + 9 * PAGE, PAGE));
	report = report_now(PID, 6);
	cr_assert_eq(report->orphaned_mappings, 2);
	cr_assert_eq(report->orphaned_bytes, 6 * PAGE);
	cr_assert_eq(report->orphans[0].ranges[0].start, A + PAGE);
	cr_assert_eq(report->orphans[0].ranges[0].offset, PAGE);
	/* Nothing ended yet: no unlink-to-unmap duration observed. */
	cr_assert_eq(snapshot.unlink_to_unmap.count, 0);
	/* One munmap across both pieces ends both. */
	apply(munmap_range(PID, 7, A, 10 * PAGE));
	cr_assert_eq(report_now(PID, 8)->orphaned_mappings, 0);
	cr_assert_eq(snapshot.unlink_to_unmap.count, 2);
	cr_assert_eq(snapshot.tracked_mappings, 0);
}

Test(tracker, map_fixed_over_part_of_an_orphan)
{
	const struct mw_process_report *report;

	apply(mmap_file(PID, 1, A, 10 * PAGE, 0, 100, 10 * PAGE, "a.index"));
	apply(unlink_file(PID, 2, 100, true));
	apply(mmap_anonymous(PID, 3, A, 3 * PAGE));
	report = report_now(PID, 4);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->orphans[0].ranges[0].start, A + 3 * PAGE);
	cr_assert_eq(report->orphans[0].ranges[0].offset, 3 * PAGE);
	cr_assert_eq(report->orphaned_bytes, 7 * PAGE);

	/* A live file mapped over the middle leaves two orphan pieces. */
	apply(mmap_file(PID, 5, A + 5 * PAGE, 2 * PAGE, 0, 200, 2 * PAGE, "live.log"));
	report = report_now(PID, 6);
	cr_assert_eq(report->orphaned_mappings, 2);
	cr_assert_eq(report->orphaned_bytes, 5 * PAGE);
	cr_assert_eq(snapshot.tracked_mappings, 3);
}

Test(tracker, mremap_of_an_orphan_moves_grows_and_shrinks_it)
{
	const struct mw_process_report *report;
	uint64_t b = A + 100 * PAGE;

	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 16 * PAGE, "a.index"));
	apply(unlink_file(PID, 2, 100, true));
	apply(mremap_range(PID, 3, A, 4 * PAGE, b, 4 * PAGE, MREMAP_MAYMOVE));
	report = report_now(PID, 4);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->orphans[0].ranges[0].start, b);
	apply(mremap_range(PID, 5, b, 4 * PAGE, b, 8 * PAGE, 0));
	report = report_now(PID, 6);
	cr_assert_eq(report->orphaned_bytes, 8 * PAGE);
	apply(mremap_range(PID, 7, b, 8 * PAGE, b, 2 * PAGE, 0));
	report = report_now(PID, 8);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->orphaned_bytes, 2 * PAGE);
	cr_assert_eq(snapshot.unlink_to_unmap.count, 0);
}

Test(tracker, fork_child_keeps_the_mappings_and_vfork_does_not_copy)
{
	const struct mw_process_report *report;

	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(mmap_file(PID, 2, A + 8 * PAGE, 4 * PAGE, 0, 101, 8 * PAGE, "a.index"));
	cr_assert_eq(report_now(PID, 2)->resize_remaps, 0);
	apply(truncate_file(PID, 2, 100, 8 * PAGE));
	apply(mmap_file(PID, 2, A + 16 * PAGE, 8 * PAGE, 0, 100, 8 * PAGE, "a.index"));
	cr_assert_eq(report_now(PID, 2)->resize_remaps, 1);
	apply(fork_process(PID, 3, PID + 1, false));
	apply(fork_process(PID, 3, PID + 2, true));
	apply(unlink_file(PID, 4, 100, true));

	report = report_now(PID + 1, 5);
	cr_assert_eq(report->orphaned_mappings, 2);
	cr_assert_eq(report->resize_remaps, 0);
	cr_assert_str_eq(report->comm, "java");
	cr_assert_eq(report_of(PID)->orphaned_mappings, 2);
	cr_assert_eq(report_of(PID)->resize_remaps, 1);
	cr_assert_eq(report_of(PID + 2)->orphaned_mappings, 0);
	cr_assert_eq(snapshot.orphaned_mappings, 4);
	cr_assert_eq(snapshot.tracked_mappings, 6);
}

Test(tracker, threads_share_one_address_space)
{
	union mw_event event = mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index");

	event.header.tid = PID + 7;
	apply(event);
	apply(unlink_file(PID, 2, 100, true));
	cr_assert_eq(report_now(PID, 3)->orphaned_mappings, 1);
	cr_assert_eq(snapshot.process_count, 1);
	event = munmap_range(PID, 4, A, 4 * PAGE);
	event.header.tid = PID + 9;
	apply(event);
	cr_assert_eq(report_now(PID, 5)->orphaned_mappings, 0);
}

Test(tracker, exec_drops_the_mappings_and_asks_for_a_rescan)
{
	const struct mw_process_report *report;

	apply(mmap_file(PID, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(unlink_file(PID, 2 * SECOND, 100, true));
	apply(exec_process(PID, 3 * SECOND, "sh"));
	report = report_now(PID, 4 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 0);
	cr_assert_str_eq(report->comm, "sh");
	cr_assert_eq(hooks.rescans, 1);
	cr_assert_eq(hooks.rescanned_pid[0], PID);
	cr_assert_eq(snapshot.unlink_to_unmap.count, 1);
	cr_assert_eq(hooks.forgets, 1);
}

Test(tracker, exit_observes_how_long_orphans_lived)
{
	apply(mmap_file(PID, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(mmap_file(PID, 1 * SECOND, A + 8 * PAGE, 4 * PAGE, 0, 101, 4 * PAGE, "b.index"));
	apply(unlink_file(PID, 1 * SECOND, 100, true));
	apply(exit_process(PID, 4 * SECOND));
	take_snapshot(5 * SECOND);
	cr_assert_null(report_of(PID));
	cr_assert_eq(snapshot.unlink_to_unmap.count, 1);
	cr_assert_float_eq(snapshot.unlink_to_unmap.sum, 3.0, 1e-9);
	/* 3 s lands in the (1, 10] bucket. */
	cr_assert_eq(snapshot.unlink_to_unmap.buckets[3], 1);
	cr_assert_eq(hooks.forgets, 2);
	cr_assert_eq(tracker__tracked_inodes(tracker), 0);
	cr_assert_eq(snapshot.tracked_mappings, 0);
}

Test(tracker, rename_then_unlink_reports_the_new_name)
{
	const struct mw_process_report *report;

	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "00000000000000000000.timeindex"));
	apply(rename_file(PID, 2, 100, "00000000000000000000.timeindex.deleted"));
	cr_assert_eq(report_now(PID, 3)->orphaned_mappings, 0);
	apply(unlink_file(PID, 4, 100, true));
	report = report_now(PID, 5);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_str_eq(report->orphans[0].path, "00000000000000000000.timeindex.deleted");
}

Test(tracker, n_truncate_and_map_again_cycles_give_n_resize_remaps)
{
	const unsigned cycles = 7;
	uint64_t addr = A, size = 2560 * PAGE;

	apply(mmap_file(PID, 1, addr, size, 0, 100, size, "0.index"));
	for (unsigned i = 1; i <= cycles; i++) {
		size -= PAGE;
		addr += 4096 * PAGE;
		apply(truncate_file(PID, 1 + i, 100, size));
		apply(mmap_file(PID, 1 + i, addr, size, 0, 100, size, "0.index"));
	}
	cr_assert_eq(report_now(PID, 100)->resize_remaps, cycles);
}

Test(tracker, mapping_again_at_the_same_size_is_not_a_resize_remap)
{
	apply(mmap_file(PID, 1, A, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	apply(truncate_file(PID, 2, 100, 8 * PAGE)); /* same size: no change */
	apply(mmap_file(PID, 3, A + 16 * PAGE, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	apply(mmap_file(PID, 4, A + 32 * PAGE, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 5)->resize_remaps, 0);
}

Test(tracker, a_size_change_seen_only_by_the_new_mapping_counts)
{
	apply(mmap_file(PID, 1, A, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	apply(mmap_file(PID, 2, A + 16 * PAGE, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 3)->resize_remaps, 1);
}

Test(tracker, mapping_after_the_older_mapping_was_unmapped_is_not_a_remap)
{
	apply(mmap_file(PID, 1, A, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	apply(munmap_range(PID, 2, A, 8 * PAGE));
	apply(truncate_file(PID, 3, 100, 4 * PAGE));
	apply(mmap_file(PID, 4, A + 16 * PAGE, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 5)->resize_remaps, 0);

	/* Nor is mapping over the old one with MAP_FIXED: it is no longer live. */
	apply(truncate_file(PID, 6, 100, 2 * PAGE));
	apply(mmap_file(PID, 7, A + 16 * PAGE, 4 * PAGE, 0, 100, 2 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 8)->resize_remaps, 0);
}

/*
 * A stat is read when the agent gets to it, while records stamped earlier may
 * still wait in the ring: a size it gives is never a resize, and the records
 * that come after it count in their own order.
 */
Test(tracker, a_size_from_a_stat_is_never_a_resize)
{
	apply(mmap_file(PID, 1, A, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	/* a stat taken after a truncate whose record is still to come */
	cr_assert_eq(tracker__set_file_status(tracker, (254u << 20), 100, 1, 4 * PAGE, NULL, 3), 0);
	/* a mapping made before that truncate, drained only now: same size, same generation */
	apply(mmap_file(PID, 2, A + 16 * PAGE, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 4)->resize_remaps, 0);
	/* the truncate's own record is the change */
	apply(truncate_file(PID, 3, 100, 4 * PAGE));
	apply(mmap_file(PID, 5, A + 32 * PAGE, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 6)->resize_remaps, 1);
}

Test(tracker, a_record_older_than_a_stat_does_not_undo_its_size)
{
	/* 10 pages mapped, 12 long: stale at 8 pages, not at 10 */
	apply(mmap_file(PID, 1, A, 12 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 2)->stale_mappings, 1);
	cr_assert_eq(tracker__set_file_status(tracker, (254u << 20), 100, 1, 11 * PAGE, NULL, 5),
		     0);
	cr_assert_eq(report_now(PID, 6)->stale_mappings, 0);
	/* stamped before the stat: what the file was, not what it is */
	apply(truncate_file(PID, 4, 100, 8 * PAGE));
	cr_assert_eq(report_now(PID, 7)->stale_mappings, 0);
	/* stamped after it: the file now */
	apply(truncate_file(PID, 8, 100, 8 * PAGE));
	cr_assert_eq(report_now(PID, 9)->stale_mappings, 1);
}

/* truncate(path) the kernel could not pin on a slot: the check's stat is its record. */
Test(tracker, the_stat_that_settles_a_truncate_check_is_a_resize)
{
	union mw_event check = check_name(PID, 2, "0.index");
	struct mw_file_check checks[2];

	apply(mmap_file(PID, 1, A, 8 * PAGE, 0, 100, 8 * PAGE, "0.index"));
	check.header.flags = MW_CHECK_TRUNCATE | MW_CHECK_BUCKET_FULL;
	apply(check);
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 2), 1);
	cr_assert_eq(tracker__set_file_status(tracker, (254u << 20), 100, 1, 4 * PAGE, NULL, 3), 0);
	apply(mmap_file(PID, 4, A + 16 * PAGE, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 5)->resize_remaps, 1);
	/* a check of a deletion is no truncate: its stat changes no generation */
	apply(mmap_file(PID + 1, 6, A, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	apply(check_name(PID, 7, "0.index"));
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 2), 1);
	cr_assert_eq(tracker__set_file_status(tracker, (254u << 20), 100, 1, 2 * PAGE, NULL, 9), 0);
	/* stamped before the stat, drained after it */
	apply(mmap_file(PID + 1, 8, A + 16 * PAGE, 4 * PAGE, 0, 100, 4 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID + 1, 10)->resize_remaps, 0);
}

Test(tracker, stale_mapping_rule_at_the_page_boundary)
{
	/* File of exactly 10 pages: mapping 11 pages reaches one page past: not stale. */
	apply(mmap_file(PID, 1, A, 11 * PAGE, 0, 100, 10 * PAGE, "a.index"));
	cr_assert_eq(report_now(PID, 2)->stale_mappings, 0);
	/* 12 pages reach more than one page past the end. */
	apply(mmap_file(PID, 3, A + 64 * PAGE, 12 * PAGE, 0, 101, 10 * PAGE, "b.index"));
	cr_assert_eq(report_now(PID, 4)->stale_mappings, 1);
	/* 10 pages and a byte rounds up to 11: 12 mapped pages are then fine. */
	apply(truncate_file(PID, 5, 101, 10 * PAGE + 1));
	cr_assert_eq(report_now(PID, 6)->stale_mappings, 0);
	/* Truncating the first file to nothing leaves its mapping stale. */
	apply(truncate_file(PID, 7, 100, 0));
	cr_assert_eq(report_now(PID, 8)->stale_mappings, 1);
}

Test(tracker, events_of_unknown_pids_create_the_process)
{
	union mw_event event = munmap_range(777, 1, A, PAGE);

	strcpy(event.header.comm, "kafka");
	event.header.map_count = 321;
	apply(event);
	const struct mw_process_report *report = report_now(777, 2);

	cr_assert_str_eq(report->comm, "kafka");
	cr_assert_eq(report->map_count, 321);
	/* An exit of a process never seen creates nothing. */
	apply(exit_process(778, 3));
	take_snapshot(4);
	cr_assert_null(report_of(778));
}

/*
 * Deletions, renames, truncates and checks come from whoever made the
 * syscall, filtered out or not (ext4 even hands a watched inode number to a
 * new file at once): they are about files, and add no process to the view.
 */
Test(tracker, file_events_of_unknown_pids_create_no_process)
{
	union mw_event check = check_name(781, 5, "");

	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(truncate_file(777, 2, 100, 8 * PAGE));
	apply(rename_file(778, 3, 100, "b.index"));
	apply(unlink_file(779, 4, 100, true));
	apply(check_name(780, 5, "b.index"));
	check.header.flags = MW_CHECK_PATH_UNREADABLE;
	check.check.name_hash = 0;
	apply(check);
	for (uint32_t pid = 777; pid <= 781; pid++)
		cr_assert_not(tracker__has_process(tracker, pid), "pid %u", pid);
	take_snapshot(6);
	cr_assert_eq(snapshot.process_count, 1);
	/* the events still applied to the file the watched process maps */
	cr_assert_eq(report_of(PID)->orphaned_mappings, 1);
	cr_assert_str_eq(report_of(PID)->orphans[0].path, "b.index");
}

Test(tracker, inode_is_forgotten_when_its_last_mapping_anywhere_goes)
{
	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(mmap_file(PID + 1, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(munmap_range(PID, 2, A, 4 * PAGE));
	cr_assert_eq(hooks.forgets, 0);
	cr_assert_eq(tracker__tracked_inodes(tracker), 1);
	apply(munmap_range(PID + 1, 3, A, 2 * PAGE));
	cr_assert_eq(hooks.forgets, 0);
	apply(munmap_range(PID + 1, 3, A + 2 * PAGE, 2 * PAGE));
	cr_assert_eq(hooks.forgets, 1);
	cr_assert_eq(hooks.forgotten_ino[0], 100);
	cr_assert_eq(tracker__tracked_inodes(tracker), 0);
	/* A truncate of a forgotten inode changes nothing and does not crash. */
	apply(truncate_file(PID, 4, 100, 0));
	cr_assert_eq(tracker__tracked_inodes(tracker), 0);
}

Test(tracker, check_events_queue_every_inode_of_the_basename)
{
	struct mw_file_check checks[4];

	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "00000000000000000000.index"));
	apply(mmap_file(PID + 1, 1, A + 8 * PAGE, 2 * PAGE, 0, 200, 4 * PAGE,
			"00000000000000000000.index"));
	apply(mmap_file(PID, 1, A + 16 * PAGE, 2 * PAGE, 0, 300, 4 * PAGE, "other.index"));
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 4), 0);
	apply(check_name(PID, 2, "00000000000000000000.index"));
	apply(check_name(PID, 2, "00000000000000000000.index"));
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 1), 1);
	cr_assert_eq(checks[0].ino, 100);
	cr_assert_eq(checks[0].pid, PID);
	cr_assert_eq(checks[0].start, A);
	cr_assert_eq(checks[0].end, A + 4 * PAGE);
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 4), 1);
	cr_assert_eq(checks[0].ino, 200);
	cr_assert_eq(checks[0].pid, PID + 1);
	cr_assert_eq(checks[0].start, A + 8 * PAGE);
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 4), 0);

	/* The caller's answer: the file is gone. */
	cr_assert_eq(tracker__set_file_status(tracker, (254u << 20), 200, 0, 4 * PAGE,
					      "/kafka/t-1/00000000000000000000.index", 5 * SECOND),
		     0);
	const struct mw_process_report *report = report_now(PID + 1, 6 * SECOND);

	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_str_eq(report->orphans[0].path, "/kafka/t-1/00000000000000000000.index");
	cr_assert_float_eq(report->orphans[0].deleted_seconds_ago, 1.0, 1e-9);
	cr_assert_eq(tracker__set_file_status(tracker, (254u << 20), 999, 0, 0, NULL, 1), -ENOENT);
}

Test(tracker, unreadable_path_check_queues_every_live_inode)
{
	struct mw_file_check checks[8];
	union mw_event check;

	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(mmap_file(PID, 1, A + 8 * PAGE, 2 * PAGE, 0, 200, 4 * PAGE, "b.index"));
	apply(mmap_file(PID, 1, A + 16 * PAGE, 2 * PAGE, 0, 300, 4 * PAGE, "c.index"));
	apply(unlink_file(PID, 2, 300, true));
	check = check_name(PID, 3, "");
	check.header.flags = MW_CHECK_PATH_UNREADABLE;
	check.check.name_hash = 0;
	apply(check);
	/* Every inode but the one already known deleted. */
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 8), 2);
	cr_assert_neq(checks[0].ino, 300);
	cr_assert_neq(checks[1].ino, 300);
	cr_assert_neq(checks[0].ino, checks[1].ino);
}

/*
 * ext4 reuses a freed inode number at once: the kernel may watch the new file
 * when it is mapped and then lose that entry to our late forget of the old
 * file. A newly mapped inode therefore asks for a watch again, after the forget.
 */
Test(tracker, inode_mapped_again_after_its_forget_is_watched_again)
{
	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "old.index"));
	cr_assert_eq(hooks.watches, 1);
	cr_assert_eq(hooks.watched_ino[0], 100);
	cr_assert_eq(hooks.watched_hash[0], tracker__name_hash("old.index"));
	apply(munmap_range(PID, 2, A, 4 * PAGE));
	cr_assert_eq(hooks.forgets, 1);
	apply(mmap_file(PID + 1, 3, A, 4 * PAGE, 0, 100, 4 * PAGE, "new.index"));
	cr_assert_eq(hooks.watches, 2, "the reused inode number is not watched again");
	cr_assert_eq(hooks.watched_ino[1], 100);
	cr_assert_eq(hooks.watched_hash[1], tracker__name_hash("new.index"));
	/* a second mapping of a known inode needs no new watch */
	apply(mmap_file(PID + 1, 4, A + 8 * PAGE, 4 * PAGE, 0, 100, 4 * PAGE, "new.index"));
	cr_assert_eq(hooks.watches, 2);
}

/* mlockall(MCL_CURRENT) locks every VMA: pieces that differed only in the lock join. */
Test(tracker, mlockall_and_munlockall_join_what_mlock_split)
{
	apply(mmap_file(PID, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(range_change(PID, 2, MW_RANGE_MLOCK, A + PAGE, PAGE, 0));
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 3);
	apply(range_change(PID, 3, MW_RANGE_MLOCKALL, 0, 0, MCL_CURRENT | MCL_ONFAULT));
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 1);
	apply(range_change(PID, 4, MW_RANGE_MLOCK, A + PAGE, PAGE, 0));
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 3);
	apply(range_change(PID, 5, MW_RANGE_MUNLOCKALL, 0, 0, 0));
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 1);
}

/* mlockall(MCL_FUTURE) locks what is mapped next, until munlockall; a child does not inherit it. */
Test(tracker, mlockall_future_locks_new_mappings_only)
{
	apply(mmap_file(PID, 1, A, 3 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(range_change(PID, 2, MW_RANGE_MLOCKALL, 0, 0, MCL_FUTURE));
	apply(fork_process(PID, 3, PID + 1, false));
	apply(mmap_file(PID, 4, A + 3 * PAGE, PAGE, 3 * PAGE, 100, 4 * PAGE, "a.index"));
	apply(mmap_file(PID + 1, 4, A + 3 * PAGE, PAGE, 3 * PAGE, 100, 4 * PAGE, "a.index"));
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 2);
	cr_assert_eq(tracker__process_mapping_count(tracker, PID + 1), 1);
	apply(range_change(PID, 5, MW_RANGE_MUNLOCKALL, 0, 0, 0));
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 1);
}
