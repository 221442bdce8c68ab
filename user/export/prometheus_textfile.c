// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "atomic_file.h"
#include "event.h"
#include "prometheus_textfile.h"
#include "utf8_text.h"

struct writer {
	FILE *file;
	const struct mw_snapshot *snapshot;
	size_t process_limit;
	size_t top; /* --top: 0 for no cap */
	char **comms; /* label-ready comm per process within the limit */
	char **cgroups; /* label-ready cgroup, NULL where unknown */
};

/*
 * One metric family: what its # HELP and # TYPE say, and how its samples
 * come out of the snapshot.
 */
struct family {
	const char *name;
	const char *type;
	const char *help;
	void (*samples)(const struct writer *writer, const struct family *family);
	size_t offset; /* of the uint64_t field the samples read, for those that read one */
	bool agent_counter; /* written only when snapshot->has_agent_counters */
};

/* Go's float syntax: the shortest digits that read back to the same double. */
static void format_value(double value, char *buffer, size_t size)
{
	if (isnan(value)) {
		snprintf(buffer, size, "NaN");
	} else if (isinf(value)) {
		snprintf(buffer, size, value > 0 ? "+Inf" : "-Inf");
	} else {
		snprintf(buffer, size, "%.15g", value);
		if (strtod(buffer, NULL) != value)
			snprintf(buffer, size, "%.17g", value);
	}
}

static void sample_double(const struct writer *writer, const char *name, const char *suffix,
			  double value)
{
	char buffer[32];

	format_value(value, buffer, sizeof(buffer));
	fprintf(writer->file, "%s%s %s\n", name, suffix, buffer);
}

static void sample_count(const struct writer *writer, const char *name, uint64_t value)
{
	fprintf(writer->file, "%s %" PRIu64 "\n", name, value);
}

/* The uint64_t at @offset of @record. */
static uint64_t field_at(const void *record, size_t offset)
{
	uint64_t value;

	memcpy(&value, (const char *)record + offset, sizeof(value));
	return value;
}

void prometheus_textfile__write_label_value(FILE *file, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", file);
		else if (*p == '"')
			fputs("\\\"", file);
		else if (*p == '\n')
			fputs("\\n", file);
		else
			fputc(*p, file);
	}
}

/* A host total: the uint64_t at the family's offset of the snapshot. */
static void host_total(const struct writer *writer, const struct family *family)
{
	sample_count(writer, family->name, field_at(writer->snapshot, family->offset));
}

static void host_file_count(const struct writer *writer, const struct family *family)
{
	sample_count(writer, family->name, writer->snapshot->file_count);
}

static void host_timestamp(const struct writer *writer, const struct family *family)
{
	sample_double(writer, family->name, "", writer->snapshot->timestamp);
}

static void process_sample(const struct writer *writer, size_t index, const char *name,
			   double value)
{
	const struct mw_process_report *process = &writer->snapshot->processes[index];
	char buffer[32];

	format_value(value, buffer, sizeof(buffer));
	fprintf(writer->file, "%s{pid=\"%" PRIu32 "\",comm=\"%s\"", name, process->pid,
		writer->comms[index]);
	/* only where known: a process outside containers keeps the contract's two labels */
	if (process->container.id[0])
		fprintf(writer->file, ",container=\"%s\"", process->container.id);
	fprintf(writer->file, "} %s\n", buffer);
}

/* A series for every process: the uint64_t at the family's offset of its report. */
static void process_field(const struct writer *writer, const struct family *family)
{
	for (size_t i = 0; i < writer->process_limit; i++)
		process_sample(writer, i, family->name,
			       (double)field_at(&writer->snapshot->processes[i], family->offset));
}

static void process_oldest_orphan_age(const struct writer *writer, const struct family *family)
{
	for (size_t i = 0; i < writer->process_limit; i++) {
		const struct mw_process_report *process = &writer->snapshot->processes[i];

		if (process->orphaned_mappings > 0 && process->oldest_orphan_age_known)
			process_sample(writer, i, family->name, process->oldest_orphan_age_seconds);
	}
}

static void process_map_count_ratio(const struct writer *writer, const struct family *family)
{
	const struct mw_snapshot *snapshot = writer->snapshot;

	for (size_t i = 0; i < writer->process_limit && snapshot->max_map_count > 0; i++) {
		double ratio =
			(double)snapshot->processes[i].map_count / (double)snapshot->max_map_count;

		process_sample(writer, i, family->name, ratio > 1 ? 1 : ratio);
	}
}

static void process_seconds_to_map_limit(const struct writer *writer, const struct family *family)
{
	for (size_t i = 0; i < writer->process_limit; i++) {
		const struct mw_process_report *process = &writer->snapshot->processes[i];

		if (process->map_count_growing)
			process_sample(writer, i, family->name, process->seconds_to_map_limit);
	}
}

