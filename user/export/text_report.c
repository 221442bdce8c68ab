// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "number_text.h"
#include "terminal_text.h"
#include "text_report.h"

/* a container id as `docker ps` shortens it */
#define SHORT_ID_LENGTH "12"
/* pids listed on a --by-file line before "+N" */
#define PIDS_SHOWN 4

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

void text_report__format_bytes_known(bool known, uint64_t bytes, char *out, size_t size)
{
	if (known)
		text_report__format_bytes(bytes, out, size);
	else
		snprintf(out, size, "-");
}

/* "    START-END" as /proc/PID/maps spells a range, then @tail. */
static void print_range(FILE *stream, const struct mw_orphan_range *range, const char *tail,
			size_t tail_length)
{
	char line[4 + 16 + 1 + 16];
	size_t length = 4;

	memcpy(line, "    ", 4);
	length += number_text__address(range->start, line + length);
	line[length++] = '-';
	length += number_text__address(range->end, line + length);
	fwrite_unlocked(line, 1, length, stream);
	fwrite_unlocked(tail, 1, tail_length, stream);
}

/* "    container 0123456789ab  pod ...  cgroup /kubepods.slice/..." or "    cgroup /system.slice/x" */
static int print_cgroup(FILE *stream, const struct mw_process_report *process, bool utf8)
{
	char *cgroup;

	/* the root cgroup says nothing a reader needs */
	if (!process->cgroup || (!strcmp(process->cgroup, "/") && !process->container.pod_uid[0]))
		return 0;
	cgroup = terminal_text__escape(process->cgroup, SIZE_MAX, utf8);
	if (!cgroup)
		return -ENOMEM;
	fputs("    ", stream);
	if (process->container.id[0])
		fprintf(stream, "container %." SHORT_ID_LENGTH "s  ", process->container.id);
	if (process->container.pod_uid[0])
		fprintf(stream, "pod %s  ", process->container.pod_uid);
	fprintf(stream, "cgroup %s\n", cgroup);
	free(cgroup);
	return 0;
}

static void print_files_line(FILE *stream, const struct mw_process_report *process)
{
	char disk[32], size[32], cached[32];

	if (!process->orphaned_files)
		return;
	text_report__format_bytes(process->orphaned_files_disk_bytes, disk, sizeof(disk));
	text_report__format_bytes(process->orphaned_files_size_bytes, size, sizeof(size));
	text_report__format_bytes(process->orphaned_files_cached_bytes, cached, sizeof(cached));
	fprintf(stream,
		"    %" PRIu64 " deleted file%s: %s on disk, %s in size, %s in page cache\n",
		process->orphaned_files, process->orphaned_files == 1 ? "" : "s", disk, size,
		cached);
}

/* "    cause: jvm_mapped_buffers: MappedByteBuffers ... (2 files: /a, /b)" */
static int print_cause(FILE *stream, const struct mw_process_report *process, bool utf8)
{
	if (process->cause == MW_LEAK_CAUSE_NONE)
		return 0;
	fprintf(stream, "    cause: %s: %s (%" PRIu64 " file%s", leak_cause__name(process->cause),
		leak_cause__summary(process->cause), process->cause_files,
		process->cause_files == 1 ? "" : "s");
	if (process->resize_remaps)
		fprintf(stream, ", %" PRIu64 " resize remap%s", process->resize_remaps,
			process->resize_remaps == 1 ? "" : "s");
	for (size_t i = 0; i < process->cause_example_count; i++) {
		char *path = terminal_text__escape(process->cause_examples[i], SIZE_MAX, utf8);

		if (!path)
			return -ENOMEM;
		fprintf(stream, "%s%s", i ? ", " : ": ", path);
		free(path);
	}
	if (process->cause_files > process->cause_example_count)
		fprintf(stream, " +%" PRIu64, process->cause_files - process->cause_example_count);
	fputs(")\n", stream);
	return 0;
}

static int print_process(FILE *stream, const struct mw_snapshot *snapshot,
			 const struct mw_process_report *process, bool utf8)
{
	double ratio = snapshot->max_map_count ? 100.0 * (double)process->map_count /
							 (double)snapshot->max_map_count
					       : 0;
	char bytes[32], *comm = terminal_text__escape(process->comm, sizeof(process->comm), utf8);

	if (!comm)
		return -ENOMEM;
	text_report__format_bytes(process->orphaned_bytes, bytes, sizeof(bytes));
	fprintf(stream,
		"%-8u %-16s %8" PRIu64 " %6.1f%% %8" PRIu64 " %12s %8" PRIu64 " %6" PRIu64 "\n",
		process->pid, comm, process->map_count, ratio, process->orphaned_mappings, bytes,
		process->resize_remaps, process->stale_mappings);
	free(comm);
	print_files_line(stream, process);
	if (print_cause(stream, process, utf8) || print_cgroup(stream, process, utf8))
		return -ENOMEM;
	for (size_t j = 0; j < process->orphan_count; j++) {
		const struct mw_orphan *orphan = &process->orphans[j];
		char age[32], *path = terminal_text__escape(orphan->path ? orphan->path : "",
							    SIZE_MAX, utf8);
		char *tail;
		int length;

		if (!path)
			return -ENOMEM;
		if (orphan->deleted_age_known)
			snprintf(age, sizeof(age), "deleted %.1fs ago",
				 orphan->deleted_seconds_ago);
		else
			snprintf(age, sizeof(age), "deleted before start");
		/* the same for every mapping of the file: formatted once, not per line */
		length = asprintf(&tail, " %02x:%02x %-10" PRIu64 " %s  (%s)\n", orphan->dev >> 20,
				  orphan->dev & 0xfffff, orphan->ino, path, age);
		free(path);
		if (length < 0)
			return -ENOMEM;
		/* one line per orphaned mapping, as /proc/PID/maps has them */
		for (size_t k = 0; k < orphan->range_count; k++)
			print_range(stream, &orphan->ranges[k], tail, (size_t)length);
		free(tail);
	}
	if (process->orphan_ranges_omitted)
		fprintf(stream, "    (%" PRIu64 " more orphaned mappings not listed)\n",
			process->orphan_ranges_omitted);
	return 0;
}

