// SPDX-License-Identifier: GPL-2.0
/* How a mapped file loses its names: renames, hard links, relative paths, rename over it. */
#include <criterion/criterion.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

#define FILE_BYTES (32u << 10)
#define AGE_LIMIT_SECONDS 120.0
#define NAME "00000000000000461285.timeindex"

enum {
	STEP_MAP,
	STEP_RENAME_TO_DELETED,
	STEP_UNLINK_DELETED_NAME,
	STEP_LINK_SECOND_NAME,
	STEP_UNLINK_MAPPED_NAME,
	STEP_UNLINK_SECOND_NAME,
	STEP_UNLINK_RELATIVE,
	STEP_RENAME_OVER,
};

struct named_file {
	char dir[PATH_MAX];
	char path[PATH_MAX + 64];
	char second_path[PATH_MAX + 64];
	char relative_path[PATH_MAX + 64]; /* from the parent of dir */
	char parent[PATH_MAX];
	char *address;
};

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_names, .init = setup);

static int map_step(struct named_file *file, uint64_t *ino)
{
	int fd = scenario__create_file(file->path, FILE_BYTES);
	int err;

	if (fd < 0)
		return fd;
	file->address = scenario__map_file(fd, FILE_BYTES, 0);
	err = file->address ? scenario__inode(fd, ino) : -errno;
	close(fd);
	return err;
}

static int rename_over_step(struct named_file *file)
{
	int fd = scenario__create_file(file->second_path, FILE_BYTES);

	if (fd < 0)
		return fd;
	close(fd);
	/* the mapped file loses its only name to the new one */
	return rename(file->second_path, file->path) ? -errno : 0;
}

static int name_steps(void *state, int step, uint64_t *value)
{
	struct named_file *file = state;

	switch (step) {
	case STEP_MAP:
		return map_step(file, value);
	case STEP_RENAME_TO_DELETED:
		return rename(file->path, file->second_path) ? -errno : 0;
	case STEP_UNLINK_DELETED_NAME:
	case STEP_UNLINK_SECOND_NAME:
		return unlink(file->second_path) ? -errno : 0;
	case STEP_LINK_SECOND_NAME:
		return link(file->path, file->second_path) ? -errno : 0;
	case STEP_UNLINK_MAPPED_NAME:
		return unlink(file->path) ? -errno : 0;
	case STEP_UNLINK_RELATIVE:
		if (chdir(file->parent))
			return -errno;
		return unlink(file->relative_path) ? -errno : 0;
	case STEP_RENAME_OVER:
		return rename_over_step(file);
	}
	return -EINVAL;
}

struct run {
	struct named_file file;
	struct scenario scenario;
	uint64_t ino;
};

static void start(struct run *run, const char *second_name)
{
	char copy[PATH_MAX];

	memset(run, 0, sizeof(*run));
	harness__make_dir(harness__work_dir(), run->file.dir, sizeof(run->file.dir));
	snprintf(run->file.path, sizeof(run->file.path), "%s/" NAME, run->file.dir);
	snprintf(run->file.second_path, sizeof(run->file.second_path), "%s/%s", run->file.dir,
		 second_name);
	snprintf(copy, sizeof(copy), "%s", run->file.dir);
	snprintf(run->file.parent, sizeof(run->file.parent), "%s", dirname(copy));
	snprintf(copy, sizeof(copy), "%s", run->file.dir);
	snprintf(run->file.relative_path, sizeof(run->file.relative_path), "%s/" NAME,
		 basename(copy));
	scenario__start(&run->scenario, name_steps, &run->file);
	run->ino = scenario__step(&run->scenario, STEP_MAP);
}

/* Snapshot against /proc after a step; @orphaned is what /proc must say of the file. */
static json_t *expect(struct run *run, bool orphaned, struct truth *truth, json_t **snapshot)
{
	json_t *entry;

	*snapshot = harness__fresh_snapshot();
	entry = truth__check(*snapshot, run->scenario.pid, truth);
	cr_assert_eq(truth__count_inode(truth, run->ino), orphaned ? 1 : 0,
		     "/proc: the file is%s orphaned", orphaned ? " not" : "");
	if (orphaned)
		truth__expect_ages(entry, run->ino, true, AGE_LIMIT_SECONDS);
	return entry;
}

static void next(struct truth *truth, json_t *snapshot)
{
	truth__free(truth);
	json_decref(snapshot);
}

static void finish(struct run *run, struct truth *truth, json_t *snapshot)
{
	next(truth, snapshot);
	scenario__stop(&run->scenario);
	harness__remove_tree(run->file.dir);
}

static const char *orphan_path(const struct truth *truth, uint64_t ino)
{
	for (size_t i = 0; i < truth->count; i++)
		if (truth->orphans[i].ino == ino)
			return truth->orphans[i].path;
	return "";
}

Test(agent_names, rename_to_dot_deleted_then_unlink)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;
	const char *path;

	start(&run, NAME ".deleted");
	scenario__step(&run.scenario, STEP_RENAME_TO_DELETED);
	expect(&run, false, &truth, &snapshot);
	next(&truth, snapshot);
	scenario__step(&run.scenario, STEP_UNLINK_DELETED_NAME);
	expect(&run, true, &truth, &snapshot);
	/* the snapshot's path already equals /proc's; it is the renamed one */
	path = orphan_path(&truth, run.ino);
	cr_assert_str_eq(path, run.file.second_path);
	cr_assert_str_eq(path + strlen(path) - strlen(".deleted"), ".deleted");
	finish(&run, &truth, snapshot);
}

Test(agent_names, hard_link_is_orphaned_only_when_the_last_name_goes)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start(&run, "second-name.timeindex");
	scenario__step(&run.scenario, STEP_LINK_SECOND_NAME);
	expect(&run, false, &truth, &snapshot);
	next(&truth, snapshot);
	/* the name it was mapped through goes first: one link is left */
	scenario__step(&run.scenario, STEP_UNLINK_MAPPED_NAME);
	expect(&run, false, &truth, &snapshot);
	next(&truth, snapshot);
	scenario__step(&run.scenario, STEP_UNLINK_SECOND_NAME);
	expect(&run, true, &truth, &snapshot);
	finish(&run, &truth, snapshot);
}

Test(agent_names, unlink_by_relative_path_from_another_directory)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start(&run, "unused");
	scenario__step(&run.scenario, STEP_UNLINK_RELATIVE);
	expect(&run, true, &truth, &snapshot);
	finish(&run, &truth, snapshot);
}

Test(agent_names, rename_onto_a_mapped_file_orphans_it)
{
	struct truth truth;
	struct run run;
	json_t *snapshot;

	start(&run, "replacement.timeindex");
	scenario__step(&run.scenario, STEP_RENAME_OVER);
	expect(&run, true, &truth, &snapshot);
	cr_assert_str_eq(orphan_path(&truth, run.ino), run.file.path);
	finish(&run, &truth, snapshot);
}
