// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Seeding from /proc, rescans, large processes, snapshot order and growth. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "tracker_fixture.h"

#define PID 5151
#define A 0x7f0000000000ULL
#define DEV SEEDED_DEV

TestSuite(seed, .init = tracker_setup, .fini = tracker_teardown);

Test(seed, events_older_than_the_scan_are_ignored)
{
	struct mw_vma vma = seeded_file_vma(A, 4, 100, "/data/a.index", false, 1);

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 50, &vma, 1, 10 * SECOND), 0);
	cr_assert_eq(hooks.watches, 1);
	cr_assert_eq(hooks.watched_ino[0], 100);
	cr_assert_eq(hooks.watched_hash[0], tracker__name_hash("a.index"));

	apply(munmap_range(PID, 9 * SECOND, A, 4 * PAGE)); /* already visible in the scan */
	take_snapshot(11 * SECOND);
	cr_assert_eq(snapshot.tracked_mappings, 1);
	cr_assert_eq(report_of(PID)->map_count, 50);
	/* The unlink of the inode is not about the process: it always applies. */
	apply(unlink_file(PID + 1, 9 * SECOND, 100, true));
	cr_assert_eq(report_now(PID, 11 * SECOND)->orphaned_mappings, 1);
	cr_assert_float_eq(report_of(PID)->orphans[0].deleted_seconds_ago, 2.0, 1e-9);
	cr_assert_str_eq(report_of(PID)->orphans[0].path, "/data/a.index");

	apply(munmap_range(PID, 12 * SECOND, A, 4 * PAGE));
	take_snapshot(13 * SECOND);
	cr_assert_eq(snapshot.tracked_mappings, 0);
	cr_assert_eq(hooks.forgets, 1);
}

Test(seed, an_already_deleted_file_has_an_unknown_age)
{
	struct mw_vma vmas[] = {
		seeded_file_vma(A, 4, 100, "/data/old.index", true, 0),
		seeded_file_vma(A + 8 * PAGE, 2, 101, "/data/linked.index", true,
				1), /* hard link left */
		{ .start = A + 16 * PAGE, .end = A + 20 * PAGE, .kind = MW_VMA_ANONYMOUS },
		{ .start = A + 20 * PAGE,
		  .end = A + 24 * PAGE,
		  .kind = MW_VMA_SPECIAL_FILE,
		  .deleted = true,
		  .ino = 5,
		  .path = "/memfd:buffer" },
	};
	const struct mw_process_report *report;

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 4, vmas, 4, SECOND), 0);
	report = report_now(PID, 2 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->orphaned_bytes, 4 * PAGE);
	cr_assert_not(report->orphans[0].deleted_age_known);
	cr_assert_not(report->oldest_orphan_age_known);
	cr_assert_eq(snapshot.tracked_mappings, 2);
}

Test(seed, a_known_deletion_time_survives_seeding)
{
	struct mw_vma vma = seeded_file_vma(A, 4, 100, "/data/a.index", true, 0);

	apply(mmap_file(PID, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(unlink_file(PID, 2 * SECOND, 100, true));
	cr_assert_eq(tracker__seed_process(tracker, PID + 1, "java", 4, &vma, 1, 3 * SECOND), 0);
	const struct mw_process_report *report = report_now(PID + 1, 4 * SECOND);

	cr_assert(report->orphans[0].deleted_age_known);
	cr_assert_float_eq(report->orphans[0].deleted_seconds_ago, 2.0, 1e-9);
}

Test(seed, rescans_report_how_many_mappings_differed)
{
	struct mw_vma first[] = {
		seeded_file_vma(A, 4, 100, "/data/a", false, 1),
		seeded_file_vma(A + 8 * PAGE, 4, 101, "/data/b", false, 1),
		seeded_file_vma(A + 16 * PAGE, 4, 102, "/data/c", false, 1),
	};
	struct mw_vma second[] = {
		seeded_file_vma(A, 4, 100, "/data/a", false, 1),
		seeded_file_vma(A + 8 * PAGE, 4, 101, "/data/b", false, 1),
		seeded_file_vma(A + 32 * PAGE, 4, 103, "/data/d", false, 1),
	};

	/* A process the tracker did not know: nothing to correct. */
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, first, 3, 1), 0);
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, first, 3, 2), 0);
	/* One mapping went (c), one came (d). */
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, second, 3, 3), 2);
	cr_assert_eq(hooks.forgets, 1);
	cr_assert_eq(hooks.forgotten_ino[0], 102);
	/* After exec the tracker knew nothing: the rescan corrects nothing. */
	apply(exec_process(PID, 4, "java"));
	cr_assert_eq(hooks.rescans, 1);
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, first, 3, 5), 0);
	take_snapshot(6);
	cr_assert_eq(snapshot.tracked_mappings, 3);
}