/* One series per process naming its cgroup, to join on: the path is no label of the others. */
static void process_cgroup_info(const struct writer *writer, const struct family *family)
{
	for (size_t i = 0; i < writer->process_limit; i++) {
		const struct mw_process_report *process = &writer->snapshot->processes[i];

		if (!writer->cgroups[i])
			continue;
		fprintf(writer->file, "%s{pid=\"%" PRIu32 "\",comm=\"%s\"", family->name,
			process->pid, writer->comms[i]);
		if (process->container.id[0])
			fprintf(writer->file, ",container=\"%s\"", process->container.id);
		fprintf(writer->file, ",cgroup=\"%s\"", writer->cgroups[i]);
		if (process->container.pod_uid[0])
			fprintf(writer->file, ",pod_uid=\"%s\"", process->container.pod_uid);
		fputs("} 1\n", writer->file);
	}
}

/*
 * Per container, under the same --top cap as the processes (most page cache
 * first): the uint64_t at the family's offset of its report.
 */
static void container_field(const struct writer *writer, const struct family *family)
{
	const struct mw_snapshot *snapshot = writer->snapshot;
	size_t limit = snapshot->container_count;

	if (writer->top > 0 && writer->top < limit)
		limit = writer->top;
	for (size_t i = 0; i < limit; i++) {
		fprintf(writer->file, "%s{container=\"", family->name);
		prometheus_textfile__write_label_value(writer->file,
						       snapshot->containers[i].container.id);
		fprintf(writer->file, "\"} %" PRIu64 "\n",
			field_at(&snapshot->containers[i], family->offset));
	}
}

/* By leak cause, a fixed set of label values: every cause has its series, 0 or not. */
static void processes_by_cause(const struct writer *writer, const struct family *family)
{
	uint64_t counts[MW_LEAK_CAUSE_COUNT] = { 0 };

	for (size_t i = 0; i < writer->snapshot->process_count; i++) {
		const struct mw_process_report *process = &writer->snapshot->processes[i];

		if (process->orphaned_mappings > 0 && process->cause < MW_LEAK_CAUSE_COUNT)
			counts[process->cause]++;
	}
	for (unsigned int cause = 0; cause < MW_LEAK_CAUSE_COUNT; cause++)
		fprintf(writer->file, "%s{cause=\"%s\"} %" PRIu64 "\n", family->name,
			leak_cause__name((enum mw_leak_cause)cause), counts[cause]);
}

static void unlink_to_unmap(const struct writer *writer, const struct family *family)
{
	const struct mw_duration_histogram *histogram = &writer->snapshot->unlink_to_unmap;
	uint64_t cumulative = 0;
	char bound[32];

	for (size_t i = 0; i < MW_DURATION_BUCKETS; i++) {
		cumulative += histogram->buckets[i];
		format_value(mw_duration_bucket_bounds[i], bound, sizeof(bound));
		fprintf(writer->file, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", family->name, bound,
			cumulative);
	}
	fprintf(writer->file, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", family->name,
		histogram->count);
	sample_double(writer, family->name, "_sum", histogram->sum);
	fprintf(writer->file, "%s_count %" PRIu64 "\n", family->name, histogram->count);
}

static void events_by_type(const struct writer *writer, const struct family *family)
{
	for (unsigned int type = 1; type < MW_EVENT_TYPE_COUNT; type++)
		fprintf(writer->file, "%s{type=\"%s\"} %" PRIu64 "\n", family->name,
			event__type_name(type), writer->snapshot->events_by_type[type]);
}

#define HOST(field) .samples = host_total, .offset = offsetof(struct mw_snapshot, field)
#define PROCESS(field) .samples = process_field, .offset = offsetof(struct mw_process_report, field)
#define CONTAINER(field) \
	.samples = container_field, .offset = offsetof(struct mw_container_report, field)
#define AGENT_COUNTER(field) HOST(field), .agent_counter = true

/*
 * Every family, in the order written. Each name is spelled here once: the
 * man page and dashboard checks (tests/integration/deploy) read the names and
 * types from this table.
 */
