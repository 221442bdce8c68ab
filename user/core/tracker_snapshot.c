// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tracker's view copied into the snapshot model the exporters read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tracker_internal.h"

bool mapping__stale(uint64_t offset, uint64_t length, uint64_t file_size, uint64_t page)
{
	uint64_t file_end = (file_size + page - 1) / page * page;

	return offset + length > file_end + page;
}

/* Grows an array of @size-byte items to hold one more; -ENOMEM leaves it as it was. */
static int make_room(void **items, size_t count, size_t *capacity, size_t size)
{
	size_t grown;
	void *bigger;

	if (count < *capacity)
		return 0;
	grown = *capacity ? *capacity * 2 : 4;
	bigger = realloc(*items, grown * size);
	if (!bigger)
		return -ENOMEM;
	*items = bigger;
	*capacity = grown;
	return 0;
}

static double seconds_since(uint64_t then_ns, uint64_t now_ns)
{
	return now_ns > then_ns ? (double)(now_ns - then_ns) / 1e9 : 0;
}

/* report_index of a file seen by this report but not (yet) listed as an orphan */
#define ORPHAN_NOT_LISTED SIZE_MAX

/*
 * A deleted file the walk meets first: counted once, with the size and disk
 * space it holds, however many mappings of it the process has.
 */
static void first_sight(struct mw_tracker *tracker, struct mw_process_inode *user,
			struct mw_process_report *report)
{
	const struct mw_inode *inode = user->inode;

	user->report_serial = tracker->report_serial;
	user->report_index = ORPHAN_NOT_LISTED;
	report->orphaned_files++;
	if (inode->size_known)
		report->orphaned_files_size_bytes += inode->size;
	if (inode->disk_bytes_known)
		report->orphaned_files_disk_bytes += inode->disk_bytes;
}

/*
 * The process's orphan for the inode @user maps (seen by this report: see
 * first_sight): found, or added at its first mapping while @ranges_room (the
 * ranges the cap still lets be listed) is not 0. NULL with *err 0 when not
 * listed.
 */
static struct mw_orphan *orphan_of(struct mw_process_inode *user, struct mw_process_report *report,
				   size_t *capacity, uint64_t now_ns, size_t ranges_room, int *err)
{
	const struct mw_inode *inode = user->inode;
	struct mw_orphan *orphan;

	*err = 0;
	if (user->report_index != ORPHAN_NOT_LISTED)
		return &report->orphans[user->report_index];
	if (!ranges_room)
		return NULL;
	*err = -ENOMEM;
	if (make_room((void **)&report->orphans, report->orphan_count, capacity,
		      sizeof(*report->orphans)))
		return NULL;
	orphan = &report->orphans[report->orphan_count];
	memset(orphan, 0, sizeof(*orphan));
	/*
	 * Every mapping of the file in this process is one of its orphaned
	 * ones, so its ranges are allocated once: a process that maps a file
	 * a thousand times does not grow them ten times over.
	 */
	orphan->range_capacity = user->entry_count < ranges_room ? user->entry_count : ranges_room;
	orphan->path = strdup(inode->path);
	orphan->ranges = orphan->range_capacity
				 ? malloc(orphan->range_capacity * sizeof(*orphan->ranges))
				 : NULL;
	if (!orphan->path || (orphan->range_capacity && !orphan->ranges)) {
		free(orphan->path);
		free(orphan->ranges);
		return NULL;
	}
	*err = 0;
	user->report_index = report->orphan_count++;
	orphan->ino = inode->id.ino;
	orphan->dev = inode->maps_dev;
	orphan->st_dev = inode->id.dev;
	orphan->deleted_age_known = inode->deletion_time_known;
	if (orphan->deleted_age_known)
		orphan->deleted_seconds_ago = seconds_since(inode->deleted_ns, now_ns);
	return orphan;
}

