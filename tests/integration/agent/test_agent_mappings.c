// SPDX-License-Identifier: GPL-2.0
/* Orphans whose mappings change shape: partial munmap, MAP_FIXED over them, mremap. */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

#define PAGES 16
#define AGE_LIMIT_SECONDS 120.0

enum {
	STEP_MAP,
	STEP_UNLINK,
	STEP_UNMAP_MIDDLE,
	STEP_FIXED_ANONYMOUS,
	STEP_FIXED_FILE,
	STEP_MOVE,
	STEP_SHRINK,
	STEP_GROW,
};

struct shaped_file {
	char path[PATH_MAX + 64];
	char other_path[PATH_MAX + 64];
	size_t page;
	size_t mapped_pages;
	char *address;
	int fd;
};

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_mappings, .init = setup);

static int map_step(struct shaped_file *file, uint64_t *ino)
{
	file->fd = scenario__create_file(file->path, PAGES * file->page);
	if (file->fd < 0)
		return file->fd;
	file->address = scenario__map_file(file->fd, file->mapped_pages * file->page, 0);
	if (!file->address)
		return -errno;
	return scenario__inode(file->fd, ino);
}

static int fixed_file_step(struct shaped_file *file, uint64_t *other_ino)
{
	int other = scenario__create_file(file->other_path, 4 * file->page);
	void *placed;
	int err;

	if (other < 0)
		return other;
	placed = mmap(file->address + 4 * file->page, 4 * file->page, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED, other, 0);
	err = placed == MAP_FAILED ? -errno : scenario__inode(other, other_ino);
	close(other);
	return err;
}

static int move_step(struct shaped_file *file, uint64_t *new_address)
{
	size_t length = file->mapped_pages * file->page;
	/* a free place to move to, well away from the old one */
	char *target = mmap(NULL, 2 * length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *moved;

	if (target == MAP_FAILED)
		return -errno;
	moved = mremap(file->address, length, length, MREMAP_MAYMOVE | MREMAP_FIXED,
		       target + length / 2);
	if (moved == MAP_FAILED)
		return -errno;
	file->address = moved;
	*new_address = (uint64_t)(uintptr_t)moved;
	return 0;
}

static int resize_step(struct shaped_file *file, size_t new_pages, uint64_t *new_address)
{
	void *resized = mremap(file->address, file->mapped_pages * file->page,
			       new_pages * file->page, MREMAP_MAYMOVE);

	if (resized == MAP_FAILED)
		return -errno;
	file->address = resized;
	file->mapped_pages = new_pages;
	*new_address = (uint64_t)(uintptr_t)resized;
	return 0;
}

static int shape_steps(void *state, int step, uint64_t *value)
{
	struct shaped_file *file = state;
	void *placed;

	switch (step) {
	case STEP_MAP:
		return map_step(file, value);
	case STEP_UNLINK:
		return unlink(file->path) ? -errno : 0;
	case STEP_UNMAP_MIDDLE:
		return munmap(file->address + 4 * file->page, 4 * file->page) ? -errno : 0;
	case STEP_FIXED_ANONYMOUS:
		placed =
			mmap(file->address + 4 * file->page, 4 * file->page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		return placed == MAP_FAILED ? -errno : 0;
	case STEP_FIXED_FILE:
		return fixed_file_step(file, value);
	case STEP_MOVE:
		return move_step(file, value);
	case STEP_SHRINK:
		return resize_step(file, file->mapped_pages / 2, value);
	case STEP_GROW:
		return resize_step(file, PAGES, value);
	}
	return -EINVAL;
}

struct run {
	struct shaped_file file;
	struct scenario scenario;
	char dir[PATH_MAX];
	uint64_t ino;
};

/* Maps @mapped_pages of a 16-page file, unlinks it, and checks the orphan is seen. */
static void start_orphan(struct run *run, size_t mapped_pages)
{
	struct truth truth;
	json_t *snapshot, *entry;

	memset(run, 0, sizeof(*run));
	harness__make_dir(harness__work_dir(), run->dir, sizeof(run->dir));
	snprintf(run->file.path, sizeof(run->file.path), "%s/00000000000000000000.timeindex",
		 run->dir);
	snprintf(run->file.other_path, sizeof(run->file.other_path), "%s/other.index", run->dir);
	run->file.page = (size_t)sysconf(_SC_PAGESIZE);
	run->file.mapped_pages = mapped_pages;
	scenario__start(&run->scenario, shape_steps, &run->file);
	run->ino = scenario__step(&run->scenario, STEP_MAP);
	scenario__step(&run->scenario, STEP_UNLINK);

	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, run->scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, run->ino), 1);
	truth__expect_ages(entry, run->ino, true, AGE_LIMIT_SECONDS);
	truth__free(&truth);
	json_decref(snapshot);
}

