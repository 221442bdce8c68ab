// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tracker's view copied into the snapshot model the exporters read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tracker_internal.h"

/* Reaches more than one page past the end of the file as it is now. */
static bool stale(const struct procmap_entry *entry, uint64_t file_size, uint64_t page)
{
	uint64_t file_end = (file_size + page - 1) / page * page;

	return entry->offset + (entry->end - entry->start) > file_end + page;
}

static int report_orphans(struct process *process, struct mw_process_report *report,
			  uint64_t now_ns)
{
	struct procmap_entry *entry;
	size_t capacity = 0;

	for (entry = procmap__first(&process->map); entry; entry = procmap__next(entry)) {
		const struct process_inode *user = entry->owner;
		struct mw_orphan *orphan;

		if (!user || !user->inode->deleted)
			continue;
		if (report->orphan_count == capacity) {
			size_t grown = capacity ? capacity * 2 : 8;
			struct mw_orphan *bigger =
				realloc(report->orphans, grown * sizeof(*report->orphans));

			if (!bigger)
				return -ENOMEM;
			report->orphans = bigger;
			capacity = grown;
		}
		orphan = &report->orphans[report->orphan_count];
		memset(orphan, 0, sizeof(*orphan));
		orphan->path = strdup(user->inode->path);
		if (!orphan->path)
			return -ENOMEM;
		report->orphan_count++;
		orphan->start = entry->start;
		orphan->end = entry->end;
		orphan->offset = entry->offset;
		orphan->ino = entry->ino;
		orphan->dev = entry->dev;
		orphan->deleted_age_known = user->inode->deletion_time_known;
		if (orphan->deleted_age_known) {
			uint64_t deleted_ns = user->inode->deleted_ns;

			orphan->deleted_seconds_ago =
				now_ns > deleted_ns ? (double)(now_ns - deleted_ns) / 1e9 : 0;
			/* The oldest orphan whose age is known; unknown ages are left out. */
			if (!report->oldest_orphan_age_known ||
			    orphan->deleted_seconds_ago > report->oldest_orphan_age_seconds)
				report->oldest_orphan_age_seconds = orphan->deleted_seconds_ago;
			report->oldest_orphan_age_known = true;
		}
		report->orphaned_mappings++;
		report->orphaned_bytes += entry->end - entry->start;
	}
	return 0;
}

static int report_process(struct mw_tracker *tracker, struct process *process,
			  struct mw_process_report *report, uint64_t now_ns, uint64_t max_map_count)
{
	struct procmap_entry *entry;
	double slope;

	report->pid = process->pid;
	memcpy(report->comm, process->comm, MW_COMM_LEN);
	if (process->cgroup && !(report->cgroup = strdup(process->cgroup)))
		return -ENOMEM;
	report->container = process->container;
	tracker__report_process_files(process, report);
	report->map_count = process->map_count;
	report->resize_remaps = process->resize_remaps;
	for (entry = procmap__first(&process->map); entry; entry = procmap__next(entry)) {
		const struct process_inode *user = entry->owner;

		/* an unknown size (0) would make every mapping look stale */
		if (user && user->inode->size_known &&
		    stale(entry, user->inode->size, tracker->options.page_size))
			report->stale_mappings++;
	}
	if (map_count_history__growth_rate(&process->history, now_ns,
					   tracker->options.growth_window_ns, &slope)) {
		report->map_count_growing = true;
		report->seconds_to_map_limit =
			process->map_count >= max_map_count
				? 0
				: (double)(max_map_count - process->map_count) / slope;
	}
	return report_orphans(process, report, now_ns);
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
	struct process *process;

	memset(out, 0, sizeof(*out));
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