Test(seed, resize_remap_is_seen_against_a_seeded_mapping)
{
	struct mw_vma vma = seeded_file_vma(A, 2560, 100, "/data/0.index", false, 1);

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, &vma, 1, 1), 0);
	apply(truncate_file(PID, 2, 100, 100 * PAGE));
	apply(mmap_file(PID, 3, A + 4096 * PAGE, 100 * PAGE, 0, 100, 100 * PAGE, "0.index"));
	cr_assert_eq(report_now(PID, 4)->resize_remaps, 1);
	cr_assert_eq(report_of(PID)->stale_mappings, 1);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

Test(seed, ten_thousand_orphans_in_one_process_counted_exactly_and_fast)
{
	const uint64_t mappings = 10000;
	const struct mw_process_report *report;
	struct timespec start;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &start);
	/* One file mapped again and again, with gaps so nothing merges. */
	for (uint64_t i = 0; i < mappings; i++)
		apply(mmap_file(PID, 1 + i, A + i * 3 * PAGE, 2 * PAGE, 0, 100, 2 * PAGE,
				"00000000000000000000.index"));
	apply(unlink_file(PID, SECOND, 100, true));
	report = report_now(PID, 2 * SECOND);
	cr_assert_eq(report->orphaned_mappings, mappings);
	cr_assert_eq(report->orphaned_bytes, mappings * 2 * PAGE);
	/* one file: one orphan, every mapping a range of it, in address order */
	cr_assert_eq(report->orphan_count, 1);
	cr_assert_eq(report->orphans[0].mappings, mappings);
	cr_assert_eq(report->orphans[0].range_count, mappings);
	for (uint64_t i = 1; i < mappings; i++)
		cr_assert_gt(report->orphans[0].ranges[i].start,
			     report->orphans[0].ranges[i - 1].start);
	/* Every other one goes, then the rest. */
	for (uint64_t i = 0; i < mappings; i += 2)
		apply(munmap_range(PID, 3 * SECOND, A + i * 3 * PAGE, 2 * PAGE));
	cr_assert_eq(report_now(PID, 4 * SECOND)->orphaned_mappings, mappings / 2);
	apply(munmap_range(PID, 5 * SECOND, A, mappings * 3 * PAGE));
	take_snapshot(6 * SECOND);
	elapsed = seconds_since(&start);
	cr_assert_eq(snapshot.orphaned_mappings, 0);
	cr_assert_eq(snapshot.unlink_to_unmap.count, mappings);
	cr_assert_eq(hooks.forgets, 1);
	cr_log_info("10,000 orphans: mapped, counted and unmapped in %.3f s", elapsed);
	cr_assert_lt(elapsed, 2.0, "took %.3f s", elapsed);
}

static void map_orphans(uint32_t pid, uint64_t pages, uint64_t ino, uint32_t map_count)
{
	union mw_event event = mmap_file(pid, 1, A, pages * PAGE, 0, ino, pages * PAGE, "x");

	event.header.map_count = map_count;
	apply(event);
	apply(unlink_file(pid, 2, ino, true));
}