static const struct family families[] = {
	{ "mapwatch_orphaned_mappings", "gauge",
	  "Mappings of files with no links left, on the host.", HOST(orphaned_mappings) },
	{ "mapwatch_orphaned_bytes", "gauge",
	  "Bytes of address space covered by orphaned mappings, on the host.",
	  HOST(orphaned_bytes) },
	{ "mapwatch_orphaned_files", "gauge",
	  "Deleted files still mapped on the host, each counted once.",
	  .samples = host_file_count },
	{ "mapwatch_orphaned_files_size_bytes", "gauge",
	  "Sizes of the deleted files still mapped on the host, each file once.",
	  HOST(orphaned_files_size_bytes) },
	{ "mapwatch_orphaned_files_disk_bytes", "gauge",
	  "Disk space (allocated blocks) the deleted files still mapped on the host hold, "
	  "each file once.",
	  HOST(orphaned_files_disk_bytes) },
	{ "mapwatch_orphaned_files_cached_bytes", "gauge",
	  "Page cache the deleted files still mapped on the host hold, each file once: "
	  "memory no reclaim frees while they stay mapped.",
	  HOST(orphaned_files_cached_bytes) },
	{ "mapwatch_processes_with_orphans", "gauge",
	  "Processes with orphaned mappings on the host, by what most likely leaked them.",
	  .samples = processes_by_cause },
	{ "mapwatch_container_orphaned_files", "gauge",
	  "Deleted files the processes of a container still map, each counted once.",
	  CONTAINER(orphaned_files) },
	{ "mapwatch_container_orphaned_files_cached_bytes", "gauge",
	  "Page cache the deleted files a container's processes still map hold, "
	  "each file once: memory charged to the container that no reclaim frees.",
	  CONTAINER(orphaned_files_cached_bytes) },
	{ "mapwatch_process_orphaned_mappings", "gauge",
	  "Mappings of files with no links left, per process.", PROCESS(orphaned_mappings) },
	{ "mapwatch_process_orphaned_bytes", "gauge",
	  "Bytes of address space covered by orphaned mappings, per process.",
	  PROCESS(orphaned_bytes) },
	{ "mapwatch_process_oldest_orphan_age_seconds", "gauge",
	  "Seconds since the file of the process's oldest orphaned mapping was deleted.",
	  .samples = process_oldest_orphan_age },
	{ "mapwatch_process_map_count", "gauge",
	  "Mappings (VMAs) of the process, the figure vm.max_map_count limits.",
	  PROCESS(map_count) },
	{ "mapwatch_process_map_count_ratio", "gauge",
	  "Map count of the process divided by vm.max_map_count, 0 to 1.",
	  .samples = process_map_count_ratio },
	{ "mapwatch_process_seconds_to_map_limit", "gauge",
	  "Seconds until the map count reaches vm.max_map_count at the recent growth rate; "
	  "absent when not growing.",
	  .samples = process_seconds_to_map_limit },
	{ "mapwatch_process_resize_remaps_total", "counter",
	  "Mappings of an inode already mapped before its size changed, per process.",
	  PROCESS(resize_remaps) },
	{ "mapwatch_process_stale_mappings", "gauge",
	  "Mappings reaching more than one page past the end of their file, per process.",
	  PROCESS(stale_mappings) },
	{ "mapwatch_process_orphaned_files", "gauge",
	  "Deleted files the process still maps, each counted once.", PROCESS(orphaned_files) },
	{ "mapwatch_process_orphaned_files_size_bytes", "gauge",
	  "Sizes of the deleted files the process still maps, each file once.",
	  PROCESS(orphaned_files_size_bytes) },
	{ "mapwatch_process_orphaned_files_disk_bytes", "gauge",
	  "Disk space (allocated blocks) of the deleted files the process still maps, "
	  "each file once.",
	  PROCESS(orphaned_files_disk_bytes) },
	{ "mapwatch_process_orphaned_files_cached_bytes", "gauge",
	  "Page cache the deleted files the process still maps hold, each file once.",
	  PROCESS(orphaned_files_cached_bytes) },
	{ "mapwatch_process_cgroup_info", "gauge",
	  "Always 1: the cgroup v2 path of the process, its container and pod where known.",
	  .samples = process_cgroup_info },
	{ "mapwatch_max_map_count", "gauge", "The vm.max_map_count sysctl.", HOST(max_map_count) },
	{ "mapwatch_unlink_to_unmap_seconds", "histogram",
	  "Seconds orphaned mappings lived after their file was deleted.",
	  .samples = unlink_to_unmap, .agent_counter = true },
	{ "mapwatch_events_total", "counter", "Kernel events received, by type.",
	  .samples = events_by_type, .agent_counter = true },
	{ "mapwatch_events_lost_total", "counter", "Events the kernel side could not deliver.",
	  AGENT_COUNTER(events_lost) },
	{ "mapwatch_reconcile_corrections_total", "counter", "State corrected by re-reading /proc.",
	  AGENT_COUNTER(reconcile_corrections) },
	{ "mapwatch_kernel_table_full_total", "counter",
	  "Entries the kernel's tables had no room for (files past --max-inodes, "
	  "hard-linked files, processes to re-read); each is repaired from /proc.",
	  AGENT_COUNTER(kernel_table_full) },
	{ "mapwatch_tracked_mappings", "gauge", "File mappings in mapwatch's state.",
	  HOST(tracked_mappings) },
	{ "mapwatch_last_update_timestamp_seconds", "gauge",
	  "When this file was written, in seconds since the epoch.", .samples = host_timestamp },
};

