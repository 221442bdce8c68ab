// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
#include <string.h>
#include "leak_cause.h"

#define KAFKA_OFFSET_DIGITS 20

/* The files a Lucene segment is made of, by extension, past and present codecs. */
static const char *const lucene_extensions[] = {
	"cfs", "cfe", "si",  "liv", "fnm",  "fdt",  "fdx", "fdm", "tvd", "tvx", "tvm", "doc", "pos",
	"pay", "tim", "tip", "tmd", "dvd",  "dvm",  "nvd", "nvm", "dii", "dim", "kdd", "kdi", "kdm",
	"vec", "vex", "vem", "veq", "vemq", "vemf", "psm", "frq", "prx", "tis", "tii",
};

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool ends_with(const char *text, size_t length, const char *suffix)
{
	size_t suffix_length = strlen(suffix);

	return length >= suffix_length &&
	       !memcmp(text + length - suffix_length, suffix, suffix_length);
}

/* 20 decimal digits (the segment's base offset), then the index's extension. */
static bool is_kafka_index(const char *name)
{
	static const char *const extensions[] = { ".index", ".timeindex", ".txnindex" };
	size_t length = strlen(name);

	if (ends_with(name, length, ".deleted"))
		length -= strlen(".deleted");
	if (length <= KAFKA_OFFSET_DIGITS || strspn(name, "0123456789") != KAFKA_OFFSET_DIGITS)
		return false;
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (length - KAFKA_OFFSET_DIGITS == strlen(extensions[i]) &&
		    !memcmp(name + KAFKA_OFFSET_DIGITS, extensions[i], strlen(extensions[i])))
			return true;
	return false;
}

/* "_" and a base-36 segment name, an optional "_codec_n" part, a segment file extension. */
static bool is_lucene_segment(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t segment;

	if (name[0] != '_' || !dot)
		return false;
	segment = strspn(name + 1, "0123456789abcdefghijklmnopqrstuvwxyz");
	if (!segment)
		return false;
	if (name + 1 + segment != dot) {
		const char *rest = name + 1 + segment;

		if (*rest != '_' || rest + 1 == dot ||
		    strspn(rest,
			   "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
			    (size_t)(dot - rest))
			return false;
	}
	for (size_t i = 0; i < sizeof(lucene_extensions) / sizeof(lucene_extensions[0]); i++)
		if (!strcmp(dot + 1, lucene_extensions[i]))
			return true;
	return false;
}

/*
 * journald names what it rotated away "system@<seqnum id>-<head seqnum>-<head
 * time>.journal" and a file it found corrupt "...@....journal~"; the live file
 * has no "@". A full path must lie where journald keeps them.
 */
static bool is_rotated_journal(const char *path, const char *name)
{
	size_t length = strlen(name);

	if (!strchr(name, '@') || name[0] == '@' ||
	    !(ends_with(name, length, ".journal") || ends_with(name, length, ".journal~")))
		return false;
	return name == path || !strncmp(path, "/var/log/journal/", strlen("/var/log/journal/")) ||
	       !strncmp(path, "/run/log/journal/", strlen("/run/log/journal/"));
}

enum mw_file_kind leak_cause__classify(const char *path)
{
	const char *name;

	if (!path)
		return MW_FILE_KIND_OTHER;
	name = basename_of(path);
	if (is_kafka_index(name))
		return MW_FILE_KIND_KAFKA_INDEX;
	if (is_lucene_segment(name))
		return MW_FILE_KIND_LUCENE_SEGMENT;
	if (is_rotated_journal(path, name))
		return MW_FILE_KIND_JOURNALD_ROTATED;
	return MW_FILE_KIND_OTHER;
}

bool leak_cause__is_jvm_library(const char *path)
{
	return path && !strcmp(basename_of(path), "libjvm.so");
}

enum mw_leak_cause leak_cause__decide(const struct mw_leak_evidence *evidence)
{
	if (!evidence->orphaned_files)
		return MW_LEAK_CAUSE_NONE;
	/* deleted segment indexes alone are any JVM's buffers; the remaps make it the resize leak */
	if (evidence->files_of_kind[MW_FILE_KIND_KAFKA_INDEX] && evidence->resize_remaps)
		return MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE;
	if (evidence->files_of_kind[MW_FILE_KIND_LUCENE_SEGMENT])
		return MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS;
	if (evidence->jvm)
		return MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS;
	if (evidence->files_of_kind[MW_FILE_KIND_JOURNALD_ROTATED])
		return MW_LEAK_CAUSE_JOURNALD_ROTATED;
	return MW_LEAK_CAUSE_NONE;
}

bool leak_cause__file_supports(enum mw_leak_cause cause, enum mw_file_kind kind)
{
	switch (cause) {
	case MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE:
		return kind == MW_FILE_KIND_KAFKA_INDEX;
	case MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS:
		return kind == MW_FILE_KIND_LUCENE_SEGMENT;
	case MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS:
		return true;
	case MW_LEAK_CAUSE_JOURNALD_ROTATED:
		return kind == MW_FILE_KIND_JOURNALD_ROTATED;
	default:
		return false;
	}
}

const char *leak_cause__name(enum mw_leak_cause cause)
{
	static const char *const names[MW_LEAK_CAUSE_COUNT] = {
		[MW_LEAK_CAUSE_NONE] = "none",
		[MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE] = "kafka_index_resize",
		[MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS] = "lucene_merged_segments",
		[MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS] = "jvm_mapped_buffers",
		[MW_LEAK_CAUSE_JOURNALD_ROTATED] = "journald_rotated",
	};

	return cause < MW_LEAK_CAUSE_COUNT ? names[cause] : "none";
}

const char *leak_cause__summary(enum mw_leak_cause cause)
{
	switch (cause) {
	case MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE:
		return "Kafka index resize leak: segment indexes remapped without unmapping "
		       "(fixed by KAFKA-19390)";
	case MW_LEAK_CAUSE_LUCENE_MERGED_SEGMENTS:
		return "Lucene segments merged away while still mapped (a reader still open)";
	case MW_LEAK_CAUSE_JVM_MAPPED_BUFFERS:
		return "MappedByteBuffers of deleted files awaiting a garbage collection";
	case MW_LEAK_CAUSE_JOURNALD_ROTATED:
		return "rotated systemd-journald files still mapped";
	default:
		return "no known signature";
	}
}
