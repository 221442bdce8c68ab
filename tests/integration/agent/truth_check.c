// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "truth_check.h"

void truth__read(pid_t pid, struct truth *truth)
{
	int err;

	memset(truth, 0, sizeof(*truth));
	truth->pid = pid;
	err = proc_truth__orphans(pid, &truth->orphans, &truth->count, &truth->summary);
	cr_assert_eq(err, 0, "reading the truth of %d from /proc: %s", pid, strerror(-err));
}

void truth__free(struct truth *truth)
{
	free(truth->orphans);
	truth->orphans = NULL;
	truth->count = 0;
}

size_t truth__count_inode(const struct truth *truth, uint64_t ino)
{
	size_t count = 0;

	for (size_t i = 0; i < truth->count; i++)
		count += truth->orphans[i].ino == ino;
	return count;
}

/* Spelled as /proc/PID/maps spells them, so the comparison is the one a user would make. */
static void format_address(uint64_t address, char *text, size_t size)
{
	snprintf(text, size, "%08" PRIx64, address);
}

static int by_start(const void *left, const void *right)
{
	uint64_t a = strtoull(json_string_value(json_object_get(*(json_t *const *)left, "start")),
			      NULL, 16);
	uint64_t b = strtoull(json_string_value(json_object_get(*(json_t *const *)right, "start")),
			      NULL, 16);

	return a < b ? -1 : a > b;
}

json_t *truth__orphan_mappings(json_t *entry)
{
	json_t *orphans = entry ? json_object_get(entry, "orphans") : NULL, *orphan, *range;
	json_t *mappings = json_array(), **sorted;
	size_t index, count = 0, listed = 0, i;

	cr_assert(!entry || json_is_array(orphans), "a process entry without an orphans array");
	json_array_foreach(orphans, index, orphan)
		count += json_array_size(json_object_get(orphan, "ranges"));
	sorted = calloc(count + 1, sizeof(*sorted));
	cr_assert_not_null(sorted);
	json_array_foreach(orphans, index, orphan)
	{
		json_array_foreach(json_object_get(orphan, "ranges"), i, range)
		{
			cr_assert_eq(json_array_size(range), 3, "a range is [start, end, offset]");
			sorted[listed++] = json_pack(
				"{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "start", json_array_get(range, 0),
				"end", json_array_get(range, 1), "offset", json_array_get(range, 2), "dev",
				json_object_get(orphan, "dev"), "ino", json_object_get(orphan, "ino"),
				"path", json_object_get(orphan, "path"), "deleted_seconds_ago",
				json_object_get(orphan, "deleted_seconds_ago"));
			cr_assert_not_null(sorted[listed - 1], "orphan %zu: a field is missing", index);
		}
	}
	qsort(sorted, listed, sizeof(*sorted), by_start);
	for (i = 0; i < listed; i++)
		json_array_append_new(mappings, sorted[i]);
	free(sorted);
	return mappings;
}

static void format_dev(uint32_t dev, char *text, size_t size)
{
	snprintf(text, size, "%02x:%02x", dev >> 20, dev & 0xfffff);
}

/* Both sides, one orphan a line, for the failure message. */
static void describe(json_t *orphans, const struct truth *truth, char *text, size_t size)
{
	size_t used = 0, index;
	json_t *orphan;

	used += (size_t)snprintf(text + used, size - used, "\nsnapshot:");
	json_array_foreach(orphans, index, orphan)
	{
		if (used >= size)
			break;
		used += (size_t)snprintf(
			text + used, size - used, "\n  %s-%s %" PRId64 " %s %" PRId64 " %s",
			json_string_value(json_object_get(orphan, "start")),
			json_string_value(json_object_get(orphan, "end")),
			(int64_t)json_integer_value(json_object_get(orphan, "offset")),
			json_string_value(json_object_get(orphan, "dev")),
			(int64_t)json_integer_value(json_object_get(orphan, "ino")),
			json_string_value(json_object_get(orphan, "path")));
	}
	if (used < size)
		used += (size_t)snprintf(text + used, size - used, "\n/proc/%d/maps:", truth->pid);
	for (size_t i = 0; i < truth->count && used < size; i++) {
		const struct mw_vma *vma = &truth->orphans[i];

		used += (size_t)snprintf(text + used, size - used,
					 "\n  %08" PRIx64 "-%08" PRIx64 " %" PRIu64
					 " %02x:%02x %" PRIu64 " %s",
					 vma->start, vma->end, vma->offset, vma->dev >> 20,
					 vma->dev & 0xfffff, vma->ino, vma->path);
	}
}