Test(seed, snapshot_order_and_totals)
{
	union mw_event event;

	map_orphans(10, 2, 100, 50);
	map_orphans(11, 5, 101, 40);
	event = munmap_range(12, 3, A, PAGE);
	event.header.map_count = 60000;
	apply(event);
	event.header.pid = 14;
	event.header.map_count = 100;
	apply(event);
	event.header.pid = 13;
	apply(event);
	take_snapshot(10);
	cr_assert_eq(snapshot.process_count, 5);
	cr_assert_eq(snapshot.processes[0].pid, 11);
	cr_assert_eq(snapshot.processes[1].pid, 10);
	cr_assert_eq(snapshot.processes[2].pid, 12);
	cr_assert_eq(snapshot.processes[3].pid, 13);
	cr_assert_eq(snapshot.processes[4].pid, 14);
	cr_assert_eq(snapshot.orphaned_mappings, 2);
	cr_assert_eq(snapshot.orphaned_bytes, 7 * PAGE);
	cr_assert_eq(snapshot.tracked_mappings, 2);
	cr_assert_eq(snapshot.max_map_count, 65530);
	cr_assert_float_eq(snapshot.timestamp, 10 / 1e9, 1e-12);
}

Test(seed, seconds_to_map_limit_from_the_growth_rate)
{
	const struct mw_process_report *report;

	cr_assert_eq(tracker__set_map_count(tracker, PID, 10, 0), -ENOENT);
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 1000, NULL, 0, 0), 0);
	cr_assert_not(report_now(PID, 1)->map_count_growing);
	/* 10 mappings a second for a minute. */
	for (uint64_t s = 1; s <= 60; s++)
		cr_assert_eq(tracker__set_map_count(tracker, PID, 1000 + 10 * s, s * SECOND), 0);
	report = report_now(PID, 60 * SECOND);
	cr_assert(report->map_count_growing);
	cr_assert_eq(report->map_count, 1600);
	cr_assert_float_eq(report->seconds_to_map_limit, (65530.0 - 1600.0) / 10.0, 1e-6);
	/* Ten minutes later with no sample in the window: not growing. */
	cr_assert_not(report_now(PID, 660 * SECOND)->map_count_growing);
	/* Shrinking is not growing. */
	for (uint64_t s = 700; s <= 760; s++)
		cr_assert_eq(tracker__set_map_count(tracker, PID, 5000 - s, s * SECOND), 0);
	cr_assert_not(report_now(PID, 760 * SECOND)->map_count_growing);
}

/*
 * Samples every 15 s, as the agent takes them from the kernel: growth gives a
 * forecast, a stop takes it away at the next sample, growth brings it back,
 * a shrink takes it away, and an exit takes the process.
 */
Test(seed, the_forecast_follows_growth_stop_shrink_and_exit)
{
	const struct mw_process_report *report;
	uint64_t count = 1000;

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", count, NULL, 0, 0), 0);
	for (uint64_t s = 15; s <= 120; s += 15)
		cr_assert_eq(tracker__set_map_count(tracker, PID, count += 4500, s * SECOND), 0);
	report = report_now(PID, 120 * SECOND);
	cr_assert(report->map_count_growing);
	cr_assert_float_eq(report->seconds_to_map_limit, (65530.0 - count) / 300.0, 1e-6);

	cr_assert_eq(tracker__set_map_count(tracker, PID, count, 135 * SECOND), 0);
	cr_assert_not(report_now(PID, 135 * SECOND)->map_count_growing, "stopped, still forecast");
	cr_assert_eq(tracker__set_map_count(tracker, PID, count, 150 * SECOND), 0);
	cr_assert_not(report_now(PID, 150 * SECOND)->map_count_growing);

	/* growing again at 100 a second: forecast at that rate once the window holds only it */
	for (uint64_t s = 165; s <= 300; s += 15)
		cr_assert_eq(tracker__set_map_count(tracker, PID, count += 1500, s * SECOND), 0);
	report = report_now(PID, 300 * SECOND);
	cr_assert(report->map_count_growing, "growing again, no forecast");
	cr_assert_float_eq(report->seconds_to_map_limit, (65530.0 - count) / 100.0, 1e-6);

	cr_assert_eq(tracker__set_map_count(tracker, PID, count - 20000, 315 * SECOND), 0);
	cr_assert_not(report_now(PID, 315 * SECOND)->map_count_growing, "shrinking, forecast");
	cr_assert_eq(tracker__set_map_count(tracker, PID, count - 19900, 330 * SECOND), 0);
	cr_assert_not(report_now(PID, 330 * SECOND)->map_count_growing,
		      "a forecast from the growth before the shrink");

	apply(exit_process(PID, 340 * SECOND));
	take_snapshot(340 * SECOND);
	cr_assert_null(report_of(PID), "an exited process is still reported");
	cr_assert_eq(tracker__set_map_count(tracker, PID, count, 350 * SECOND), -ENOENT);
}

