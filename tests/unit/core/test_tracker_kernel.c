// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker against what the kernel side does to stay cheap: records of
 * inodes it had filed come without a name, inode numbers are reused by new
 * files, inodes are forgotten late, and audits and checks repair drift.
 */
#include <errno.h>
#include "tracker_fixture.h"

#define PID 4242
#define A 0x7f0000000000ULL
#define B 0x7f0000100000ULL
#define DEV (254u << 20)
#define ADDRESS_OLD 0xffff888100001000ULL
#define ADDRESS_NEW 0xffff888100002000ULL

TestSuite(tracker_kernel, .init = tracker_setup, .fini = tracker_teardown);

static union mw_event mmap_known(uint32_t pid, uint64_t ts, uint64_t addr, uint64_t ino,
				 uint64_t size, const char *name, uint64_t address)
{
	return identified(mmap_file(pid, ts, addr, 4 * PAGE, 0, ino, size, name), address, 7);
}

/* The Kafka resize: truncate, map again; the second map is a FILED record, the rule still holds. */
Test(tracker_kernel, filed_records_still_count_resize_remaps)
{
	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(filed(mmap_known(PID, 2, B, 100, 4 * PAGE, "0.index", ADDRESS_OLD)));
	cr_assert_eq(report_now(PID, 3)->resize_remaps, 0, "same size: not a resize");
	apply(truncate_file(PID, 4, 100, 2 * PAGE));
	apply(filed(mmap_known(PID, 5, B + 8 * PAGE, 100, 2 * PAGE, "0.index", ADDRESS_OLD)));
	cr_assert_eq(report_now(PID, 6)->resize_remaps, 1);
	cr_assert_eq(hooks.watches, 1, "a filed record asks nothing of the kernel");
}

Test(tracker_kernel, filed_records_keep_the_name_and_follow_renames_and_deletion)
{
	const struct mw_process_report *report;

	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(filed(mmap_known(PID, 2, B, 100, 4 * PAGE, "0.index", ADDRESS_OLD)));
	apply(rename_file(PID, 3, 100, "0.index.deleted"));
	apply(filed(mmap_known(PID, 4, B + 8 * PAGE, 100, 4 * PAGE, "0.index", ADDRESS_OLD)));
	apply(unlink_file(PID, 5, 100, true));
	report = report_now(PID, 6);
	cr_assert_eq(report->orphaned_mappings, 3);
	/* one file: one orphan, its three mappings its ranges */
	cr_assert_eq(report->orphan_count, 1);
	cr_assert_eq(report->orphans[0].mappings, 3);
	cr_assert_eq(report->orphans[0].range_count, 3);
	cr_assert_str_eq(report->orphans[0].path, "0.index.deleted");
	cr_assert(report->orphans[0].deleted_age_known);
}

/*
 * A FILED record for an inode the tracker no longer has: it was forgotten
 * while the kernel mapped it again. It is tracked again, nameless until a
 * check reads its path, and when the kernel lost it to that forget, checked.
 */
Test(tracker_kernel, filed_record_of_a_forgotten_inode_is_tracked_and_checked)
{
	struct mw_file_check checks[2];

	hooks.watch_result = 1; /* the kernel had lost it */
	apply(filed(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD)));
	cr_assert_eq(tracker__tracked_inodes(tracker), 1);
	cr_assert_eq(hooks.watches, 1);
	cr_assert(hooks.watched_expecting[0]);
	cr_assert_eq(hooks.watched_hash[0], tracker__name_hash("0.index"));
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 2), 1);
	cr_assert_eq(checks[0].ino, 100);
	cr_assert_eq(checks[0].start, A);
	cr_assert_eq(tracker__set_file_status(tracker, DEV, 100, 0, 4 * PAGE, "/kafka/0.index", 9),
		     0);
	cr_assert_str_eq(report_now(PID, 10)->orphans[0].path, "/kafka/0.index");
}

