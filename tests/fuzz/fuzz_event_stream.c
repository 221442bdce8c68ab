// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer: the kernel records as the agent receives them, decoded and
 * applied to a tracker, with the collector's other calls in between
 * (seeding from /proc, check answers, sweeps, snapshots).
 *
 * The whole input is first decoded as one raw record. Then it is read as a
 * stream of operations: a byte choosing one, and the bytes it needs. A
 * record's header gets the type and size its kind has, and its pids,
 * inode numbers and addresses are folded into small ranges, so that records
 * meet the same processes, files and mappings, and bugs between them show.
 * Whatever the decoder lets through must be safe to apply, a self-FORK
 * included (the decoder rejects it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "tracker.h"

#define PAGE 4096
#define PIDS 6
#define INODES 12
#define BASE 0x7f0000000000ULL
#define PAGES 64
#define SEED_VMAS 4

struct input {
	const uint8_t *at;
	size_t left;
};

static void take(struct input *input, void *out, size_t size)
{
	size_t got = size < input->left ? size : input->left;

	memset(out, 0, size);
	memcpy(out, input->at, got);
	input->at += got;
	input->left -= got;
}

static uint8_t take_byte(struct input *input)
{
	uint8_t byte;

	take(input, &byte, 1);
	return byte;
}

static int watch_result;

static int on_watch(void *context, const struct mw_file_id *file, uint64_t name_hash,
		    bool expect_present)
{
	(void)context;
	(void)file;
	(void)name_hash;
	(void)expect_present;
	return watch_result;
}

static void on_forget(void *context, const struct mw_file_id *file)
{
	(void)context;
	(void)file;
}

static void on_rescan(void *context, uint32_t pid)
{
	(void)context;
	(void)pid;
}

static size_t record_size(uint32_t type, uint32_t flags)
{
	switch (type) {
	case MW_EVENT_MMAP:
		return (flags & MW_MMAP_INODE_FILED) || !(flags & MW_MMAP_FILE)
			       ? MW_MMAP_EVENT_FILED_SIZE
			       : sizeof(struct mw_mmap_event);
	case MW_EVENT_MUNMAP:
		return sizeof(struct mw_munmap_event);
	case MW_EVENT_MREMAP:
		return sizeof(struct mw_mremap_event);
	case MW_EVENT_MPROTECT:
		return sizeof(struct mw_mprotect_event);
	case MW_EVENT_RENAME:
		return sizeof(struct mw_rename_event);
	case MW_EVENT_CHECK:
		return sizeof(struct mw_check_event);
	case MW_EVENT_FORK:
		return sizeof(struct mw_fork_event);
	case MW_EVENT_EXEC:
		return sizeof(struct mw_exec_event);
	case MW_EVENT_EXIT:
		return sizeof(struct mw_exit_event);
	case MW_EVENT_RANGE:
		return sizeof(struct mw_range_event);
	default: /* TRUNCATE, UNLINK */
		return sizeof(struct mw_file_event);
	}
}

static uint64_t fold_address(uint64_t value)
{
	return BASE + (value % PAGES) * PAGE + (value & 0x100 ? value % PAGE : 0);
}

static void fold_file(struct mw_file_id *file)
{
	file->ino = 1 + file->ino % INODES;
	file->dev = file->dev & 1 ? 254u << 20 : 8u << 20 | 1;
	file->inode = file->inode % 3 ? 0xffff888100000000ULL + (file->inode % 4) * 0x1000 : 0;
}

/* One record from the input, shaped so that it meets the others. */
static void apply_record(struct mw_tracker *tracker, struct input *input, uint32_t type,
			 uint64_t *clock)
{
	union mw_event raw, decoded;
	struct mw_event_header *header = &raw.header;
	size_t size;

	memset(&raw, 0, sizeof(raw));
	take(input, header, sizeof(*header));
	size = record_size(type, header->flags);
	take(input, (char *)&raw + sizeof(*header), size - sizeof(*header));
	header->type = type;
	header->size = (uint32_t)size;
	header->pid = 1 + header->pid % PIDS;
	/* mostly forward, as the ring buffer delivers; sometimes a step back */
	*clock += header->timestamp_ns % 1000;
	header->timestamp_ns = header->tid & 1 ? *clock : *clock - header->timestamp_ns % 2000;
	switch (type) {
	case MW_EVENT_MMAP:
		raw.mmap.addr = fold_address(raw.mmap.addr);
		raw.mmap.length = raw.mmap.length % (8 * PAGE);
		raw.mmap.offset = raw.mmap.offset % (4 * PAGE);
		fold_file(&raw.mmap.file);
		raw.mmap.file.size %= 16 * PAGE;
		raw.mmap.file.nlink %= 3;
		break;
	case MW_EVENT_MUNMAP:
		raw.munmap.addr = fold_address(raw.munmap.addr);
		raw.munmap.length %= 16 * PAGE;
		break;
	case MW_EVENT_MREMAP:
		raw.mremap.old_addr = fold_address(raw.mremap.old_addr);
		raw.mremap.new_addr = fold_address(raw.mremap.new_addr);
		raw.mremap.old_length %= 16 * PAGE;
		raw.mremap.new_length %= 16 * PAGE;
		break;
	case MW_EVENT_MPROTECT:
		raw.mprotect.addr = fold_address(raw.mprotect.addr);
		raw.mprotect.length %= 16 * PAGE;
		break;
	case MW_EVENT_TRUNCATE:
	case MW_EVENT_UNLINK:
		fold_file(&raw.file.file);
		raw.file.file.nlink %= 2;
		break;
	case MW_EVENT_RENAME:
		fold_file(&raw.rename.file);
		break;
	case MW_EVENT_FORK:
		/* a self-FORK, sometimes: the decoder must refuse it */
		raw.fork.child_pid = 1 + raw.fork.child_pid % PIDS;
		break;
	case MW_EVENT_RANGE:
		raw.range.addr = fold_address(raw.range.addr);
		raw.range.length %= 16 * PAGE;
		/* every op, and one past them; madvise advice around the flag-changing ones */
		raw.range.op %= MW_RANGE_MUNLOCKALL + 2;
		raw.range.value = raw.range.op == MW_RANGE_MADVISE ? 8 + raw.range.value % 14
								   : raw.range.value % 8;
		break;
	default:
		break;
	}
	if (event__decode(&raw, size, &decoded) == 0)
		(void)tracker__apply(tracker, &decoded);
}

/* A /proc read of one process: a few VMAs over the same pages and inodes. */
static void seed(struct mw_tracker *tracker, struct input *input, uint64_t clock)
{
	static struct mw_vma vmas[SEED_VMAS];
	uint32_t pid = 1 + take_byte(input) % PIDS;
	size_t count = take_byte(input) % (SEED_VMAS + 1);

	for (size_t i = 0; i < count; i++) {
		uint8_t shape[8];

		take(input, shape, sizeof(shape));
		memset(&vmas[i], 0, sizeof(vmas[i]));
		vmas[i].start = BASE + (shape[0] % PAGES) * PAGE;
		vmas[i].end = vmas[i].start + (1 + shape[1] % 8) * PAGE;
		vmas[i].ino = 1 + shape[2] % INODES;
		vmas[i].dev = shape[3] & 1 ? 254u << 20 : 8u << 20 | 1;
		vmas[i].kind = shape[4] % 3;
		vmas[i].deleted = shape[5] & 1;
		vmas[i].file_stat_known = shape[5] & 2;
		vmas[i].nlink = shape[5] >> 6;
		vmas[i].file_size = shape[6] * (uint64_t)PAGE;
		snprintf(vmas[i].path, sizeof(vmas[i].path), "/data/%u/%020u.index", shape[7] % 3,
			 shape[7]);
	}
	(void)tracker__seed_process(tracker, pid, "seeded", count * 3, vmas, count, clock);
}

/* What the collector does with pending checks: stat, and answer. */
static void answer_checks(struct mw_tracker *tracker, struct input *input, uint64_t clock)
{
	struct mw_file_check checks[4];
	size_t count = tracker__take_pending_checks(tracker, checks, 4);

	for (size_t i = 0; i < count; i++) {
		uint8_t answer = take_byte(input);

		(void)tracker__set_file_status(tracker, checks[i].dev, checks[i].ino, answer % 3,
					       (uint64_t)(answer >> 2) * PAGE,
					       answer & 0x80 ? "/data/renamed.index" : NULL, clock);
	}
}

/*
 * Every orphaned mapping is listed as a range of its file or counted as left
 * out, at most @cap listed (0: all, none left out), and a listed file counts
 * at least the ranges it lists.
 */
static void snapshot_now(struct mw_tracker *tracker, uint64_t clock, size_t cap)
{
	struct mw_snapshot snapshot = { 0 };

	if (tracker__snapshot(tracker, clock, 1.7e9, 65530, &snapshot) == 0) {
		for (size_t i = 0; i < snapshot.process_count; i++) {
			const struct mw_process_report *report = &snapshot.processes[i];
			uint64_t mappings = 0, ranges = 0;

			for (size_t j = 0; j < report->orphan_count; j++) {
				if (report->orphans[j].mappings < report->orphans[j].range_count ||
				    !report->orphans[j].range_count)
					abort();
				mappings += report->orphans[j].mappings;
				ranges += report->orphans[j].range_count;
			}
			if (report->orphaned_mappings != ranges + report->orphan_ranges_omitted ||
			    mappings > report->orphaned_mappings || (cap && ranges > cap) ||
			    (!cap && report->orphan_ranges_omitted))
				abort();
		}
	}
	snapshot__clear(&snapshot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_tracker_options options = {
		.page_size = PAGE,
		.inode_watch = on_watch,
		.inode_forget = on_forget,
		.process_rescan = on_rescan,
	};
	struct input input = { data, size };
	struct mw_tracker *tracker;
	union mw_event decoded;
	uint64_t clock = 1000000;

	(void)event__decode(data, size, &decoded);
	options.forget_delay_ns = size & 1 ? 0 : 5000;
	/* a cap on listed ranges for a quarter of the inputs: 1 to 3, small enough to be hit */
	options.snapshot_ranges = size % 4 == 2 ? 1 + size / 4 % 3 : 0;
	if (tracker__create(&options, &tracker))
		abort();
	while (input.left) {
		uint8_t choice = take_byte(&input);
		/* one per record type, then the collector's calls */
		uint32_t records = MW_EVENT_TYPE_COUNT - 1, operation = choice % (records + 5);

		watch_result = choice >> 6 == 3 ? 1 : 0;
		if (operation < records) {
			apply_record(tracker, &input, 1 + operation, &clock);
			continue;
		}
		switch (operation - records) {
		case 0:
			seed(tracker, &input, clock);
			break;
		case 1:
			answer_checks(tracker, &input, clock);
			break;
		case 2:
			(void)tracker__sweep_unused_inodes(tracker, clock += 10000);
			(void)tracker__verify_kernel_inodes(tracker, 3);
			break;
		case 3:
			(void)tracker__remove_process(tracker, 1 + take_byte(&input) % PIDS, clock);
			tracker__check_every_file(tracker);
			break;
		default:
			snapshot_now(tracker, clock, options.snapshot_ranges);
			break;
		}
	}
	snapshot_now(tracker, clock, options.snapshot_ranges);
	tracker__destroy(tracker);
	return 0;
}