Test(seed, an_unlink_drained_after_the_rescan_still_gives_the_time)
{
	struct mw_vma vmas[] = { seeded_file_vma(A, 4, 100, "/data/00.index", true, 0) };
	const struct mw_process_report *report;

	/* The rescan reads /proc after the unlink but before its record is drained. */
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 1, vmas, 1, 5 * SECOND), 0);
	report = report_now(PID, 6 * SECOND);
	cr_assert_not(report->orphans[0].deleted_age_known);
	apply(unlink_file(PID, 4 * SECOND, 100, true));
	report = report_now(PID, 6 * SECOND);
	cr_assert(report->orphans[0].deleted_age_known);
	cr_assert_float_eq(report->orphans[0].deleted_seconds_ago, 2.0, 1e-6);
}

/* A scan without CAP_SYS_ADMIN cannot stat a deleted file: its size is unknown, not zero. */
Test(seed, a_mapping_of_unknown_size_is_never_stale)
{
	struct mw_vma vmas[] = {
		seeded_file_vma(A, 4, 300, "/data/unknown.index", true, 0),
		seeded_file_vma(A + 8 * PAGE, 4, 301, "/data/short.index", false, 1),
	};
	const struct mw_process_report *report;

	vmas[0].file_stat_known = false;
	vmas[0].file_size = 0;
	vmas[1].file_size = PAGE; /* four pages mapped over a one-page file: stale */
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 2, vmas, 2, SECOND), 0);
	report = report_now(PID, 2 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->stale_mappings, 1);

	/* A rescan that can stat it learns the size: judged from then on, and no size change. */
	vmas[0].file_stat_known = true;
	vmas[0].file_size = PAGE;
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 2, vmas, 2, 3 * SECOND), 0);
	cr_assert_eq(report_now(PID, 4 * SECOND)->stale_mappings, 2);
	apply(mmap_file(PID, 5 * SECOND, A + 16 * PAGE, PAGE, 0, 300, PAGE, "unknown.index"));
	cr_assert_eq(report_now(PID, 6 * SECOND)->resize_remaps, 0);
}

/* A walk that ends half way leaves no process behind that it added. */
Test(seed, an_abandoned_walk_drops_the_process_it_added)
{
	struct mw_vma vma = seeded_file_vma(A, 4, 100, "/data/a.index", true, 0);
	struct mw_tracker_seed seed;

	cr_assert_eq(tracker__seed_begin(tracker, &seed, PID, "java", SECOND), 0);
	cr_assert_eq(tracker__seed_vma(&seed, &vma), 0);
	tracker__seed_abandon(&seed);
	cr_assert_not(tracker__has_process(tracker, PID));
	cr_assert_eq(tracker__tracked_mappings(tracker), 0);
	cr_assert_eq(tracker__tracked_inodes(tracker), 0);
}

/*
 * A rescan streamed in address order: unchanged mappings stay (with the size
 * generation they were made at), the others are replaced, the ones /proc no
 * longer lists go, and each change counts once.
 */
