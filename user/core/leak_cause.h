/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What most likely leaked a process's orphaned mappings, from signatures that
 * hold up on their own: the names of the deleted files it maps, whether it is
 * a JVM, and its resize remaps. Pure: no /proc, no state.
 */
#ifndef MAPWATCH_CORE_LEAK_CAUSE_H
#define MAPWATCH_CORE_LEAK_CAUSE_H

#include <stdbool.h>
#include <stdint.h>

/* A small fixed set: each may label a host-level series. */
enum mw_leak_cause {
	MW_LEAK_CAUSE_NONE = 0,
	MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE,
	MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS,
	MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS,
	MW_LEAK_CAUSE_JOURNALD_ROTATED,
	MW_LEAK_CAUSE_COUNT,
};

/* What a deleted file's name says it was. */
enum mw_file_kind {
	MW_FILE_KIND_OTHER = 0,
	MW_FILE_KIND_KAFKA_INDEX, /* 00000000000000012345.index[.deleted] */
	MW_FILE_KIND_LUCENE_SEGMENT, /* _4f.cfs, _0_Lucene90_0.doc */
	MW_FILE_KIND_JOURNALD_ROTATED, /* system@...-...-....journal, user-1000@....journal~ */
	MW_FILE_KIND_COUNT,
};

/* The facts one process gives. */
struct mw_leak_evidence {
	uint64_t orphaned_files; /* its deleted files, each once */
	uint64_t files_of_kind[MW_FILE_KIND_COUNT]; /* of those, by what their names say */
	uint64_t resize_remaps;
	bool jvm; /* it maps libjvm.so */
};

/* The kind of a file from its path (a full path or only a basename). */
enum mw_file_kind leak_cause__classify(const char *path);

/* True when the path names HotSpot's libjvm.so: the process is a JVM. */
bool leak_cause__is_jvm_library(const char *path);

/*
 * The most specific cause the evidence supports; NONE for a process without
 * orphaned files, whatever its remaps.
 */
enum mw_leak_cause leak_cause__decide(const struct mw_leak_evidence *evidence);

/* Whether a file of @kind is evidence for @cause (every deleted file is, for a JVM's buffers). */
bool leak_cause__file_supports(enum mw_leak_cause cause, enum mw_file_kind kind);

/* "kafka_index_resize", ...: the JSON value and the metric label. */
const char *leak_cause__name(enum mw_leak_cause cause);

/* One line for a reader: what it is, and what frees it. */
const char *leak_cause__summary(enum mw_leak_cause cause);

#endif
