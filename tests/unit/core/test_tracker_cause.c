// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The cause in a process's report, from what the tracker knows it maps. */
#include <stdio.h>
#include "tracker_fixture.h"

#define A 0x7f0000000000ULL
#define JVM_LIBRARY "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"

TestSuite(cause, .init = tracker_setup, .fini = tracker_teardown);

static struct mw_vma vma_of(uint64_t start, uint64_t ino, const char *path, bool deleted)
{
	struct mw_vma vma = {
		.start = start,
		.end = start + 4 * PAGE,
		.ino = ino,
		.dev = 254u << 20,
		.prot = PROT_READ,
		.shared = true,
		.deleted = deleted,
		.kind = MW_VMA_FILE,
		.file_stat_known = true,
		.nlink = deleted ? 0 : 1,
		.file_size = 4 * PAGE,
		.file_disk_bytes = 4 * PAGE,
	};

	snprintf(vma.path, sizeof(vma.path), "%s", path);
	return vma;
}

Test(cause, a_jvm_holding_deleted_files_awaits_a_gc)
{
	struct mw_vma vmas[] = { vma_of(A, 1, JVM_LIBRARY, false),
				 vma_of(A + 8 * PAGE, 2, "/data/a.bin", true),
				 vma_of(A + 16 * PAGE, 3, "/data/b.bin", true),
				 vma_of(A + 24 * PAGE, 3, "/data/b.bin", true) };
	const struct mw_process_report *report;

	cr_assert_eq(tracker__seed_process(tracker, 10, "java", 50, vmas, 4, 1), 0);
	report = report_now(10, SECOND);
	cr_assert(report->jvm);
	cr_assert_eq(report->cause, MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS);
	/* each file once, however often mapped */
	cr_assert_eq(report->cause_files, 2);
	cr_assert_eq(report->cause_example_count, 2);
}

Test(cause, the_same_files_in_a_process_that_is_no_jvm_have_no_cause)
{
	struct mw_vma vmas[] = { vma_of(A + 8 * PAGE, 2, "/data/a.bin", true) };
	const struct mw_process_report *report;

	cr_assert_eq(tracker__seed_process(tracker, 10, "python3", 50, vmas, 1, 1), 0);
	report = report_now(10, SECOND);
	cr_assert_not(report->jvm);
	cr_assert_eq(report->cause, MW_LEAK_CAUSE_NONE);
	cr_assert_eq(report->cause_files, 0);
	cr_assert_eq(report->cause_example_count, 0);
}

/* Kafka truncates an index and maps it again without unmapping, then deletes the segment. */
Test(cause, kafka_indexes_resized_and_deleted_are_the_resize_leak)
{
	const struct mw_process_report *report;

	apply(mmap_file(10, 1, A + 64 * PAGE, 4 * PAGE, 0, 1, 4 * PAGE, "libjvm.so"));
	apply(mmap_file(10, 1, A, 4 * PAGE, 0, 100, 4 * PAGE, "00000000000000001000.index"));
	apply(truncate_file(10, 2, 100, 8 * PAGE));
	apply(mmap_file(10, 2, A + 16 * PAGE, 8 * PAGE, 0, 100, 8 * PAGE,
			"00000000000000001000.index"));
	apply(mmap_file(10, 2, A + 32 * PAGE, 4 * PAGE, 0, 200, 4 * PAGE, "other.bin"));
	report = report_now(10, 3);
	cr_assert_eq(report->resize_remaps, 1);
	/* nothing deleted yet: nothing pinned, no cause */
	cr_assert_eq(report->cause, MW_LEAK_CAUSE_NONE);

	apply(unlink_file(10, 4, 100, true));
	apply(unlink_file(10, 4, 200, true));
	report = report_now(10, 5);
	cr_assert(report->jvm);
	cr_assert_eq(report->cause, MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE);
	/* the evidence is the index alone */
	cr_assert_eq(report->cause_files, 1);
	cr_assert_eq(report->cause_example_count, 1);
	cr_assert_str_eq(report->cause_examples[0], "00000000000000001000.index");
}

Test(cause, evidence_lists_the_first_files_and_counts_them_all)
{
	struct mw_vma vmas[MW_CAUSE_EXAMPLES + 3];
	const struct mw_process_report *report;

	for (size_t i = 0; i < MW_CAUSE_EXAMPLES + 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/var/lib/opensearch/index/_%zu.cfs", i);
		vmas[i] = vma_of(A + i * 8 * PAGE, 10 + i, path, true);
	}
	cr_assert_eq(tracker__seed_process(tracker, 10, "java", 50, vmas, MW_CAUSE_EXAMPLES + 3, 1),
		     0);
	report = report_now(10, SECOND);
	cr_assert_eq(report->cause, MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS);
	cr_assert_eq(report->cause_files, MW_CAUSE_EXAMPLES + 3);
	cr_assert_eq(report->cause_example_count, MW_CAUSE_EXAMPLES);
}