Test(tracker_kernel, new_inode_present_in_the_kernel_is_not_checked)
{
	struct mw_file_check checks[2];

	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	cr_assert_eq(hooks.watches, 1);
	cr_assert(hooks.watched_expecting[0]);
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 2), 0);
}

/*
 * ext4 gives a freed inode number to the next new file at once. A record
 * with another address or generation is a new file: not deleted, not named
 * like the old one, whatever the old one was.
 */
Test(tracker_kernel, reused_inode_number_is_a_new_file)
{
	union mw_event reused;

	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "old.index", ADDRESS_OLD));
	apply(unlink_file(PID, 2, 100, true));
	cr_assert_eq(report_now(PID, 3)->orphaned_mappings, 1);
	reused = mmap_known(PID + 1, 4, A, 100, 8 * PAGE, "new.index", ADDRESS_NEW);
	reused.mmap.offset = 0;
	apply(reused);
	cr_assert_eq(report_now(PID + 1, 5)->orphaned_mappings, 0, "the new file is not orphaned");
	apply(filed(mmap_known(PID + 1, 6, B, 100, 8 * PAGE, "", ADDRESS_NEW)));
	apply(unlink_file(PID + 1, 7, 100, true));
	cr_assert_eq(report_now(PID + 1, 8)->orphaned_mappings, 2);
	cr_assert_str_eq(report_of(PID + 1)->orphans[0].path, "new.index");
}

/* The same address with another generation is another file too (slab reuse). */
Test(tracker_kernel, generation_tells_files_at_one_address_apart)
{
	union mw_event record = mmap_known(PID, 1, A, 100, 4 * PAGE, "old.index", ADDRESS_OLD);

	apply(record);
	apply(unlink_file(PID, 2, 100, true));
	record = mmap_known(PID + 1, 3, A, 100, 4 * PAGE, "new.index", ADDRESS_OLD);
	record.mmap.file.generation = 8;
	apply(record);
	cr_assert_eq(report_now(PID + 1, 4)->orphaned_mappings, 0);
}

Test(tracker_kernel, forget_hook_is_told_the_identity)
{
	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(munmap_range(PID, 2, A, 4 * PAGE));
	cr_assert_eq(hooks.forgets, 1);
	cr_assert_eq(hooks.forgotten_ino[0], 100);
	cr_assert_eq(hooks.forgotten_address[0], ADDRESS_OLD);
}