Test(seed, a_streamed_rescan_changes_only_what_differs)
{
	struct mw_vma first[4] = {
		seeded_file_vma(A, 2, 100, "/data/a.index", false, 1),
		seeded_file_vma(A + 4 * PAGE, 2, 101, "/data/b.index", false, 1),
		seeded_file_vma(A + 8 * PAGE, 2, 102, "/data/c.index", false, 1),
		seeded_file_vma(A + 12 * PAGE, 2, 103, "/data/d.index", false, 1),
	};
	struct mw_vma second[3] = {
		first[0],
		seeded_file_vma(A + 4 * PAGE, 2, 104, "/data/e.index", false, 1), /* replaced */
		first[3], /* c went */
	};
	struct mw_tracker_seed seed;

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 10, first, 4, SECOND), 0);
	cr_assert_eq(tracker__tracked_mappings(tracker), 4);
	cr_assert_eq(tracker__seed_begin(tracker, &seed, PID, "java", 2 * SECOND), 0);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(tracker__seed_vma(&seed, &second[i]), 0);
	/* b out and e in, c out: three differences */
	cr_assert_eq(tracker__seed_end(&seed, 9), 3);
	cr_assert_eq(tracker__tracked_mappings(tracker), 3);
	cr_assert_eq(tracker__process_mapping_count(tracker, PID), 3);
	cr_assert(tracker__file_deleted(tracker, DEV, 104) == false);
	/* the same view again: nothing differs */
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 9, second, 3, 3 * SECOND), 0);
}

/*
 * The snapshot lists at most the cap of ranges per process, lowest first, and
 * counts the rest; a file none of whose mappings is listed is left out.
 */
Test(seed, ranges_past_the_snapshot_cap_are_counted_not_listed)
{
	struct mw_vma vmas[8];
	const struct mw_process_report *report;

	tracker__destroy(tracker);
	tracker_setup_capped(0, 3);
	/* file 100 at even slots, file 200 at odd ones, file 300 last, past the cap */
	for (size_t i = 0; i < 8; i++)
		vmas[i] = seeded_file_vma(A + i * 4 * PAGE, 2,
					  i == 7  ? 300
					  : i % 2 ? 200
						  : 100,
					  i == 7  ? "/data/z.index"
					  : i % 2 ? "/data/y.index"
						  : "/data/x.index",
					  true, 0);
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 20, vmas, 8, SECOND), 0);
	report = report_now(PID, 2 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 8);
	cr_assert_eq(report->orphaned_bytes, 8 * 2 * PAGE);
	cr_assert_eq(report->orphan_count, 2, "one orphan per listed file");
	cr_assert_eq(report->orphans[0].ino, 100, "ordered by lowest mapping");
	cr_assert_eq(report->orphans[0].mappings, 4, "a listed file counts all its mappings");
	cr_assert_eq(report->orphans[0].bytes, 4 * 2 * PAGE);
	cr_assert_eq(report->orphans[0].range_count, 2);
	cr_assert_eq(report->orphans[0].ranges[0].start, A);
	cr_assert_eq(report->orphans[0].ranges[1].start, A + 8 * PAGE);
	cr_assert_eq(report->orphans[1].ino, 200);
	cr_assert_eq(report->orphans[1].mappings, 3);
	cr_assert_eq(report->orphans[1].range_count, 1);
	cr_assert_eq(report->orphans[1].ranges[0].start, A + 4 * PAGE);
	cr_assert_eq(report->orphan_ranges_omitted, 5);
	/* seeded before any deletion was seen: the age is unknown, for every orphan */
	cr_assert(report->orphan_age_unknown);
	cr_assert_not(report->oldest_orphan_age_known);
}

/*
 * btrfs: every subvolume numbers its inodes from 256 and the maps line gives
 * them all the filesystem's device; stat's device tells them apart, live and
 * seeded, and the snapshot keeps the maps line's beside it.
 */