int text_report__print(FILE *stream, const struct mw_snapshot *snapshot, size_t nearest_limit,
		       bool utf8)
{
	const struct mw_process_report **by_count;
	size_t notable = 0;
	char bytes[32], disk[32];

	fprintf(stream, "%-8s %-16s %8s %7s %8s %12s %8s %6s\n", "PID", "COMM", "MAPS", "LIMIT%",
		"ORPHANS", "ORPHANED", "REMAPS", "STALE");
	for (size_t i = 0; i < snapshot->process_count; i++) {
		const struct mw_process_report *process = &snapshot->processes[i];

		if (!snapshot__is_notable(process))
			continue;
		notable++;
		if (print_process(stream, snapshot, process, utf8))
			return -ENOMEM;
	}
	if (!notable)
		fprintf(stream, "(no process has an orphaned, resize-remapped or stale mapping)\n");

	by_count = calloc(snapshot->process_count ? snapshot->process_count : 1, sizeof(*by_count));
	if (!by_count)
		return -ENOMEM;
	if (nearest_limit) {
		for (size_t i = 0; i < snapshot->process_count; i++)
			by_count[i] = &snapshot->processes[i];
		qsort(by_count, snapshot->process_count, sizeof(*by_count),
		      snapshot__compare_by_map_count);
		fprintf(stream, "\nnearest vm.max_map_count (%" PRIu64 "):\n",
			snapshot->max_map_count);
		for (size_t i = 0; i < snapshot->process_count && i < nearest_limit; i++) {
			char *comm = terminal_text__escape(by_count[i]->comm,
							   sizeof(by_count[i]->comm), utf8);

			if (!comm) {
				free(by_count);
				return -ENOMEM;
			}
			fprintf(stream, "  %-8u %-16s %8" PRIu64 " maps  %5.1f%%\n",
				by_count[i]->pid, comm, by_count[i]->map_count,
				snapshot->max_map_count ? 100.0 * (double)by_count[i]->map_count /
								  (double)snapshot->max_map_count
							: 0);
			free(comm);
		}
	}
	free(by_count);

	text_report__format_bytes(snapshot->orphaned_bytes, bytes, sizeof(bytes));
	text_report__format_bytes(snapshot->orphaned_files_disk_bytes, disk, sizeof(disk));
	fprintf(stream,
		"\nhost: %" PRIu64 " orphaned mappings (%s) in %zu of %zu processes; "
		"%zu deleted files hold %s on disk\n",
		snapshot->orphaned_mappings, bytes, notable, snapshot->process_count,
		snapshot->file_count, disk);
	return 0;
}

void text_report__format_pids(const struct mw_orphaned_file *file, size_t shown, char *out,
			      size_t size)
{
	size_t used = 0;

	if (shown > file->pid_count)
		shown = file->pid_count;
	out[0] = '\0';
	for (size_t i = 0; i < shown && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%" PRIu32, i ? "," : "",
					 file->pids[i]);
	if (file->pid_count > shown && used < size)
		snprintf(out + used, size - used, " +%zu", file->pid_count - shown);
}

int text_report__print_files(FILE *stream, const struct mw_snapshot *snapshot, bool utf8)
{
	uint64_t mappings = 0;
	char disk[32], size[32], cached[32];

	fprintf(stream, "%10s %10s %10s %13s %5s %-24s %s\n", "DISK", "SIZE", "CACHED", "DELETED",
		"MAPS", "PIDS", "PATH");
	for (size_t i = 0; i < snapshot->file_count; i++) {
		const struct mw_orphaned_file *file = &snapshot->files[i];
		char deleted[32], pids[64],
			*path = terminal_text__escape(file->path ? file->path : "", SIZE_MAX, utf8);

		if (!path)
			return -ENOMEM;
		text_report__format_bytes_known(file->disk_bytes_known, file->disk_bytes, disk,
						sizeof(disk));
		text_report__format_bytes_known(file->size_known, file->size, size, sizeof(size));
		text_report__format_bytes_known(file->cached_bytes_known, file->cached_bytes,
						cached, sizeof(cached));
		if (file->deleted_age_known)
			snprintf(deleted, sizeof(deleted), "%.1fs ago", file->deleted_seconds_ago);
		else
			snprintf(deleted, sizeof(deleted), "-");
		text_report__format_pids(file, PIDS_SHOWN, pids, sizeof(pids));
		fprintf(stream, "%10s %10s %10s %13s %5" PRIu64 " %-24s %s\n", disk, size, cached,
			deleted, file->mappings, pids, path);
		free(path);
		mappings += file->mappings;
	}
	if (!snapshot->file_count)
		fprintf(stream, "(no deleted file is mapped)\n");
	text_report__format_bytes(snapshot->orphaned_files_disk_bytes, disk, sizeof(disk));
	text_report__format_bytes(snapshot->orphaned_files_size_bytes, size, sizeof(size));
	text_report__format_bytes(snapshot->orphaned_files_cached_bytes, cached, sizeof(cached));
	fprintf(stream,
		"\nhost: %zu deleted files hold %s on disk (%s in size) and %s of page cache, in %" PRIu64
		" orphaned mappings\n",
		snapshot->file_count, disk, size, cached, mappings);
	return 0;
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
