// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The snapshot file, read back with jansson the way a user's script would read it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "json_snapshot.h"
#include "json_values.h"
#include "snapshot_fixture.h"

static struct mw_snapshot snapshot;
static json_t *document;
static char path[128];

static void setup(void)
{
	json_error_t error;

	snapshot_fixture__fill(&snapshot);
	snprintf(path, sizeof(path), "%s/snapshot.json", snapshot_fixture__temp_dir());
	cr_assert_eq(json_snapshot__write_path(&snapshot, path), 0);
	document = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	cr_assert_not_null(document, "%s:%d: %s", path, error.line, error.text);
}

static void teardown(void)
{
	json_decref(document);
	snapshot__clear(&snapshot);
	snapshot_fixture__remove_temp_dir();
}

TestSuite(json_snapshot, .init = setup, .fini = teardown);

/* The keys of @object in file order, comma-separated. */
static char *keys_of(json_t *object)
{
	static char keys[512];

	keys[0] = '\0';
	for (void *it = json_object_iter(object); it; it = json_object_iter_next(object, it)) {
		if (keys[0])
			strcat(keys, ",");
		strcat(keys, json_object_iter_key(it));
	}
	return keys;
}

Test(json_snapshot, top_level_fields_in_documented_order)
{
	/* the contract's fields first, as they were; what later issues added after them */
	cr_assert_str_eq(keys_of(document), "version,timestamp,source,max_map_count,processes,"
					    "orphaned_files,orphaned_files_size_bytes,"
					    "orphaned_files_disk_bytes,orphaned_files_cached_bytes,"
					    "cached_bytes_sources,containers");
	cr_assert_eq(json_integer_value(json_object_get(document, "version")), 3);
	cr_assert(json_is_real(json_object_get(document, "timestamp")));
	cr_assert_float_eq(json_real_value(json_object_get(document, "timestamp")), 1764050000.25,
			   1e-6);
	cr_assert_str_eq(json_string_value(json_object_get(document, "source")), "agent");
	cr_assert_eq(json_integer_value(json_object_get(document, "max_map_count")), 65530);
}

Test(json_snapshot, lists_only_processes_with_something_to_report)
{
	json_t *processes = json_object_get(document, "processes");

	cr_assert_eq(json_array_size(processes), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(processes, 0), "pid")),
		     4242);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(processes, 1), "pid")), 77);
}

Test(json_snapshot, process_fields)
{
	json_t *java = json_array_get(json_object_get(document, "processes"), 0);

	cr_assert_str_eq(
		keys_of(java),
		"pid,comm,map_count,orphaned_mappings,orphaned_bytes,"
		"resize_remaps,stale_mappings,orphans,orphan_ranges_omitted,orphaned_files,"
		"orphaned_files_size_bytes,orphaned_files_disk_bytes,"
		"orphaned_files_cached_bytes,cause,cgroup,container_id,pod_uid");
	cr_assert_str_eq(json_string_value(json_object_get(java, "comm")), "java");
	cr_assert_eq(json_integer_value(json_object_get(java, "map_count")), 812);
	cr_assert_eq(json_integer_value(json_object_get(java, "orphaned_mappings")), 2);
	cr_assert_eq(json_integer_value(json_object_get(java, "orphaned_bytes")), 20971520);
	cr_assert_eq(json_integer_value(json_object_get(java, "resize_remaps")), 7);
	cr_assert_eq(json_integer_value(json_object_get(java, "stale_mappings")), 1);
	cr_assert_eq(json_array_size(json_object_get(java, "orphans")), 2);
}