json_t *truth__expect_snapshot_matches(json_t *snapshot, const struct truth *truth)
{
	json_t *processes = json_object_get(snapshot, "processes");
	json_t *entry = NULL, *process, *orphans;
	char listing[8192];
	size_t index;

	json_array_foreach(processes, index, process)
	{
		if (json_integer_value(json_object_get(process, "pid")) == truth->pid) {
			cr_assert_null(entry, "pid %d listed twice", truth->pid);
			entry = process;
		}
	}
	if (!entry) {
		describe(NULL, truth, listing, sizeof(listing));
		cr_assert_eq(truth->count, 0,
			     "pid %d has %zu orphaned mappings but no snapshot entry:%s",
			     truth->pid, truth->count, listing);
		return NULL;
	}
	orphans = truth__orphan_mappings(entry);
	cr_assert_eq(json_integer_value(json_object_get(entry, "orphan_ranges_omitted")), 0,
		     "pid %d: ranges left out of the snapshot (run the agent with --ranges 0)",
		     truth->pid);
	describe(orphans, truth, listing, sizeof(listing));
	cr_assert_eq(json_array_size(orphans), truth->count,
		     "pid %d: %zu orphans, /proc has %zu:%s", truth->pid, json_array_size(orphans),
		     truth->count, listing);
	cr_assert_eq(json_integer_value(json_object_get(entry, "orphaned_mappings")),
		     (json_int_t)truth->summary.orphaned_mappings,
		     "pid %d: orphaned_mappings %lld, /proc %" PRIu64 ":%s", truth->pid,
		     json_integer_value(json_object_get(entry, "orphaned_mappings")),
		     truth->summary.orphaned_mappings, listing);
	cr_assert_eq(json_integer_value(json_object_get(entry, "orphaned_bytes")),
		     (json_int_t)truth->summary.orphaned_bytes,
		     "pid %d: orphaned_bytes %lld, /proc %" PRIu64 ":%s", truth->pid,
		     json_integer_value(json_object_get(entry, "orphaned_bytes")),
		     truth->summary.orphaned_bytes, listing);
	for (size_t i = 0; i < truth->count; i++) {
		const struct mw_vma *vma = &truth->orphans[i];
		json_t *orphan = json_array_get(orphans, i);
		char start[24], end[24], dev[24];

		format_address(vma->start, start, sizeof(start));
		format_address(vma->end, end, sizeof(end));
		format_dev(vma->dev, dev, sizeof(dev));
		cr_assert_str_eq(json_string_value(json_object_get(orphan, "start")), start,
				 "orphan %zu start:%s", i, listing);
		cr_assert_str_eq(json_string_value(json_object_get(orphan, "end")), end,
				 "orphan %zu end:%s", i, listing);
		cr_assert_eq(json_integer_value(json_object_get(orphan, "offset")),
			     (json_int_t)vma->offset, "orphan %zu offset:%s", i, listing);
		cr_assert_str_eq(json_string_value(json_object_get(orphan, "dev")), dev,
				 "orphan %zu dev:%s", i, listing);
		cr_assert_eq(json_integer_value(json_object_get(orphan, "ino")),
			     (json_int_t)vma->ino, "orphan %zu ino:%s", i, listing);
		cr_assert(json_is_string(json_object_get(orphan, "path")), "orphan %zu path:%s", i,
			  listing);
		cr_assert_str_eq(json_string_value(json_object_get(orphan, "path")), vma->path,
				 "orphan %zu path:%s", i, listing);
	}
	json_decref(orphans);
	return entry;
}

json_t *truth__check(json_t *snapshot, pid_t pid, struct truth *truth)
{
	truth__read(pid, truth);
	return truth__expect_snapshot_matches(snapshot, truth);
}

size_t truth__snapshot_count_inode(json_t *entry, uint64_t ino)
{
	json_t *orphan, *mappings = truth__orphan_mappings(entry);
	size_t index, count = 0;

	json_array_foreach(mappings, index, orphan)
	{
		count += json_integer_value(json_object_get(orphan, "ino")) == (json_int_t)ino;
	}
	json_decref(mappings);
	return count;
}

void truth__expect_ages(json_t *entry, uint64_t ino, bool known, double max_seconds)
{
	json_t *orphan, *mappings;
	size_t index, seen = 0;

	cr_assert_not_null(entry, "no snapshot entry");
	mappings = truth__orphan_mappings(entry);
	json_array_foreach(mappings, index, orphan)
	{
		json_t *age = json_object_get(orphan, "deleted_seconds_ago");

		if (json_integer_value(json_object_get(orphan, "ino")) != (json_int_t)ino)
			continue;
		seen++;
		cr_assert_not_null(age, "orphan %s: no deleted_seconds_ago",
				   json_string_value(json_object_get(orphan, "start")));
		if (!known) {
			cr_assert(json_is_null(age),
				  "orphan %s deleted before the agent started: age %g, not null",
				  json_string_value(json_object_get(orphan, "start")),
				  json_number_value(age));
			continue;
		}
		cr_assert(json_is_number(age), "orphan %s deleted while watched: age is null",
			  json_string_value(json_object_get(orphan, "start")));
		cr_assert_geq(json_number_value(age), 0.0);
		cr_assert_leq(json_number_value(age), max_seconds, "orphan %s: age %g > %g",
			      json_string_value(json_object_get(orphan, "start")),
			      json_number_value(age), max_seconds);
	}
	json_decref(mappings);
	cr_assert_gt(seen, 0, "no orphan of inode %" PRIu64 " in the snapshot", ino);
}

long truth__stale_mappings(pid_t pid)
{
	char maps_path[64], line[PATH_MAX + 256];
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	long stale = 0;
	FILE *maps;

	snprintf(maps_path, sizeof(maps_path), "/proc/%d/maps", pid);
	maps = fopen(maps_path, "re");
	if (!maps)
		return -1;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end, offset, ino;
		char files_path[96];
		struct stat status;

		if (sscanf(line, "%lx-%lx %*s %lx %*s %lu", &start, &end, &offset, &ino) != 4 ||
		    !ino)
			continue;
		snprintf(files_path, sizeof(files_path), "/proc/%d/map_files/%lx-%lx", pid, start,
			 end);
		if (stat(files_path, &status) || !S_ISREG(status.st_mode))
			continue;
		stale += offset + (end - start) > (uint64_t)status.st_size + page;
	}
	fclose(maps);
	return stale;
}
