// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "top_fixture.h"

void top_fixture__snapshot(struct mw_snapshot *snapshot, double timestamp)
{
	memset(snapshot, 0, sizeof(*snapshot));
	snapshot->timestamp = timestamp;
	snapshot->source = "agent";
	snapshot->max_map_count = 65530;
	snapshot->has_agent_counters = true;
}

struct mw_process_report *top_fixture__process(struct mw_snapshot *snapshot, uint32_t pid,
					       const char *comm, uint64_t map_count)
{
	struct mw_process_report *process;

	snapshot->processes = realloc(snapshot->processes,
				      (snapshot->process_count + 1) * sizeof(*snapshot->processes));
	cr_assert_not_null(snapshot->processes);
	process = &snapshot->processes[snapshot->process_count++];
	memset(process, 0, sizeof(*process));
	process->pid = pid;
	strncpy(process->comm, comm, sizeof(process->comm) - 1);
	process->map_count = map_count;
	return process;
}

void top_fixture__orphan(struct mw_snapshot *snapshot, struct mw_process_report *process,
			 uint64_t start, uint64_t bytes, const char *path,
			 double deleted_seconds_ago)
{
	struct mw_orphan *orphan;

	process->orphans =
		realloc(process->orphans, (process->orphan_count + 1) * sizeof(*process->orphans));
	cr_assert_not_null(process->orphans);
	orphan = &process->orphans[process->orphan_count++];
	memset(orphan, 0, sizeof(*orphan));
	orphan->ranges = malloc(sizeof(*orphan->ranges));
	cr_assert_not_null(orphan->ranges);
	orphan->ranges[0] = (struct mw_orphan_range){ .start = start, .end = start + bytes };
	orphan->range_count = 1;
	orphan->mappings = 1;
	orphan->bytes = bytes;
	orphan->ino = 1000 + process->orphan_count;
	orphan->dev = 254u << 20;
	orphan->path = strdup(path);
	orphan->deleted_age_known = deleted_seconds_ago >= 0;
	process->orphan_age_unknown |= !orphan->deleted_age_known;
	if (orphan->deleted_age_known) {
		orphan->deleted_seconds_ago = deleted_seconds_ago;
		if (!process->oldest_orphan_age_known ||
		    deleted_seconds_ago > process->oldest_orphan_age_seconds)
			process->oldest_orphan_age_seconds = deleted_seconds_ago;
		process->oldest_orphan_age_known = true;
	}
	process->orphaned_mappings++;
	process->orphaned_bytes += bytes;
	snapshot->orphaned_mappings++;
	snapshot->orphaned_bytes += bytes;
}

void top_fixture__file(struct mw_snapshot *snapshot, const char *path, uint64_t size,
		       uint64_t disk_bytes, double deleted_seconds_ago, uint32_t first_pid,
		       size_t pid_count)
{
	struct mw_orphaned_file *file;

	snapshot->files =
		realloc(snapshot->files, (snapshot->file_count + 1) * sizeof(*snapshot->files));
	cr_assert_not_null(snapshot->files);
	file = &snapshot->files[snapshot->file_count++];
	memset(file, 0, sizeof(*file));
	file->dev = 254u << 20;
	file->ino = 5000 + snapshot->file_count;
	file->path = strdup(path);
	file->size_known = file->disk_bytes_known = true;
	file->size = size;
	file->disk_bytes = disk_bytes;
	file->deleted_age_known = deleted_seconds_ago >= 0;
	file->deleted_seconds_ago = deleted_seconds_ago;
	file->mappings = pid_count;
	file->mapped_bytes = pid_count * size;
	file->pids = calloc(pid_count ? pid_count : 1, sizeof(*file->pids));
	cr_assert_not_null(file->pids);
	for (size_t i = 0; i < pid_count; i++)
		file->pids[file->pid_count++] = first_pid + (uint32_t)i;
	snapshot->orphaned_files_size_bytes += size;
	snapshot->orphaned_files_disk_bytes += disk_bytes;
}

void top_fixture__build(const struct mw_top_history *model, struct mw_top_choices *state,
			size_t width, size_t height, bool interactive, struct mw_top_screen *frame)
{
	struct mw_top_screen_layout layout = { width, height, false, interactive };

	cr_assert_eq(top_screen__build(model, state, &layout, frame), 0);
}

int top_fixture__find(const struct mw_top_screen *frame, const char *text)
{
	for (size_t i = 0; i < frame->count; i++)
		if (strstr(frame->lines[i].text, text))
			return (int)i;
	return -1;
}

const char *top_fixture__dump(const struct mw_top_screen *frame)
{
	static char text[65536];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < frame->count && used < sizeof(text) - 1; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\n",
					 frame->lines[i].text);
	return text;
}
