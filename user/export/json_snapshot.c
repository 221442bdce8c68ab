// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The snapshot written as it is read, field by field: no document is built in
 * memory, so a process listing a hundred thousand ranges costs the writer
 * nothing but the output. Each orphaned file is one line; its ranges are
 * compact [start, end, offset] triples.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "atomic_file.h"
#include "json_snapshot.h"
#include "json_values.h"
#include "number_text.h"

struct writer {
	FILE *file;
	int err;
};

static void put(struct writer *out, const char *format, ...)
{
	va_list args;

	if (out->err)
		return;
	va_start(args, format);
	if (vfprintf(out->file, format, args) < 0)
		out->err = errno ? -errno : -EIO;
	va_end(args);
}

/*
 * Text as it is, no format: most of a snapshot is field names and punctuation.
 * The writer owns its stream, so stdio's lock is skipped (the _unlocked calls).
 */
static void put_raw(struct writer *out, const char *text)
{
	if (!out->err && fputs_unlocked(text, out->file) == EOF)
		out->err = errno ? -errno : -EIO;
}

static void put_bytes(struct writer *out, const char *bytes, size_t length)
{
	if (!out->err && fwrite_unlocked(bytes, 1, length, out->file) != length)
		out->err = errno ? -errno : -EIO;
}

static void put_unsigned(struct writer *out, uint64_t value)
{
	char digits[20];

	put_bytes(out, digits, number_text__unsigned(value, digits));
}

/* "<name>": <value>, with the separator before it */
static void put_field(struct writer *out, const char *separator_and_name, uint64_t value)
{
	put_raw(out, separator_and_name);
	put_unsigned(out, value);
}

/* An address in quotes, as /proc/PID/maps spells it. */
static void put_address(struct writer *out, uint64_t value)
{
	char digits[18];
	size_t length = number_text__address(value, digits + 1);

	digits[0] = '"';
	digits[length + 1] = '"';
	put_bytes(out, digits, length + 2);
}

/* A JSON string: invalid UTF-8 replaced by U+FFFD, escaped as jansson escapes. */
static void put_text(struct writer *out, const char *bytes, size_t max_length)
{
	int err;

	if (out->err)
		return;
	err = json_values__write_text(out->file, bytes ? bytes : "", max_length);
	if (err)
		out->err = err;
}

/* A string, or null when unknown (NULL or empty). */
static void put_optional_text(struct writer *out, const char *text)
{
	if (text && text[0])
		put_text(out, text, SIZE_MAX);
	else
		put_raw(out, "null");
}

/*
 * As jansson spells a real: 16 significant digits (microseconds on an epoch
 * timestamp, and 0.1 stays "0.1"), and a ".0" where that looks like an integer.
 */
static void put_real(struct writer *out, double value)
{
	char buffer[40];

	snprintf(buffer, sizeof(buffer), "%.16g", value);
	put(out, "%s%s", buffer, strpbrk(buffer, ".eEna") ? "" : ".0");
}

static void put_device(struct writer *out, uint32_t dev)
{
	char buffer[16];

	json_values__format_device(dev, buffer);
	put(out, "\"%s\"", buffer);
}

static void put_orphan(struct writer *out, const struct mw_orphan *orphan)
{
	put_raw(out, "{\"dev\": ");
	put_device(out, orphan->dev);
	put_field(out, ", \"ino\": ", orphan->ino);
	put_raw(out, ", \"st_dev\": ");
	put_device(out, orphan->st_dev);
	put_raw(out, ", \"path\": ");
	put_text(out, orphan->path, SIZE_MAX);
	put_raw(out, ", \"deleted_seconds_ago\": ");
	if (orphan->deleted_age_known)
		put_real(out, orphan->deleted_seconds_ago);
	else
		put_raw(out, "null");
	put_field(out, ", \"mappings\": ", orphan->mappings);
	put_field(out, ", \"bytes\": ", orphan->bytes);
	put_raw(out, ", \"cached_bytes\": ");
	if (orphan->cached_bytes_known)
		put_unsigned(out, orphan->cached_bytes);
	else
		put_raw(out, "null");
	put_raw(out, ", \"ranges\": [");
	for (size_t i = 0; i < orphan->range_count && !out->err; i++) {
		const struct mw_orphan_range *range = &orphan->ranges[i];

		put_raw(out, i ? ", [" : "[");
		put_address(out, range->start);
		put_raw(out, ", ");
		put_address(out, range->end);
		put_field(out, ", ", range->offset);
		put_raw(out, "]");
	}
	put_raw(out, "]}");
}

/* The cause and its evidence: which files bear its signature, how many remaps. */
static void put_cause(struct writer *out, const struct mw_process_report *process)
{
	put_raw(out, ",\n      \"cause\": {\"name\": \"");
	put_raw(out, leak_cause__name(process->cause));
	put_raw(out, "\", \"summary\": ");
	put_text(out, leak_cause__summary(process->cause), SIZE_MAX);
	put_raw(out, process->jvm ? ", \"jvm\": true" : ", \"jvm\": false");
	put_field(out, ", \"resize_remaps\": ", process->resize_remaps);
	put_field(out, ", \"files\": ", process->cause_files);
	put_raw(out, ", \"examples\": [");
	for (size_t i = 0; i < process->cause_example_count; i++) {
		put_raw(out, i ? ", " : "");
		put_text(out, process->cause_examples[i], SIZE_MAX);
	}
	put(out, "]}");
}