/* After the reshaping step: the snapshot equals /proc, which shows @pieces of the orphan. */
static json_t *expect_pieces(struct run *run, size_t pieces, struct truth *truth, json_t **snapshot)
{
	json_t *entry;

	*snapshot = harness__fresh_snapshot();
	entry = truth__check(*snapshot, run->scenario.pid, truth);
	cr_assert_eq(truth__count_inode(truth, run->ino), pieces, "/proc shows %zu pieces, not %zu",
		     truth__count_inode(truth, run->ino), pieces);
	if (pieces)
		truth__expect_ages(entry, run->ino, true, AGE_LIMIT_SECONDS);
	return entry;
}

static void finish(struct run *run, struct truth *truth, json_t *snapshot)
{
	truth__free(truth);
	json_decref(snapshot);
	scenario__stop(&run->scenario);
	harness__remove_tree(run->dir);
}

Test(agent_mappings, partial_munmap_leaves_two_pieces)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start_orphan(&run, PAGES);
	scenario__step(&run.scenario, STEP_UNMAP_MIDDLE);
	expect_pieces(&run, 2, &truth, &snapshot);
	/* in address order: pages 0..3, then pages 8..15 keeping their file offset */
	for (size_t i = 0, piece = 0; i < truth.count; i++) {
		if (truth.orphans[i].ino != run.ino)
			continue;
		cr_assert_eq(truth.orphans[i].offset, piece ? 8 * run.file.page : 0);
		piece++;
	}
	finish(&run, &truth, snapshot);
}

Test(agent_mappings, map_fixed_anonymous_over_part_of_an_orphan)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start_orphan(&run, PAGES);
	scenario__step(&run.scenario, STEP_FIXED_ANONYMOUS);
	expect_pieces(&run, 2, &truth, &snapshot);
	finish(&run, &truth, snapshot);
}

Test(agent_mappings, map_fixed_file_over_part_of_an_orphan)
{
	struct truth truth;
	struct run run;
	json_t *snapshot, *entry;
	uint64_t other_ino;

	start_orphan(&run, PAGES);
	other_ino = scenario__step(&run.scenario, STEP_FIXED_FILE);
	entry = expect_pieces(&run, 2, &truth, &snapshot);
	cr_assert_eq(truth__count_inode(&truth, other_ino), 0);
	cr_assert_eq(truth__snapshot_count_inode(entry, other_ino), 0,
		     "the linked file mapped over the orphan is counted");
	finish(&run, &truth, snapshot);
}

Test(agent_mappings, mremap_moves_an_orphan)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;
	uint64_t moved_to;
	bool found = false;

	start_orphan(&run, PAGES);
	moved_to = scenario__step(&run.scenario, STEP_MOVE);
	expect_pieces(&run, 1, &truth, &snapshot);
	for (size_t i = 0; i < truth.count; i++)
		found |= truth.orphans[i].ino == run.ino && truth.orphans[i].start == moved_to;
	cr_assert(found, "/proc does not show the orphan at its new address");
	finish(&run, &truth, snapshot);
}

Test(agent_mappings, mremap_shrinks_an_orphan)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start_orphan(&run, PAGES);
	scenario__step(&run.scenario, STEP_SHRINK);
	expect_pieces(&run, 1, &truth, &snapshot);
	finish(&run, &truth, snapshot);
}

Test(agent_mappings, mremap_grows_an_orphan)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start_orphan(&run, PAGES / 2);
	scenario__step(&run.scenario, STEP_GROW);
	expect_pieces(&run, 1, &truth, &snapshot);
	finish(&run, &truth, snapshot);
}