/* Disk space each deleted file holds, once per file; and where the process runs. */
Test(json_snapshot, files_and_containers)
{
	json_t *processes = json_object_get(document, "processes");
	json_t *java = json_array_get(processes, 0), *odd = json_array_get(processes, 1);

	cr_assert_eq(json_integer_value(json_object_get(document, "orphaned_files")), 2);
	cr_assert_eq(json_integer_value(json_object_get(document, "orphaned_files_size_bytes")),
		     8192 + 10485760);
	cr_assert_eq(json_integer_value(json_object_get(document, "orphaned_files_disk_bytes")),
		     4096 + 10485760);
	cr_assert_eq(json_integer_value(json_object_get(java, "orphaned_files")), 2);
	cr_assert_eq(json_integer_value(json_object_get(java, "orphaned_files_disk_bytes")),
		     4096 + 10485760);
	cr_assert_str_eq(json_string_value(json_object_get(java, "container_id")), JAVA_CONTAINER);
	cr_assert_str_eq(json_string_value(json_object_get(java, "pod_uid")),
			 "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
	cr_assert_not_null(strstr(json_string_value(json_object_get(java, "cgroup")),
				  "/cri-containerd-" JAVA_CONTAINER ".scope"));
	cr_assert_str_eq(json_string_value(json_object_get(odd, "cgroup")),
			 "/system.slice/we\"ird\\.service");
	cr_assert(json_is_null(json_object_get(odd, "container_id")));
	cr_assert(json_is_null(json_object_get(odd, "pod_uid")));
	cr_assert_eq(json_integer_value(json_object_get(odd, "orphaned_files")), 0);
}

/* One orphan per deleted file, its mappings as [start, end, offset] ranges. */
Test(json_snapshot, orphans_spelled_like_proc_maps)
{
	json_t *java = json_array_get(json_object_get(document, "processes"), 0);
	json_t *orphans = json_object_get(java, "orphans");
	json_t *first = json_array_get(orphans, 0), *second = json_array_get(orphans, 1);
	json_t *range = json_array_get(json_object_get(first, "ranges"), 0);

	cr_assert_str_eq(
		keys_of(first),
		"dev,ino,st_dev,path,deleted_seconds_ago,mappings,bytes,cached_bytes,ranges");
	cr_assert_eq(json_integer_value(json_object_get(java, "orphan_ranges_omitted")), 0);
	cr_assert_eq(json_array_size(json_object_get(first, "ranges")), 1);
	cr_assert_eq(json_array_size(range), 3);
	/* %08lx like /proc/PID/maps, no 0x */
	cr_assert_str_eq(json_string_value(json_array_get(range, 0)), "00001000");
	cr_assert_str_eq(json_string_value(json_array_get(range, 1)), "00003000");
	cr_assert_eq(json_integer_value(json_array_get(range, 2)), 4096);
	cr_assert_eq(json_integer_value(json_object_get(first, "mappings")), 1);
	cr_assert_eq(json_integer_value(json_object_get(first, "bytes")), 0x2000);
	/* major 259, minor 1: %02x:%02x */
	cr_assert_str_eq(json_string_value(json_object_get(first, "dev")), "103:01");
	cr_assert_eq(json_integer_value(json_object_get(first, "ino")), 12);
	cr_assert_str_eq(json_string_value(json_object_get(first, "st_dev")), "103:01");
	cr_assert_str_eq(json_string_value(json_object_get(first, "path")),
			 "/var/lib/old \"quoted\".index");
	cr_assert(json_is_null(json_object_get(first, "deleted_seconds_ago")));

	range = json_array_get(json_object_get(second, "ranges"), 0);
	cr_assert_str_eq(json_string_value(json_array_get(range, 0)), "7f3fc1800000");
	cr_assert_str_eq(json_string_value(json_array_get(range, 1)), "7f3fc2200000");
	cr_assert_eq(json_integer_value(json_array_get(range, 2)), 0);
	cr_assert_str_eq(json_string_value(json_object_get(second, "dev")), "fe:00");
	cr_assert_eq(json_integer_value(json_object_get(second, "ino")), 9440471);
	/* the device stat() reports, beside the maps line's */
	cr_assert_str_eq(json_string_value(json_object_get(second, "st_dev")), "00:2a");
	cr_assert(json_is_real(json_object_get(second, "deleted_seconds_ago")));
	cr_assert_float_eq(json_real_value(json_object_get(second, "deleted_seconds_ago")), 12.5,
			   1e-9);
}

/* Past the cap, a file is still listed with its counts; the ranges left out are counted. */
Test(json_snapshot, ranges_past_the_cap_are_counted)
{
	struct mw_process_report *java = &snapshot.processes[0];
	json_error_t error;
	json_t *reread, *orphan;

	free(java->orphans[1].ranges);
	java->orphans[1].ranges = NULL;
	java->orphans[1].range_count = 0;
	java->orphans[1].mappings = 3;
	java->orphan_ranges_omitted = 3;
	cr_assert_eq(json_snapshot__write_path(&snapshot, path), 0);
	reread = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	cr_assert_not_null(reread, "%s", error.text);
	java = NULL;
	orphan = json_array_get(
		json_object_get(json_array_get(json_object_get(reread, "processes"), 0), "orphans"),
		1);
	cr_assert_eq(json_integer_value(json_object_get(orphan, "mappings")), 3);
	cr_assert_eq(json_array_size(json_object_get(orphan, "ranges")), 0);
	cr_assert_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(reread, "processes"), 0),
			     "orphan_ranges_omitted")),
		     3);
	json_decref(reread);
}