/* Appends a range to the orphan; grows its ranges only if the count above was short. */
static int add_range(struct mw_orphan *orphan, const struct mw_vma_entry *entry)
{
	if (orphan->range_count == orphan->range_capacity) {
		size_t grown = orphan->range_capacity ? orphan->range_capacity * 2 : 4;
		struct mw_orphan_range *bigger = realloc(orphan->ranges, grown * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		orphan->ranges = bigger;
		orphan->range_capacity = grown;
	}
	orphan->ranges[orphan->range_count++] = (struct mw_orphan_range){ .start = entry->start,
									  .end = entry->end,
									  .offset = entry->offset };
	return 0;
}

/* The oldest known deletion age of the process's orphans; unknown ages are flagged. */
static void note_age(struct mw_process_report *report, const struct mw_inode *inode,
		     uint64_t now_ns)
{
	double age;

	if (!inode->deletion_time_known) {
		report->orphan_age_unknown = true;
		return;
	}
	age = seconds_since(inode->deleted_ns, now_ns);
	if (!report->oldest_orphan_age_known || age > report->oldest_orphan_age_seconds)
		report->oldest_orphan_age_seconds = age;
	report->oldest_orphan_age_known = true;
}

/*
 * One pass over the process's map in address order: stale mappings counted,
 * every orphaned mapping and deleted file counted, and the first of them (the
 * cap on listed ranges) listed as ranges of their file's orphan. A file is
 * listed when one of its mappings is, with all its mappings counted; the
 * mappings of files that are not are only counted, so a snapshot stays small
 * however many files a process holds.
 */
static int report_mappings(struct mw_tracker *tracker, struct mw_process *process,
			   struct mw_process_report *report, uint64_t now_ns)
{
	size_t cap = tracker->options.snapshot_ranges, listed = 0, capacity = 0;
	struct mw_vma_entry *entry;

	for (entry = vma_tree__first(&process->map); entry; entry = vma_tree__next(entry)) {
		struct mw_process_inode *user = entry->owner;
		size_t ranges_room = !cap ? SIZE_MAX : listed < cap ? cap - listed : 0;
		bool room = ranges_room > 0;
		struct mw_orphan *orphan;
		int err;

		if (!user)
			continue;
		/* an unknown size (0) would make every mapping look stale */
		if (user->inode->size_known &&
		    mapping__stale(entry->offset, entry->end - entry->start, user->inode->size,
				   tracker->options.page_size))
			report->stale_mappings++;
		if (!user->inode->deleted)
			continue;
		if (user->report_serial != tracker->report_serial)
			first_sight(tracker, user, report);
		report->orphaned_mappings++;
		report->orphaned_bytes += entry->end - entry->start;
		note_age(report, user->inode, now_ns);
		orphan = orphan_of(user, report, &capacity, now_ns, ranges_room, &err);
		if (err)
			return err;
		if (orphan) {
			orphan->mappings++;
			orphan->bytes += entry->end - entry->start;
		}
		if (!orphan || !room) {
			report->orphan_ranges_omitted++;
			continue;
		}
		if (add_range(orphan, entry))
			return -ENOMEM;
		listed++;
	}
	return 0;
}

static int report_process(struct mw_tracker *tracker, struct mw_process *process,
			  struct mw_process_report *report, uint64_t now_ns, uint64_t max_map_count)
{
	double slope;
	int err;

	report->pid = process->pid;
	memcpy(report->comm, process->comm, MW_COMM_LEN);
	if (process->cgroup && !(report->cgroup = strdup(process->cgroup)))
		return -ENOMEM;
	report->container = process->container;
	report->map_count = process->map_count;
	report->resize_remaps = process->resize_remaps;
	if (process->history &&
	    map_count_history__growth_rate(process->history, now_ns,
					   tracker->options.growth_window_ns, &slope)) {
		report->map_count_growing = true;
		report->seconds_to_map_limit =
			process->map_count >= max_map_count
				? 0
				: (double)(max_map_count - process->map_count) / slope;
	}
	if (process->report_empty)
		return 0;
	/* the walk counts the deleted files too; the cause needs their number */
	err = report_mappings(tracker, process, report, now_ns);
	if (!err && process__report_cause(process, report))
		err = -ENOMEM;
	process->report_empty = !err && !report->orphaned_files && !report->orphaned_mappings &&
				!report->stale_mappings;
	return err;
}

/* Most orphaned bytes first, then the fullest address space, then pid. */
static int compare_reports(const void *left, const void *right)
{
	const struct mw_process_report *a = left, *b = right;

	if (a->orphaned_bytes != b->orphaned_bytes)
		return a->orphaned_bytes > b->orphaned_bytes ? -1 : 1;
	if (a->map_count != b->map_count)
		return a->map_count > b->map_count ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

int tracker__snapshot(struct mw_tracker *tracker, uint64_t now_ns, double realtime_offset_seconds,
		      uint64_t max_map_count, struct mw_snapshot *out)
{
	size_t count = HASH_COUNT(tracker->processes), i = 0;
	struct mw_process *process;

	memset(out, 0, sizeof(*out));
	tracker->report_serial++;
	out->timestamp = (double)now_ns / 1e9 + realtime_offset_seconds;
	out->max_map_count = max_map_count;
	out->tracked_mappings = tracker->tracked_mappings;
	out->unlink_to_unmap = tracker->unlink_to_unmap;
	out->processes = calloc(count ? count : 1, sizeof(*out->processes));
	if (!out->processes)
		return -ENOMEM;
	out->process_count = count;
	if (tracker__report_files(tracker, now_ns, out)) {
		snapshot__clear(out);
		return -ENOMEM;
	}
	for (process = tracker->processes; process; process = process->hh.next, i++) {
		struct mw_process_report *report = &out->processes[i];

		if (report_process(tracker, process, report, now_ns, max_map_count)) {
			snapshot__clear(out);
			return -ENOMEM;
		}
		out->orphaned_mappings += report->orphaned_mappings;
		out->orphaned_bytes += report->orphaned_bytes;
	}
	qsort(out->processes, count, sizeof(*out->processes), compare_reports);
	return 0;
}