static void put_process(struct writer *out, const struct mw_process_report *process)
{
	put_field(out, "\n    {\n      \"pid\": ", process->pid);
	put_raw(out, ",\n      \"comm\": ");
	put_text(out, process->comm, sizeof(process->comm));
	put_field(out, ",\n      \"map_count\": ", process->map_count);
	put_field(out, ",\n      \"orphaned_mappings\": ", process->orphaned_mappings);
	put_field(out, ",\n      \"orphaned_bytes\": ", process->orphaned_bytes);
	put_field(out, ",\n      \"resize_remaps\": ", process->resize_remaps);
	put_field(out, ",\n      \"stale_mappings\": ", process->stale_mappings);
	put_raw(out, ",\n      \"orphans\": [");
	for (size_t i = 0; i < process->orphan_count && !out->err; i++) {
		put_raw(out, i ? ",\n        " : "\n        ");
		put_orphan(out, &process->orphans[i]);
	}
	put_raw(out, process->orphan_count ? "\n      ]" : "]");
	put_field(out, ",\n      \"orphan_ranges_omitted\": ", process->orphan_ranges_omitted);
	put_field(out, ",\n      \"orphaned_files\": ", process->orphaned_files);
	put_field(out,
		  ",\n      \"orphaned_files_size_bytes\": ", process->orphaned_files_size_bytes);
	put_field(out,
		  ",\n      \"orphaned_files_disk_bytes\": ", process->orphaned_files_disk_bytes);
	put_field(out, ",\n      \"orphaned_files_cached_bytes\": ",
		  process->orphaned_files_cached_bytes);
	put_cause(out, process);
	put_raw(out, ",\n      \"cgroup\": ");
	put_optional_text(out, process->cgroup);
	put_raw(out, ",\n      \"container_id\": ");
	put_optional_text(out, process->container.id);
	put_raw(out, ",\n      \"pod_uid\": ");
	put_optional_text(out, process->container.pod_uid);
	put_raw(out, "\n    }");
}

/* Files no source measured: all of them in a snapshot nothing measured. */
static uint64_t unmeasured(const struct mw_snapshot *snapshot)
{
	uint64_t measured = snapshot->files_cached_by[MW_CACHE_SOURCE_KERNEL] +
			    snapshot->files_cached_by[MW_CACHE_SOURCE_CACHESTAT];

	return snapshot->file_count > measured ? snapshot->file_count - measured : 0;
}

/* One container's sums, on one line. */
static void put_container(struct writer *out, const struct mw_container_report *container)
{
	put(out, "{\"container_id\": ");
	put_optional_text(out, container->container.id);
	put(out, ", \"pod_uid\": ");
	put_optional_text(out, container->container.pod_uid);
	put(out,
	    ", \"processes\": %" PRIu64 ", \"orphaned_files\": %" PRIu64
	    ", \"orphaned_files_disk_bytes\": %" PRIu64
	    ", \"orphaned_files_cached_bytes\": %" PRIu64 "}",
	    container->processes, container->orphaned_files, container->orphaned_files_disk_bytes,
	    container->orphaned_files_cached_bytes);
}

bool json_snapshot__lists_process(const struct mw_process_report *process)
{
	return process->orphaned_mappings > 0 || process->orphan_count > 0 ||
	       process->resize_remaps > 0 || process->stale_mappings > 0;
}

int json_snapshot__write_stream(const struct mw_snapshot *snapshot, FILE *file)
{
	struct writer out = { .file = file };
	bool first = true;

	put(&out, "{\n  \"version\": %d,\n  \"timestamp\": ", MW_JSON_SNAPSHOT_VERSION);
	put_real(&out, snapshot->timestamp);
	put(&out, ",\n  \"source\": \"%s\",\n  \"max_map_count\": %" PRIu64 ",\n  \"processes\": [",
	    snapshot->source ? snapshot->source : "agent", snapshot->max_map_count);
	for (size_t i = 0; i < snapshot->process_count && !out.err; i++) {
		if (!json_snapshot__lists_process(&snapshot->processes[i]))
			continue;
		put_raw(&out, first ? "" : ",");
		put_process(&out, &snapshot->processes[i]);
		first = false;
	}
	put(&out,
	    "%s],\n  \"orphaned_files\": %zu,\n  \"orphaned_files_size_bytes\": %" PRIu64
	    ",\n  \"orphaned_files_disk_bytes\": %" PRIu64
	    ",\n  \"orphaned_files_cached_bytes\": %" PRIu64,
	    first ? "" : "\n  ", snapshot->file_count, snapshot->orphaned_files_size_bytes,
	    snapshot->orphaned_files_disk_bytes, snapshot->orphaned_files_cached_bytes);
	put(&out,
	    ",\n  \"cached_bytes_sources\": {\"kernel\": %" PRIu64 ", \"cachestat\": %" PRIu64
	    ", \"unmeasured\": %" PRIu64 "},\n  \"containers\": [",
	    snapshot->files_cached_by[MW_CACHE_SOURCE_KERNEL],
	    snapshot->files_cached_by[MW_CACHE_SOURCE_CACHESTAT], unmeasured(snapshot));
	for (size_t i = 0; i < snapshot->container_count && !out.err; i++) {
		put(&out, "%s\n    ", i ? "," : "");
		put_container(&out, &snapshot->containers[i]);
	}
	put(&out, "%s]\n}\n", snapshot->container_count ? "\n  " : "");
	if (!out.err && ferror(file))
		out.err = -EIO;
	return out.err;
}

static int write_snapshot(FILE *file, void *ctx)
{
	return json_snapshot__write_stream(ctx, file);
}

int json_snapshot__write_path(const struct mw_snapshot *snapshot, const char *path)
{
	/* written inside the writer: the temp file holds it only once it is complete */
	return atomic_file__write(path, write_snapshot, (void *)snapshot);
}