static int write_all(const struct writer *writer)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *family = &families[i];

		if (family->agent_counter && !writer->snapshot->has_agent_counters)
			continue;
		fprintf(writer->file, "# HELP %s %s\n# TYPE %s %s\n", family->name, family->help,
			family->name, family->type);
		family->samples(writer, family);
	}
	if (fflush(writer->file) || ferror(writer->file))
		return errno ? -errno : -EIO;
	return 0;
}

/* Bytes anyone chose, made valid UTF-8 and escaped as a label value: malloc'ed, NULL when out of memory. */
static char *label_value(const char *bytes, size_t max_length)
{
	char *clean = utf8_text__sanitize(bytes, max_length), *value = NULL;
	size_t size = 0;
	FILE *escaped;

	if (!clean)
		return NULL;
	escaped = open_memstream(&value, &size);
	if (!escaped) {
		free(clean);
		return NULL;
	}
	prometheus_textfile__write_label_value(escaped, clean);
	free(clean);
	if (fclose(escaped)) {
		free(value);
		return NULL;
	}
	return value;
}

/* comm and cgroup are bytes: escaped once per process, not once per family. */
static int prepare_comms(struct writer *writer)
{
	size_t slots = writer->process_limit ? writer->process_limit : 1;

	writer->comms = calloc(slots, sizeof(char *));
	writer->cgroups = calloc(slots, sizeof(char *));
	if (!writer->comms || !writer->cgroups)
		return -ENOMEM;
	for (size_t i = 0; i < writer->process_limit; i++) {
		const struct mw_process_report *process = &writer->snapshot->processes[i];

		writer->comms[i] = label_value(process->comm, sizeof(process->comm));
		if (!writer->comms[i])
			return -ENOMEM;
		if (process->cgroup &&
		    !(writer->cgroups[i] = label_value(process->cgroup, SIZE_MAX)))
			return -ENOMEM;
	}
	return 0;
}

static void release_comms(struct writer *writer)
{
	for (size_t i = 0; i < writer->process_limit; i++) {
		if (writer->comms)
			free(writer->comms[i]);
		if (writer->cgroups)
			free(writer->cgroups[i]);
	}
	free(writer->comms);
	free(writer->cgroups);
}

int prometheus_textfile__write_stream(const struct mw_snapshot *snapshot, size_t top, FILE *file)
{
	struct writer writer = { .file = file, .snapshot = snapshot, .top = top };
	int err;

	writer.process_limit = snapshot->process_count;
	if (top > 0 && top < writer.process_limit)
		writer.process_limit = top;
	errno = 0;
	err = prepare_comms(&writer);
	if (!err)
		err = write_all(&writer);
	release_comms(&writer);
	return err;
}

struct path_job {
	const struct mw_snapshot *snapshot;
	size_t top;
};

static int write_job(FILE *file, void *ctx)
{
	const struct path_job *job = ctx;

	return prometheus_textfile__write_stream(job->snapshot, job->top, file);
}

int prometheus_textfile__write_path(const struct mw_snapshot *snapshot, size_t top,
				    const char *path)
{
	struct path_job job = { snapshot, top };

	return atomic_file__write(path, write_job, &job);
}

int prometheus_textfile__render(const struct mw_snapshot *snapshot, size_t top, char **text,
				size_t *length)
{
	FILE *stream;
	int err;

	*text = NULL;
	*length = 0;
	stream = open_memstream(text, length);
	if (!stream)
		return -errno;
	err = prometheus_textfile__write_stream(snapshot, top, stream);
	if (!err && ferror(stream))
		err = -ENOMEM;
	if (fclose(stream) && !err)
		err = -errno;
	if (err) {
		free(*text);
		*text = NULL;
		*length = 0;
	}
	return err;
}

struct text_job {
	const char *text;
	size_t length;
};

static int write_text_job(FILE *file, void *ctx)
{
	const struct text_job *job = ctx;

	if (job->length && fwrite(job->text, 1, job->length, file) != job->length)
		return errno ? -errno : -EIO;
	return 0;
}

int prometheus_textfile__write_text(const char *text, size_t length, const char *path)
{
	struct text_job job = { text, length };

	return atomic_file__write(path, write_text_job, &job);
}
