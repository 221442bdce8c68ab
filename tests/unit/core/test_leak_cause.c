// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* File signatures and the cause they add up to, one process at a time. */
#include <criterion/criterion.h>
#include <string.h>
#include "leak_cause.h"

#define KAFKA_DIR "/var/lib/kafka/data/orders-3/"

Test(leak_cause, kafka_segment_indexes_by_name)
{
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "00000000000000123456.index"),
		     MW_FILE_KIND_KAFKA_INDEX);
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "00000000000000123456.timeindex"),
		     MW_FILE_KIND_KAFKA_INDEX);
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "00000000000000123456.txnindex.deleted"),
		     MW_FILE_KIND_KAFKA_INDEX);
	/* the kernel's basename alone is enough */
	cr_assert_eq(leak_cause__classify("00000000000000000000.index.deleted"),
		     MW_FILE_KIND_KAFKA_INDEX);
	/* 19 or 21 digits, the log itself, a stray suffix: not an index */
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "0000000000000012345.index"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "000000000000001234567.index"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "00000000000000123456.log"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "00000000000000123456.index.old"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify(KAFKA_DIR "0000000000000012345a.index"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("/tmp/a.index"), MW_FILE_KIND_OTHER);
}

Test(leak_cause, lucene_segment_files_by_name)
{
	const char *segments[] = { "_0.cfs",	"_4f.cfe",	     "_a.si",
				   "_z9_1.liv", "_0_Lucene90_0.doc", "_3_Lucene99_0.tim",
				   "_12.dvd",	"_7_Lucene90_0.dvm", "_1.fdt",
				   "_b.kdd" };

	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++)
		cr_assert_eq(leak_cause__classify(segments[i]), MW_FILE_KIND_LUCENE_SEGMENT, "%s",
			     segments[i]);
	cr_assert_eq(leak_cause__classify("/data/index/_0.cfs"), MW_FILE_KIND_LUCENE_SEGMENT);
	/* no segment name, upper case, an extension Lucene does not write, no extension */
	cr_assert_eq(leak_cause__classify("_.cfs"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("_A.cfs"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("_0.txt"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("_0"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("_0_.doc"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("report.doc"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("segments_5"), MW_FILE_KIND_OTHER);
}

Test(leak_cause, rotated_journals_where_journald_keeps_them)
{
	cr_assert_eq(
		leak_cause__classify("/var/log/journal/0123abcd/"
				     "system@9f1c2e-0000000000001a2b-0005f3c2d1e0a1b2.journal"),
		MW_FILE_KIND_JOURNALD_ROTATED);
	cr_assert_eq(leak_cause__classify("/run/log/journal/0123abcd/"
					  "user-1000@0005f3c2d1e0a1b2-5d3a1c2b4e6f7a8b.journal~"),
		     MW_FILE_KIND_JOURNALD_ROTATED);
	cr_assert_eq(leak_cause__classify("system@9f1c2e-1a2b-3c4d.journal"),
		     MW_FILE_KIND_JOURNALD_ROTATED);
	/* the live journal, a journal elsewhere, a name that only ends alike */
	cr_assert_eq(leak_cause__classify("/var/log/journal/0123abcd/system.journal"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("/home/a/system@1-2-3.journal"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("/var/log/journal/x/system@1-2-3.journald"),
		     MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify("@.journal"), MW_FILE_KIND_OTHER);
	cr_assert_eq(leak_cause__classify(NULL), MW_FILE_KIND_OTHER);
}

Test(leak_cause, the_jvm_library)
{
	cr_assert(leak_cause__is_jvm_library(
		"/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"));
	cr_assert(leak_cause__is_jvm_library("libjvm.so"));
	cr_assert_not(leak_cause__is_jvm_library("/usr/lib/libjvm.so.1"));
	cr_assert_not(leak_cause__is_jvm_library("/usr/lib/notlibjvm.so"));
	cr_assert_not(leak_cause__is_jvm_library(NULL));
}

static enum mw_leak_cause decide(uint64_t kafka, uint64_t lucene, uint64_t journals, uint64_t other,
				 uint64_t remaps, bool jvm)
{
	struct mw_leak_evidence evidence = {
		.orphaned_files = kafka + lucene + journals + other,
		.files_of_kind = { [MW_FILE_KIND_OTHER] = other,
				   [MW_FILE_KIND_KAFKA_INDEX] = kafka,
				   [MW_FILE_KIND_LUCENE_SEGMENT] = lucene,
				   [MW_FILE_KIND_JOURNALD_ROTATED] = journals },
		.resize_remaps = remaps,
		.jvm = jvm,
	};

	return leak_cause__decide(&evidence);
}

Test(leak_cause, kafka_indexes_with_resize_remaps_are_the_resize_leak)
{
	cr_assert_eq(decide(3, 0, 0, 0, 7, true), MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE);
	cr_assert_eq(decide(1, 0, 0, 4, 1, true), MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE);
	/* without a remap, deleted segments wait for a GC like any buffer */
	cr_assert_eq(decide(3, 0, 0, 0, 0, true), MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS);
	/* remaps of something else do not make deleted files Kafka's */
	cr_assert_eq(decide(0, 0, 0, 2, 9, true), MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS);
}

Test(leak_cause, lucene_before_any_jvm_buffer)
{
	cr_assert_eq(decide(0, 12, 0, 1, 0, true), MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS);
	cr_assert_eq(decide(0, 12, 0, 0, 3, false), MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS);
}

Test(leak_cause, journals_and_nothing_known)
{
	cr_assert_eq(decide(0, 0, 2, 0, 0, false), MW_LEAK_CAUSE_JOURNALD_ROTATED);
	cr_assert_eq(decide(0, 0, 0, 5, 0, false), MW_LEAK_CAUSE_NONE);
	/* remaps with no deleted file: nothing is pinned, no cause */
	cr_assert_eq(decide(0, 0, 0, 0, 40, true), MW_LEAK_CAUSE_NONE);
	cr_assert_eq(decide(0, 0, 0, 0, 0, false), MW_LEAK_CAUSE_NONE);
}

Test(leak_cause, names_and_evidence)
{
	cr_assert_str_eq(leak_cause__name(MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE), "kafka_index_resize");
	cr_assert_str_eq(leak_cause__name(MW_LEAK_CAUSE_NONE), "none");
	cr_assert_str_eq(leak_cause__name(MW_LEAK_CAUSE_COUNT), "none");
	cr_assert(leak_cause__file_supports(MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS, MW_FILE_KIND_OTHER));
	cr_assert_not(leak_cause__file_supports(MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE,
						MW_FILE_KIND_LUCENE_SEGMENT));
	cr_assert_not(leak_cause__file_supports(MW_LEAK_CAUSE_NONE, MW_FILE_KIND_OTHER));
	for (int i = 0; i < MW_LEAK_CAUSE_COUNT; i++)
		cr_assert_not_null(strstr(leak_cause__summary(i), " "));
}