Test(seed, subvolume_files_sharing_dev_and_ino_stay_apart)
{
	const uint32_t sv1 = 0x2a, sv2 = 0x2b, sv3 = 0x2c;
	struct mw_vma vmas[] = {
		seeded_file_vma(A, 2, 257, "/b/sv1/a", false, 1),
		seeded_file_vma(A + 4 * PAGE, 2, 257, "/b/sv2/b", true, 0),
	};
	const struct mw_process_report *report;
	union mw_event event;

	vmas[0].file_dev = sv1;
	vmas[1].file_dev = sv2;
	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 2, vmas, 2, SECOND), 0);
	report = report_now(PID, 2 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report->orphaned_files, 1);
	cr_assert_eq(report->orphans[0].dev, DEV);
	cr_assert_eq(report->orphans[0].st_dev, sv2);
	cr_assert_str_eq(report->orphans[0].path, "/b/sv2/b");

	/* a third subvolume's linked file of the same number, mapped by another process */
	event = mmap_file(PID + 1, 3 * SECOND, A, 2 * PAGE, 0, 257, 2 * PAGE, "c");
	event.mmap.file.dev = sv3;
	event.mmap.file.maps_dev = DEV;
	apply(event);
	report = report_now(PID, 4 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 1);
	cr_assert_eq(report_of(PID + 1)->orphaned_mappings, 0);

	/* sv1's file goes: only it joins sv2's */
	event = unlink_file(PID + 2, 5 * SECOND, 257, true);
	event.file.file.dev = sv1;
	apply(event);
	report = report_now(PID, 6 * SECOND);
	cr_assert_eq(report->orphaned_mappings, 2);
	cr_assert_eq(report->orphaned_files, 2);
	cr_assert_eq(report_of(PID + 1)->orphaned_mappings, 0);
	cr_assert_eq(snapshot.file_count, 2);
}

/*
 * Records are stamped as the call returns: a read of /proc that ended before
 * the stamp may already show an mremap's move. Applied again, it would unmap
 * what it moved; the process is read again instead.
 */
Test(seed, a_move_the_scan_already_shows_is_not_applied_again)
{
	struct mw_vma moved = seeded_file_vma(A + 64 * PAGE, 4, 100, "/data/a.index", true, 0);

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, &moved, 1, 10 * SECOND), 0);
	apply(mremap_range(PID, 11 * SECOND, A, 4 * PAGE, A + 64 * PAGE, 4 * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED));
	cr_assert_eq(hooks.rescans, 1);
	cr_assert_eq(hooks.rescanned_pid[0], PID);
	cr_assert_eq(report_now(PID, 12 * SECOND)->orphaned_mappings, 1);
	cr_assert_eq(report_of(PID)->orphans[0].ranges[0].start, A + 64 * PAGE);
}

/* A move of memory the map holds is applied as it comes, with no re-read. */
Test(seed, a_move_of_a_known_mapping_is_applied)
{
	struct mw_vma vma = seeded_file_vma(A, 4, 100, "/data/a.index", true, 0);

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, &vma, 1, 10 * SECOND), 0);
	apply(mremap_range(PID, 11 * SECOND, A, 4 * PAGE, A + 64 * PAGE, 4 * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED));
	cr_assert_eq(hooks.rescans, 0);
	cr_assert_eq(report_now(PID, 12 * SECOND)->orphaned_mappings, 1);
	cr_assert_eq(report_of(PID)->orphans[0].ranges[0].start, A + 64 * PAGE);
}

/*
 * A fork copies our view of the parent as the FORK record finds it. With
 * other threads in the parent, a change made just after the kernel's copy may
 * be recorded before the FORK record (and one made just before it after): the
 * child is read from /proc, the copy standing until then.
 */