Test(json_snapshot, bytes_that_are_not_utf8_do_not_break_the_document)
{
	json_t *odd = json_array_get(json_object_get(document, "processes"), 1);

	cr_assert_str_eq(json_string_value(json_object_get(odd, "comm")), "we\"ird\\\xef\xbf\xbd");
	cr_assert_eq(json_array_size(json_object_get(odd, "orphans")), 0);
}

Test(json_snapshot, numbers_print_as_a_human_expects)
{
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);

	cr_assert_eq(json_snapshot__write_stream(&snapshot, memory), 0);
	fclose(memory);
	cr_assert_not_null(strstr(text, "\"timestamp\": 1764050000.25,"), "%s", text);
	cr_assert_not_null(strstr(text, "\"deleted_seconds_ago\": 12.5,"), "%s", text);
	cr_assert_not_null(strstr(text, "\"deleted_seconds_ago\": null,"), "%s", text);
	/* one line per orphaned file, ranges compact */
	cr_assert_not_null(strstr(text, "\"ranges\": [[\"7f3fc1800000\", \"7f3fc2200000\", 0]]}"),
			   "%s", text);
	cr_assert_eq(text[length - 1], '\n');
	free(text);
}

Test(json_snapshot, scan_source_and_no_processes)
{
	struct mw_snapshot empty = { .timestamp = 5, .source = "scan", .max_map_count = 1 };
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);
	json_error_t error;
	json_t *root;

	cr_assert_eq(json_snapshot__write_stream(&empty, memory), 0);
	fclose(memory);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
	cr_assert_not_null(root, "%s: %s", text, error.text);
	cr_assert_str_eq(json_string_value(json_object_get(root, "source")), "scan");
	cr_assert(json_is_array(json_object_get(root, "processes")));
	cr_assert_eq(json_array_size(json_object_get(root, "processes")), 0);
	cr_assert(json_is_real(json_object_get(root, "timestamp")));
	cr_assert_float_eq(json_real_value(json_object_get(root, "timestamp")), 5.0, 1e-9);
	json_decref(root);
	free(text);
}

/* A full disk or a closed pipe is an error, not a short document passed off as whole. */
Test(json_snapshot, a_failing_stream_is_an_error)
{
	FILE *full = fopen("/dev/full", "w");

	cr_assert_not_null(full);
	setvbuf(full, NULL, _IONBF, 0);
	/* the cause itself, for the one line a user reads: "No space left on device" */
	cr_assert_eq(json_snapshot__write_stream(&snapshot, full), -ENOSPC);
	fclose(full);
}