/* An audit finds an old orphan again: its unknown deletion time stays unknown. */
Test(tracker_kernel, audit_and_checks_do_not_invent_deletion_times)
{
	struct mw_vma vma = {
		.start = A,
		.end = A + 4 * PAGE,
		.ino = 100,
		.dev = DEV,
		.prot = 1,
		.shared = true,
		.deleted = true,
		.kind = MW_VMA_FILE,
		.file_stat_known = true,
		.nlink = 0,
		.file_size = 4 * PAGE,
	};
	union mw_event audit = unlink_file(PID, 5 * SECOND, 100, true);
	const struct mw_process_report *report;

	strcpy(vma.path, "/kafka/t-0/0.index");
	cr_assert_geq(tracker__seed_process(tracker, PID, "java", 10, &vma, 1, 1 * SECOND), 0);
	audit.header.flags |= MW_UNLINK_AUDIT;
	apply(audit);
	cr_assert_eq(tracker__set_file_status(tracker, DEV, 100, 0, 4 * PAGE, NULL, 6 * SECOND), 0);
	report = report_now(PID, 7 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_not(report->orphans[0].deleted_age_known,
		      "a deletion before start has no known age");
	cr_assert_not(report->oldest_orphan_age_known);

	/* its own UNLINK record does give the time */
	apply(unlink_file(PID, 8 * SECOND, 100, true));
	cr_assert(report_now(PID, 9 * SECOND)->orphans[0].deleted_age_known);
}

/* An audit finding a live file deleted: orphaned from then on. */
Test(tracker_kernel, audit_unlink_orphans_a_live_file)
{
	union mw_event audit = unlink_file(PID, 5 * SECOND, 100, true);
	const struct mw_process_report *report;

	apply(mmap_known(PID, 1 * SECOND, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	audit.header.flags |= MW_UNLINK_AUDIT;
	apply(audit);
	report = report_now(PID, 6 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert(report->orphans[0].deleted_age_known);
	cr_assert_float_eq(report->orphans[0].deleted_seconds_ago, 1.0, 1e-9);
}

Test(tracker_kernel, self_fork_is_ignored)
{
	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(fork_process(PID, 2, PID, false));
	cr_assert_eq(report_now(PID, 3)->map_count, 10);
	cr_assert_eq(tracker__tracked_mappings(tracker), 1);
}

Test(tracker_kernel, comm_follows_the_kernel)
{
	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(unlink_file(PID, 2, 100, true));
	cr_assert_eq(tracker__set_comm(tracker, PID, "kafka-broker"), 0);
	cr_assert_str_eq(report_now(PID, 3)->comm, "kafka-broker");
	cr_assert_eq(tracker__set_comm(tracker, PID + 9, "nobody"), -ENOENT);
}

/* Up to max inodes per call, in turn, only mapped ones; lost ones are checked. */
Test(tracker_kernel, verify_visits_every_mapped_inode_in_bounded_steps)
{
	struct mw_file_check checks[8];

	for (uint64_t i = 0; i < 5; i++)
		apply(mmap_known(PID, 1, A + i * 8 * PAGE, 100 + i, 4 * PAGE, "x.index",
				 ADDRESS_OLD + i * PAGE));
	hooks.watches = 0;
	cr_assert_eq(tracker__verify_kernel_inodes(tracker, 2), 0);
	cr_assert_eq(hooks.watches, 2);
	cr_assert(hooks.watched_expecting[0] && hooks.watched_expecting[1]);
	cr_assert_eq(tracker__verify_kernel_inodes(tracker, 2), 0);
	cr_assert_eq(hooks.watches, 4);
	hooks.watch_result = 1;
	cr_assert_eq(tracker__verify_kernel_inodes(tracker, 2), 1,
		     "one inode left in this round, and the kernel lost it");
	cr_assert_eq(hooks.watches, 5);
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 8), 1);
	cr_assert_eq(tracker__verify_kernel_inodes(tracker, 8), 5, "the next round starts over");
	cr_assert_eq(hooks.watches, 10);
}

static void tracker_delayed_setup(void)
{
	tracker_setup_delayed(10 * SECOND);
}

TestSuite(tracker_delayed, .init = tracker_delayed_setup, .fini = tracker_teardown);

Test(tracker_delayed, unused_inode_is_forgotten_after_the_delay)
{
	apply(mmap_known(PID, 1 * SECOND, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(munmap_range(PID, 2 * SECOND, A, 4 * PAGE));
	cr_assert_eq(hooks.forgets, 0, "not at once");
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 11 * SECOND), 0);
	cr_assert_eq(tracker__tracked_inodes(tracker), 1);
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 12 * SECOND), 1);
	cr_assert_eq(hooks.forgets, 1);
	cr_assert_eq(hooks.forgotten_address[0], ADDRESS_OLD);
	cr_assert_eq(tracker__tracked_inodes(tracker), 0);
}

/* Mapped again meanwhile (a FILED record, as the kernel sends it): kept, and the delay starts over. */
Test(tracker_delayed, inode_mapped_again_is_kept_and_its_delay_starts_over)
{
	apply(mmap_known(PID, 1 * SECOND, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	apply(munmap_range(PID, 2 * SECOND, A, 4 * PAGE));
	apply(filed(mmap_known(PID, 5 * SECOND, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD)));
	cr_assert_eq(hooks.watches, 1, "kept: nothing asked of the kernel again");
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 13 * SECOND), 0);
	apply(munmap_range(PID, 6 * SECOND, A, 4 * PAGE));
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 15 * SECOND), 0);
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 16 * SECOND), 1);
	cr_assert_eq(hooks.forgets, 1);
}

