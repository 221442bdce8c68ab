// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "text_report.h"

void text_report__format_bytes(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double value = (double)bytes;
	size_t unit = 0;

	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(out, size, "%" PRIu64 " B", bytes);
	else
		snprintf(out, size, "%.1f %s", value, units[unit]);
}

static bool is_notable(const struct mw_process_report *process)
{
	return process->orphaned_mappings || process->resize_remaps || process->stale_mappings;
}

static int by_map_count_descending(const void *left, const void *right)
{
	const struct mw_process_report *const *a = left, *const *b = right;

	if ((*a)->map_count != (*b)->map_count)
		return (*a)->map_count < (*b)->map_count ? 1 : -1;
	return (*a)->pid < (*b)->pid ? -1 : (*a)->pid > (*b)->pid;
}

void text_report__print(FILE *stream, const struct mw_snapshot *snapshot, size_t nearest_limit)
{
	const struct mw_process_report **by_count;
	size_t notable = 0;
	char bytes[32];

	fprintf(stream, "%-8s %-16s %8s %7s %8s %12s %8s %6s\n", "PID", "COMM", "MAPS", "LIMIT%",
		"ORPHANS", "ORPHANED", "REMAPS", "STALE");
	for (size_t i = 0; i < snapshot->process_count; i++) {
		const struct mw_process_report *process = &snapshot->processes[i];
		double ratio = snapshot->max_map_count ?
				       100.0 * (double)process->map_count / (double)snapshot->max_map_count :
				       0;

		if (!is_notable(process))
			continue;
		notable++;
		text_report__format_bytes(process->orphaned_bytes, bytes, sizeof(bytes));
		fprintf(stream, "%-8u %-16s %8" PRIu64 " %6.1f%% %8" PRIu64 " %12s %8" PRIu64 " %6" PRIu64 "\n",
			process->pid, process->comm, process->map_count, ratio,
			process->orphaned_mappings, bytes, process->resize_remaps,
			process->stale_mappings);
		for (size_t j = 0; j < process->orphan_count; j++) {
			const struct mw_orphan *orphan = &process->orphans[j];
			char age[32];

			if (orphan->deleted_age_known)
				snprintf(age, sizeof(age), "deleted %.1fs ago", orphan->deleted_seconds_ago);
			else
				snprintf(age, sizeof(age), "deleted before start");
			fprintf(stream, "    %08" PRIx64 "-%08" PRIx64 " %02x:%02x %-10" PRIu64 " %s  (%s)\n",
				orphan->start, orphan->end, orphan->dev >> 20, orphan->dev & 0xfffff,
				orphan->ino, orphan->path ? orphan->path : "", age);
		}
	}
	if (!notable)
		fprintf(stream, "(no process has an orphaned, resize-remapped or stale mapping)\n");

	by_count = calloc(snapshot->process_count ? snapshot->process_count : 1, sizeof(*by_count));
	if (by_count && nearest_limit) {
		for (size_t i = 0; i < snapshot->process_count; i++)
			by_count[i] = &snapshot->processes[i];
		qsort(by_count, snapshot->process_count, sizeof(*by_count), by_map_count_descending);
		fprintf(stream, "\nnearest vm.max_map_count (%" PRIu64 "):\n", snapshot->max_map_count);
		for (size_t i = 0; i < snapshot->process_count && i < nearest_limit; i++)
			fprintf(stream, "  %-8u %-16s %8" PRIu64 " maps  %5.1f%%\n", by_count[i]->pid,
				by_count[i]->comm, by_count[i]->map_count,
				snapshot->max_map_count ? 100.0 * (double)by_count[i]->map_count /
								  (double)snapshot->max_map_count :
							  0);
	}
	free(by_count);

	text_report__format_bytes(snapshot->orphaned_bytes, bytes, sizeof(bytes));
	fprintf(stream, "\nhost: %" PRIu64 " orphaned mappings (%s) in %zu of %zu processes\n",
		snapshot->orphaned_mappings, bytes, notable, snapshot->process_count);
}

void text_report__print_summary(FILE *stream, const struct mw_snapshot *snapshot)
{
	uint64_t events = 0, remaps = 0;
	char bytes[32], when[32];
	time_t seconds = (time_t)snapshot->timestamp;
	struct tm local;

	for (size_t i = 0; i < MW_EVENT_TYPE_COUNT; i++)
		events += snapshot->events_by_type[i];
	for (size_t i = 0; i < snapshot->process_count; i++)
		remaps += snapshot->processes[i].resize_remaps;
	localtime_r(&seconds, &local);
	strftime(when, sizeof(when), "%H:%M:%S", &local);
	text_report__format_bytes(snapshot->orphaned_bytes, bytes, sizeof(bytes));
	fprintf(stream,
		"%s orphaned=%" PRIu64 " (%s) resize_remaps=%" PRIu64 " tracked=%" PRIu64
		" processes=%zu events=%" PRIu64 " lost=%" PRIu64 " corrections=%" PRIu64 "\n",
		when, snapshot->orphaned_mappings, bytes, remaps, snapshot->tracked_mappings,
		snapshot->process_count, events, snapshot->events_lost,
		snapshot->reconcile_corrections);
}