Test(json_snapshot, unwritable_path_is_an_error_and_leaves_nothing)
{
	char bad[160];

	snprintf(bad, sizeof(bad), "%s/missing-dir/snapshot.json", snapshot_fixture__temp_dir());
	cr_assert_eq(json_snapshot__write_path(&snapshot, bad), -ENOENT);
}

/* The cause with its evidence, and cached bytes: null when not measured. */
Test(json_snapshot, cause_and_cached_bytes)
{
	struct mw_orphan orphans[2] = {
		{ .ino = 1,
		  .path = "/k/00000000000000001000.index",
		  .cached_bytes_known = true,
		  .cached_bytes = 8192 },
		{ .ino = 2, .path = "/k/00000000000000002000.index" },
	};
	struct mw_process_report process = {
		.pid = 7,
		.comm = "java",
		.orphaned_mappings = 2,
		.resize_remaps = 3,
		.orphans = orphans,
		.orphan_count = 2,
		.orphaned_files_cached_bytes = 8192,
		.cause = MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE,
		.jvm = true,
		.cause_files = 2,
		.cause_examples = { "/k/00000000000000001000.index",
				    "/k/00000000000000002000.index" },
		.cause_example_count = 2,
	};
	struct mw_snapshot one = { .source = "scan", .processes = &process, .process_count = 1 };
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);
	json_error_t error;
	json_t *root, *entry, *cause;

	cr_assert_eq(json_snapshot__write_stream(&one, memory), 0);
	fclose(memory);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
	cr_assert_not_null(root, "%s: %s", text, error.text);
	entry = json_array_get(json_object_get(root, "processes"), 0);
	cause = json_object_get(entry, "cause");
	cr_assert_str_eq(keys_of(cause), "name,summary,jvm,resize_remaps,files,examples");
	cr_assert_str_eq(json_string_value(json_object_get(cause, "name")), "kafka_index_resize");
	cr_assert(json_is_true(json_object_get(cause, "jvm")));
	cr_assert_eq(json_integer_value(json_object_get(cause, "resize_remaps")), 3);
	cr_assert_eq(json_integer_value(json_object_get(cause, "files")), 2);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(cause, "examples"), 1)),
			 "/k/00000000000000002000.index");
	cr_assert_eq(json_integer_value(json_object_get(entry, "orphaned_files_cached_bytes")),
		     8192);
	cr_assert_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(entry, "orphans"), 0), "cached_bytes")),
		     8192);
	cr_assert(json_is_null(json_object_get(json_array_get(json_object_get(entry, "orphans"), 1),
					       "cached_bytes")));
	json_decref(root);
	free(text);
}