/* Oldest first: a younger unused inode stops the sweep, an older one behind it does not hide. */
Test(tracker_delayed, sweep_takes_the_oldest_first)
{
	apply(mmap_known(PID, 1 * SECOND, A, 100, 4 * PAGE, "a.index", ADDRESS_OLD));
	apply(mmap_known(PID, 1 * SECOND, B, 200, 4 * PAGE, "b.index", ADDRESS_NEW));
	apply(munmap_range(PID, 2 * SECOND, A, 4 * PAGE));
	apply(munmap_range(PID, 4 * SECOND, B, 4 * PAGE));
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 13 * SECOND), 1);
	cr_assert_eq(hooks.forgotten_ino[0], 100);
	cr_assert_eq(tracker__sweep_unused_inodes(tracker, 14 * SECOND), 1);
	cr_assert_eq(hooks.forgotten_ino[1], 200);
}

/*
 * A file the kernel's table had no room for: only a check finds its
 * deletion. One is queued for a mapped, live inode; none for an inode known
 * deleted or not tracked.
 */
Test(tracker_kernel, check_of_one_file_is_queued_only_while_it_is_mapped_and_live)
{
	struct mw_file_check checks[2];

	apply(mmap_known(PID, 1, A, 100, 4 * PAGE, "0.index", ADDRESS_OLD));
	cr_assert_eq(tracker__check_file(tracker, DEV, 100), 0);
	cr_assert_eq(tracker__check_file(tracker, DEV, 100), 0, "queued once");
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 2), 1);
	cr_assert_eq(checks[0].ino, 100);
	cr_assert_eq(checks[0].start, A);
	cr_assert_eq(tracker__check_file(tracker, DEV, 101), -ENOENT);

	apply(unlink_file(PID, 2, 100, true));
	cr_assert_eq(tracker__check_file(tracker, DEV, 100), 0);
	cr_assert_eq(tracker__take_pending_checks(tracker, checks, 2), 0,
		     "deleted: nothing to find");

	apply(munmap_range(PID, 3, A, 4 * PAGE));
	cr_assert_eq(tracker__check_file(tracker, DEV, 100), -ENOENT, "no mapping left");
}

/*
 * A FORK older than its parent's last /proc read is covered by that read for
 * the parent only: the child must be read from /proc, not left unknown.
 */
Test(tracker_kernel, fork_older_than_the_parent_scan_has_the_child_read)
{
	struct mw_vma vma = {
		.start = A,
		.end = A + 4 * PAGE,
		.ino = 100,
		.dev = DEV,
		.prot = 1,
		.shared = true,
		.kind = MW_VMA_FILE,
	};

	strcpy(vma.path, "/kafka/t-0/0.index");
	cr_assert_geq(tracker__seed_process(tracker, PID, "java", 10, &vma, 1, 5 * SECOND), 0);
	apply(fork_process(PID, 4 * SECOND, PID + 1, false));
	cr_assert_eq(hooks.rescans, 1, "the child is neither copied nor read");
	cr_assert_eq(hooks.rescanned_pid[0], PID + 1);
	/*
	 * A FORK the scan did not cover is applied; the parent's VMAs came from
	 * /proc, which hides MADV_DONTFORK, so the child is read too.
	 */
	apply(fork_process(PID, 6 * SECOND, PID + 2, false));
	cr_assert_eq(hooks.rescans, 2);
	cr_assert_eq(hooks.rescanned_pid[1], PID + 2);
	cr_assert_eq(report_now(PID + 2, 7 * SECOND)->map_count, 10);
}
