// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include "atomic_file.h"
#include "json_snapshot.h"
#include "json_values.h"

/*
 * 16 significant digits: microseconds on an epoch timestamp, and 0.1 stays
 * "0.1" instead of the 17-digit "0.10000000000000001".
 */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16))

static json_t *build_orphan(const struct mw_orphan *orphan)
{
	json_t *object = json_object();
	bool ok;

	if (!object)
		return NULL;
	ok = json_values__set(object, "start", json_values__address(orphan->start)) &&
	     json_values__set(object, "end", json_values__address(orphan->end)) &&
	     json_values__set(object, "offset", json_values__unsigned(orphan->offset)) &&
	     json_values__set(object, "dev", json_values__device(orphan->dev)) &&
	     json_values__set(object, "ino", json_values__unsigned(orphan->ino)) &&
	     json_values__set(object, "path",
			      json_values__text(orphan->path ? orphan->path : "", SIZE_MAX)) &&
	     json_values__set(object, "deleted_seconds_ago",
			      orphan->deleted_age_known ? json_real(orphan->deleted_seconds_ago)
							: json_null());
	if (!ok) {
		json_decref(object);
		return NULL;
	}
	return object;
}

/* A string, or null when unknown (NULL or empty). */
static json_t *optional_text(const char *text)
{
	return text && text[0] ? json_values__text(text, SIZE_MAX) : json_null();
}

static json_t *build_process(const struct mw_process_report *process)
{
	json_t *object = json_object(), *orphans = json_array();
	bool ok;

	if (!object || !orphans) {
		json_decref(object);
		json_decref(orphans);
		return NULL;
	}
	for (size_t i = 0; i < process->orphan_count; i++) {
		if (json_array_append_new(orphans, build_orphan(&process->orphans[i]))) {
			json_decref(object);
			json_decref(orphans);
			return NULL;
		}
	}
	ok = json_values__set(object, "pid", json_integer(process->pid)) &&
	     json_values__set(object, "comm",
			      json_values__text(process->comm, sizeof(process->comm))) &&
	     json_values__set(object, "map_count", json_values__unsigned(process->map_count)) &&
	     json_values__set(object, "orphaned_mappings",
			      json_values__unsigned(process->orphaned_mappings)) &&
	     json_values__set(object, "orphaned_bytes",
			      json_values__unsigned(process->orphaned_bytes)) &&
	     json_values__set(object, "resize_remaps",
			      json_values__unsigned(process->resize_remaps)) &&
	     json_values__set(object, "stale_mappings",
			      json_values__unsigned(process->stale_mappings)) &&
	     json_object_set(object, "orphans", orphans) == 0 &&
	     json_values__set(object, "orphaned_files",
			      json_values__unsigned(process->orphaned_files)) &&
	     json_values__set(object, "orphaned_files_size_bytes",
			      json_values__unsigned(process->orphaned_files_size_bytes)) &&
	     json_values__set(object, "orphaned_files_disk_bytes",
			      json_values__unsigned(process->orphaned_files_disk_bytes)) &&
	     json_values__set(object, "cgroup", optional_text(process->cgroup)) &&
	     json_values__set(object, "container_id", optional_text(process->container.id)) &&
	     json_values__set(object, "pod_uid", optional_text(process->container.pod_uid));
	json_decref(orphans);
	if (!ok) {
		json_decref(object);
		return NULL;
	}
	return object;
}

bool json_snapshot__lists_process(const struct mw_process_report *process)
{
	return process->orphaned_mappings > 0 || process->orphan_count > 0 ||
	       process->resize_remaps > 0 || process->stale_mappings > 0;
}

json_t *json_snapshot__build(const struct mw_snapshot *snapshot)
{
	json_t *root = json_object(), *processes = json_array();
	bool ok;

	if (!root || !processes)
		goto fail;
	for (size_t i = 0; i < snapshot->process_count; i++) {
		const struct mw_process_report *process = &snapshot->processes[i];

		if (!json_snapshot__lists_process(process))
			continue;
		if (json_array_append_new(processes, build_process(process)))
			goto fail;
	}
	ok = json_values__set(root, "version", json_integer(MW_JSON_SNAPSHOT_VERSION)) &&
	     json_values__set(root, "timestamp", json_real(snapshot->timestamp)) &&
	     json_values__set(root, "source",
			      json_string(snapshot->source ? snapshot->source : "agent")) &&
	     json_values__set(root, "max_map_count",
			      json_values__unsigned(snapshot->max_map_count)) &&
	     json_object_set(root, "processes", processes) == 0 &&
	     json_values__set(root, "orphaned_files",
			      json_values__unsigned(snapshot->file_count)) &&
	     json_values__set(root, "orphaned_files_size_bytes",
			      json_values__unsigned(snapshot->orphaned_files_size_bytes)) &&
	     json_values__set(root, "orphaned_files_disk_bytes",
			      json_values__unsigned(snapshot->orphaned_files_disk_bytes));
	json_decref(processes);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
fail:
	json_decref(processes);
	json_decref(root);
	return NULL;
}

int json_snapshot__write_stream(const struct mw_snapshot *snapshot, FILE *file)
{
	json_t *root = json_snapshot__build(snapshot);
	int err = 0;

	if (!root)
		return -ENOMEM;
	/* jansson reports a failed write without its errno */
	if (json_dumpf(root, file, JSON_FLAGS) || fputc('\n', file) == EOF)
		err = ferror(file) && errno ? -errno : -EIO;
	json_decref(root);
	return err;
}

static int write_snapshot(FILE *file, void *ctx)
{
	return json_snapshot__write_stream(ctx, file);
}

int json_snapshot__write_path(const struct mw_snapshot *snapshot, const char *path)
{
	/* built inside the writer: the temp file holds it only once it is complete */
	return atomic_file__write(path, write_snapshot, (void *)snapshot);
}
