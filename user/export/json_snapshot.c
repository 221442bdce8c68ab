// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include "atomic_file.h"
#include "json_snapshot.h"
#include "utf8_text.h"

/*
 * 16 significant digits: microseconds on an epoch timestamp, and 0.1 stays
 * "0.1" instead of the 17-digit "0.10000000000000001".
 */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16))

/* Adds @value under @key; false (and @value released) when either failed to allocate. */
static bool set(json_t *object, const char *key, json_t *value)
{
	return value && json_object_set_new(object, key, value) == 0;
}

/* A jansson integer holds int64_t: clamp rather than wrap the (theoretical) rest. */
static json_t *unsigned_integer(uint64_t value)
{
	return json_integer(value > INT64_MAX ? INT64_MAX : (json_int_t)value);
}

static json_t *text(const char *bytes, size_t max_length)
{
	char *clean = utf8_text__sanitize(bytes, max_length);
	json_t *value;

	if (!clean)
		return NULL;
	value = json_string(clean);
	free(clean);
	return value;
}

/* Spelled as /proc/PID/maps spells them: %08lx addresses, %02x:%02x devices. */
static json_t *address(uint64_t value)
{
	char buffer[24];

	snprintf(buffer, sizeof(buffer), "%08" PRIx64, value);
	return json_string(buffer);
}

static json_t *device(uint32_t dev)
{
	char buffer[24];

	snprintf(buffer, sizeof(buffer), "%02x:%02x", dev >> 20, dev & 0xfffff);
	return json_string(buffer);
}

static json_t *build_orphan(const struct mw_orphan *orphan)
{
	json_t *object = json_object();
	bool ok;

	if (!object)
		return NULL;
	ok = set(object, "start", address(orphan->start)) &&
	     set(object, "end", address(orphan->end)) &&
	     set(object, "offset", unsigned_integer(orphan->offset)) &&
	     set(object, "dev", device(orphan->dev)) &&
	     set(object, "ino", unsigned_integer(orphan->ino)) &&
	     set(object, "path", text(orphan->path ? orphan->path : "", SIZE_MAX)) &&
	     set(object, "deleted_seconds_ago",
		 orphan->deleted_age_known ? json_real(orphan->deleted_seconds_ago) : json_null());
	if (!ok) {
		json_decref(object);
		return NULL;
	}
	return object;
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
	ok = set(object, "pid", json_integer(process->pid)) &&
	     set(object, "comm", text(process->comm, sizeof(process->comm))) &&
	     set(object, "map_count", unsigned_integer(process->map_count)) &&
	     set(object, "orphaned_mappings", unsigned_integer(process->orphaned_mappings)) &&
	     set(object, "orphaned_bytes", unsigned_integer(process->orphaned_bytes)) &&
	     set(object, "resize_remaps", unsigned_integer(process->resize_remaps)) &&
	     set(object, "stale_mappings", unsigned_integer(process->stale_mappings)) &&
	     json_object_set(object, "orphans", orphans) == 0;
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
	ok = set(root, "version", json_integer(MW_JSON_SNAPSHOT_VERSION)) &&
	     set(root, "timestamp", json_real(snapshot->timestamp)) &&
	     set(root, "source", json_string(snapshot->source ? snapshot->source : "agent")) &&
	     set(root, "max_map_count", unsigned_integer(snapshot->max_map_count)) &&
	     json_object_set(root, "processes", processes) == 0;
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
