/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A tracker whose hooks record what they were told, and snapshot helpers. */
#ifndef MAPWATCH_TEST_TRACKER_FIXTURE_H
#define MAPWATCH_TEST_TRACKER_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include "event_builders.h"

#define HOOK_LOG_MAX 64

struct hook_log {
	size_t watches, forgets, rescans;
	uint64_t watched_ino[HOOK_LOG_MAX];
	uint64_t watched_hash[HOOK_LOG_MAX];
	bool watched_expecting[HOOK_LOG_MAX];
	uint64_t forgotten_ino[HOOK_LOG_MAX];
	uint64_t forgotten_address[HOOK_LOG_MAX];
	uint32_t rescanned_pid[HOOK_LOG_MAX];
	int watch_result; /* what on_watch answers: 1 plays a kernel that lost the inode */
};

/* The device of the files seeded_file_vma() makes. */
#define SEEDED_DEV (254u << 20)

/* A shared, read-only mapping of a regular file as /proc shows it, with its stat. */
static inline struct mw_vma seeded_file_vma(uint64_t start, uint64_t pages, uint64_t ino,
					    const char *path, bool deleted, uint32_t nlink)
{
	struct mw_vma vma = {
		.start = start,
		.end = start + pages * PAGE,
		.ino = ino,
		.dev = SEEDED_DEV,
		.prot = PROT_READ,
		.shared = true,
		.deleted = deleted,
		.kind = MW_VMA_FILE,
		.file_stat_known = true,
		.nlink = nlink,
		.file_size = pages * PAGE,
	};

	snprintf(vma.path, sizeof(vma.path), "%s", path);
	return vma;
}

static struct hook_log hooks;
static struct mw_tracker *tracker;
static struct mw_snapshot snapshot;

static int on_watch(void *ctx, const struct mw_file_id *file, uint64_t name_hash,
		    bool expect_present)
{
	struct hook_log *log = ctx;

	if (log->watches < HOOK_LOG_MAX) {
		log->watched_ino[log->watches] = file->ino;
		log->watched_hash[log->watches] = name_hash;
		log->watched_expecting[log->watches] = expect_present;
	}
	log->watches++;
	return log->watch_result;
}

static void on_forget(void *ctx, const struct mw_file_id *file)
{
	struct hook_log *log = ctx;

	if (log->forgets < HOOK_LOG_MAX) {
		log->forgotten_ino[log->forgets] = file->ino;
		log->forgotten_address[log->forgets] = file->inode;
	}
	log->forgets++;
}

static void on_rescan(void *ctx, uint32_t pid)
{
	struct hook_log *log = ctx;

	if (log->rescans < HOOK_LOG_MAX)
		log->rescanned_pid[log->rescans] = pid;
	log->rescans++;
}

static void tracker_setup_capped(uint64_t forget_delay_ns, size_t snapshot_ranges)
{
	struct mw_tracker_options options = {
		.page_size = PAGE,
		.forget_delay_ns = forget_delay_ns,
		.snapshot_ranges = snapshot_ranges,
		.hook_context = &hooks,
		.inode_watch = on_watch,
		.inode_forget = on_forget,
		.process_rescan = on_rescan,
	};

	memset(&hooks, 0, sizeof(hooks));
	memset(&snapshot, 0, sizeof(snapshot));
	cr_assert_eq(tracker__create(&options, &tracker), 0);
}

static void tracker_setup_delayed(uint64_t forget_delay_ns)
{
	tracker_setup_capped(forget_delay_ns, 0);
}

static void tracker_setup(void)
{
	tracker_setup_delayed(0);
}

static void tracker_teardown(void)
{
	snapshot__clear(&snapshot);
	tracker__destroy(tracker);
	tracker = NULL;
}

static void apply(union mw_event event)
{
	cr_assert_eq(tracker__apply(tracker, &event), 0, "apply %s",
		     event__type_name(event.header.type));
}

static void take_snapshot(uint64_t now_ns)
{
	snapshot__clear(&snapshot);
	cr_assert_eq(tracker__snapshot(tracker, now_ns, 0, 65530, &snapshot), 0);
}

static const struct mw_process_report *report_of(uint32_t pid)
{
	for (size_t i = 0; i < snapshot.process_count; i++)
		if (snapshot.processes[i].pid == pid)
			return &snapshot.processes[i];
	return NULL;
}

/* The process's report in a fresh snapshot; fails the test when it is missing. */
static const struct mw_process_report *report_now(uint32_t pid, uint64_t now_ns)
{
	const struct mw_process_report *report;

	take_snapshot(now_ns);
	report = report_of(pid);
	cr_assert_not_null(report, "pid %u missing from the snapshot", pid);
	return report;
}

#endif