/* The sums per container, one object each, and how many files each source measured. */
Test(json_snapshot, containers_and_cache_sources)
{
	struct mw_orphaned_file files[3] = { { .ino = 1 }, { .ino = 2 }, { .ino = 3 } };
	struct mw_container_report containers[2] = {
		{ .container = { .id = "aaaa0000aaaa",
				 .pod_uid = "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f" },
		  .processes = 2,
		  .orphaned_files = 2,
		  .orphaned_files_disk_bytes = 12288,
		  .orphaned_files_cached_bytes = 8192 },
		{ .container = { .id = "bbbb0000bbbb" }, .processes = 1, .orphaned_files = 1 },
	};
	struct mw_snapshot two = {
		.source = "agent",
		.files = files,
		.file_count = 3,
		.files_cached_by = { [MW_CACHE_SOURCE_KERNEL] = 1,
				     [MW_CACHE_SOURCE_CACHESTAT] = 1 },
		.containers = containers,
		.container_count = 2,
	};
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);
	json_error_t error;
	json_t *root, *sources, *first, *second;

	cr_assert_eq(json_snapshot__write_stream(&two, memory), 0);
	fclose(memory);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
	cr_assert_not_null(root, "%s: %s", text, error.text);
	sources = json_object_get(root, "cached_bytes_sources");
	cr_assert_str_eq(keys_of(sources), "kernel,cachestat,unmeasured");
	cr_assert_eq(json_integer_value(json_object_get(sources, "kernel")), 1);
	cr_assert_eq(json_integer_value(json_object_get(sources, "cachestat")), 1);
	cr_assert_eq(json_integer_value(json_object_get(sources, "unmeasured")), 1);
	cr_assert_eq(json_array_size(json_object_get(root, "containers")), 2);
	first = json_array_get(json_object_get(root, "containers"), 0);
	cr_assert_str_eq(keys_of(first), "container_id,pod_uid,processes,orphaned_files,"
					 "orphaned_files_disk_bytes,orphaned_files_cached_bytes");
	cr_assert_str_eq(json_string_value(json_object_get(first, "container_id")), "aaaa0000aaaa");
	cr_assert_str_eq(json_string_value(json_object_get(first, "pod_uid")),
			 "8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f");
	cr_assert_eq(json_integer_value(json_object_get(first, "processes")), 2);
	cr_assert_eq(json_integer_value(json_object_get(first, "orphaned_files")), 2);
	cr_assert_eq(json_integer_value(json_object_get(first, "orphaned_files_disk_bytes")),
		     12288);
	cr_assert_eq(json_integer_value(json_object_get(first, "orphaned_files_cached_bytes")),
		     8192);
	second = json_array_get(json_object_get(root, "containers"), 1);
	cr_assert(json_is_null(json_object_get(second, "pod_uid")));
	/* one object per line, as the orphans */
	cr_assert_not_null(
		strstr(text, "\n    {\"container_id\": \"bbbb0000bbbb\", \"pod_uid\": null, "));
	json_decref(root);
	free(text);
}

/* What jansson writes for @text as a JSON string, the spelling the snapshot keeps. */
static char *jansson_spelling(const char *text)
{
	json_t *value = json_values__text(text, SIZE_MAX);
	char *dumped = json_dumps(value, JSON_ENCODE_ANY);

	json_decref(value);
	return dumped;
}

static char *our_spelling(const char *text)
{
	char *written = NULL;
	size_t size = 0;
	FILE *stream = open_memstream(&written, &size);

	cr_assert_not_null(stream);
	cr_assert_eq(json_values__write_text(stream, text, SIZE_MAX), 0);
	cr_assert_eq(fclose(stream), 0);
	return written;
}

/*
 * Strings are written without jansson, escaped as jansson escapes them: every
 * byte alone, then random strings of ASCII, control bytes, valid and broken
 * UTF-8 (seed printed on failure).
 */
Test(json_snapshot, strings_are_spelled_as_jansson_spells_them)
{
	static const char *const pieces[] = {
		"a",	"/", "\"", "\\", "\n",	 "\x01", "\x1f",
		"\x7f", "é", "€",  "😀",	 "\xc3", "\xff", " (deleted)"
	};
	unsigned int seed = (unsigned int)time(NULL), random = seed;

	for (int byte = 1; byte < 256; byte++) {
		char text[2] = { (char)byte, '\0' };
		char *ours = our_spelling(text), *theirs = jansson_spelling(text);

		cr_assert_str_eq(ours, theirs, "byte 0x%02x", byte);
		free(ours);
		free(theirs);
	}
	for (int round = 0; round < 500; round++) {
		char text[256] = "";
		int count = rand_r(&random) % 12;

		for (int i = 0; i < count; i++)
			strcat(text,
			       pieces[rand_r(&random) % (sizeof(pieces) / sizeof(pieces[0]))]);
		char *ours = our_spelling(text), *theirs = jansson_spelling(text);

		cr_assert_str_eq(ours, theirs, "seed %u round %d", seed, round);
		free(ours);
		free(theirs);
	}
}