Test(seed, the_child_of_a_parent_shared_with_other_threads_is_read_from_proc)
{
	union mw_event fork = fork_process(PID, 3 * SECOND, PID + 1, false);

	apply(mmap_file(PID, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(unlink_file(PID, 2 * SECOND, 100, true));
	fork.header.flags |= MW_FORK_MM_SHARED_BY_OTHERS;
	apply(fork);
	cr_assert_eq(hooks.rescans, 1);
	cr_assert_eq(hooks.rescanned_pid[0], PID + 1);
	cr_assert_eq(report_now(PID + 1, 4 * SECOND)->orphaned_mappings, 1);
}

/* A single-threaded parent followed record by record: its copy is exact, nothing is read. */
Test(seed, the_child_of_a_followed_single_threaded_parent_is_copied)
{
	apply(mmap_file(PID, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	apply(fork_process(PID, 3 * SECOND, PID + 1, false));
	cr_assert_eq(hooks.rescans, 0);
}

/* /proc hides MADV_DONTFORK: a parent's VMA read from it may be one the child lacks. */
Test(seed, the_child_of_a_parent_read_from_proc_is_read_too)
{
	struct mw_vma vma = seeded_file_vma(A, 4, 100, "/data/a.index", true, 0);

	cr_assert_eq(tracker__seed_process(tracker, PID, "java", 3, &vma, 1, 10 * SECOND), 0);
	apply(fork_process(PID, 11 * SECOND, PID + 1, false));
	cr_assert_eq(hooks.rescans, 1);
	cr_assert_eq(hooks.rescanned_pid[0], PID + 1);
}

/* A parent whose view is to be read again gives its child no better a copy. */
Test(seed, the_child_of_a_parent_awaiting_a_re_read_is_read_too)
{
	apply(mmap_file(PID, 1 * SECOND, A, 4 * PAGE, 0, 100, 4 * PAGE, "a.index"));
	/* a move from nowhere we know onto the mapping: the parent is to be read */
	apply(mremap_range(PID, 2 * SECOND, A + 64 * PAGE, 4 * PAGE, A, 4 * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED));
	cr_assert_eq(hooks.rescans, 1);
	apply(fork_process(PID, 3 * SECOND, PID + 1, false));
	cr_assert_eq(hooks.rescans, 2);
	cr_assert_eq(hooks.rescanned_pid[1], PID + 1);
}

/* One file of the random host below: what /proc and a stat say of it. */
struct random_file {
	uint64_t ino;
	uint64_t pages;
	bool deleted;
	char path[64];
};

static struct mw_tracker *new_tracker(bool reported_only, size_t snapshot_ranges)
{
	struct mw_tracker_options options = {
		.page_size = PAGE,
		.snapshot_ranges = snapshot_ranges,
		.keep_reported_mappings_only = reported_only,
	};
	struct mw_tracker *made;

	cr_assert_eq(tracker__create(&options, &made), 0);
	return made;
}

static void assert_same_reports(const struct mw_process_report *a,
				const struct mw_process_report *b, unsigned int seed)
{
	cr_assert_eq(a->pid, b->pid, "seed %u", seed);
	cr_assert_eq(a->map_count, b->map_count, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->orphaned_mappings, b->orphaned_mappings, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->orphaned_bytes, b->orphaned_bytes, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->stale_mappings, b->stale_mappings, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->orphaned_files, b->orphaned_files, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->orphaned_files_size_bytes, b->orphaned_files_size_bytes, "seed %u", seed);
	cr_assert_eq(a->orphaned_files_disk_bytes, b->orphaned_files_disk_bytes, "seed %u", seed);
	cr_assert_eq(a->jvm, b->jvm, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->cause, b->cause, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->cause_files, b->cause_files, "seed %u pid %u", seed, a->pid);
	cr_assert_eq(a->orphan_ranges_omitted, b->orphan_ranges_omitted, "seed %u", seed);
	cr_assert_eq(a->orphan_count, b->orphan_count, "seed %u pid %u", seed, a->pid);
	for (size_t i = 0; i < a->orphan_count; i++) {
		const struct mw_orphan *x = &a->orphans[i], *y = &b->orphans[i];

		cr_assert_eq(x->ino, y->ino, "seed %u pid %u", seed, a->pid);
		cr_assert_eq(x->mappings, y->mappings, "seed %u pid %u", seed, a->pid);
		cr_assert_eq(x->bytes, y->bytes, "seed %u pid %u", seed, a->pid);
		cr_assert_eq(x->range_count, y->range_count, "seed %u pid %u", seed, a->pid);
		cr_assert_arr_eq(x->ranges, y->ranges, x->range_count * sizeof(*x->ranges),
				 "seed %u pid %u", seed, a->pid);
	}
}

/*
 * A scan keeps state only for what its report lists: on a random host of
 * live, deleted, stale and JVM-library mappings, shared between processes,
 * its snapshot is the one a tracker keeping every mapping gives.
 */
Test(seed, keeping_only_reported_mappings_reports_the_same)
{
	unsigned int seed = (unsigned int)time(NULL);

	for (int round = 0; round < 20; round++, seed++) {
		size_t ranges = round % 2 ? 3 : 0;
		struct mw_tracker *every = new_tracker(false, ranges);
		struct mw_tracker *reported = new_tracker(true, ranges);
		struct mw_snapshot a = { 0 }, b = { 0 };
		struct random_file files[24];
		unsigned int random = seed;

		for (size_t f = 0; f < 24; f++) {
			static const char *const names[] = { "00000000000000000042.index",
							     "_3f.cfs", "libjvm.so", "data.bin" };

			files[f].ino = 1000 + f;
			files[f].pages = 1 + (uint64_t)rand_r(&random) % 8;
			files[f].deleted = rand_r(&random) % 3 == 0;
			snprintf(files[f].path, sizeof(files[f].path), "/srv/%zu/%s", f,
				 names[rand_r(&random) % 4]);
		}
		for (uint32_t pid = 100; pid < 140; pid++) {
			struct mw_vma vmas[32];
			size_t count = (size_t)rand_r(&random) % 32;

			for (size_t i = 0; i < count; i++) {
				const struct random_file *file = &files[rand_r(&random) % 24];
				/* up to three pages past the end of the file: stale past one */
				uint64_t pages = 1 + (uint64_t)rand_r(&random) % (file->pages + 3);

				vmas[i] = seeded_file_vma(A + i * 16 * PAGE, pages, file->ino,
							  file->path, file->deleted,
							  file->deleted ? 0 : 1);
				vmas[i].file_size = file->pages * PAGE;
			}
			cr_assert_eq(tracker__seed_process(every, pid, "java", count + 10, vmas,
							   count, SECOND),
				     0, "seed %u", seed);
			cr_assert_eq(tracker__seed_process(reported, pid, "java", count + 10, vmas,
							   count, SECOND),
				     0, "seed %u", seed);
		}
		/* a walk cut short takes back what it counted */
		{
			struct mw_vma vma = seeded_file_vma(A, 2, 1000, files[0].path,
							    files[0].deleted, !files[0].deleted);
			struct mw_tracker_seed half;

			vma.file_size = files[0].pages * PAGE;
			cr_assert_eq(tracker__seed_begin(reported, &half, 999, "java", SECOND), 0);
			cr_assert_eq(tracker__seed_vma(&half, &vma), 0);
			tracker__seed_abandon(&half);
		}
		cr_assert_eq(tracker__snapshot(every, 2 * SECOND, 0, 65530, &a), 0);
		cr_assert_eq(tracker__snapshot(reported, 2 * SECOND, 0, 65530, &b), 0);
		cr_assert_eq(a.tracked_mappings, b.tracked_mappings, "seed %u", seed);
		cr_assert_eq(a.process_count, b.process_count, "seed %u", seed);
		for (size_t i = 0; i < a.process_count; i++)
			assert_same_reports(&a.processes[i], &b.processes[i], seed);
		cr_assert_eq(a.orphaned_mappings, b.orphaned_mappings, "seed %u", seed);
		cr_assert_eq(a.file_count, b.file_count, "seed %u", seed);
		for (size_t i = 0; i < a.file_count; i++) {
			cr_assert_eq(a.files[i].ino, b.files[i].ino, "seed %u", seed);
			cr_assert_eq(a.files[i].mappings, b.files[i].mappings, "seed %u", seed);
			cr_assert_eq(a.files[i].pid_count, b.files[i].pid_count, "seed %u", seed);
		}
		/* and it holds less: only the mappings the report lists */
		cr_assert_leq(tracker__tracked_inodes(reported),
			      tracker__tracked_inodes(every) + 24);
		snapshot__clear(&a);
		snapshot__clear(&b);
		tracker__destroy(every);
		tracker__destroy(reported);
	}
}
