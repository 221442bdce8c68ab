// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings made before the agent started: this executable starts its one agent
 * inside the test, after the child has mapped two files and unlinked one.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

#define FILE_BYTES (64u << 10)
#define AGE_LIMIT_SECONDS 120.0

enum { STEP_MAP_BOTH_UNLINK_FIRST, STEP_SECOND_INODE, STEP_UNLINK_SECOND };

struct two_files {
	char dir[PATH_MAX];
	char first[PATH_MAX + 64];
	char second[PATH_MAX + 64];
	uint64_t second_ino;
};

static int map_one(const char *path, uint64_t *ino)
{
	int fd = scenario__create_file(path, FILE_BYTES);
	int err;

	if (fd < 0)
		return fd;
	err = scenario__map_file(fd, FILE_BYTES, 0) ? scenario__inode(fd, ino) : -errno;
	close(fd);
	return err;
}

static int two_file_steps(void *state, int step, uint64_t *value)
{
	struct two_files *files = state;
	int err;

	switch (step) {
	case STEP_MAP_BOTH_UNLINK_FIRST:
		err = map_one(files->first, value);
		if (!err)
			err = map_one(files->second, &files->second_ino);
		if (!err && unlink(files->first))
			err = -errno;
		return err;
	case STEP_SECOND_INODE:
		*value = files->second_ino;
		return 0;
	case STEP_UNLINK_SECOND:
		return unlink(files->second) ? -errno : 0;
	}
	return -EINVAL;
}

static void stop_agent(void)
{
	harness__stop_agent();
}

Test(agent_preexisting, deletions_before_the_agent_started_have_no_age, .fini = stop_agent,
     .timeout = 300)
{
	struct two_files files = { 0 };
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry;
	uint64_t first_ino, second_ino;
	char parent[] = "/tmp/mapwatch-agent-preexisting.XXXXXX";

	cr_assert_not_null(mkdtemp(parent));
	snprintf(files.dir, sizeof(files.dir), "%s", parent);
	snprintf(files.first, sizeof(files.first), "%s/before-agent.index", files.dir);
	snprintf(files.second, sizeof(files.second), "%s/after-agent.index", files.dir);
	scenario__start(&scenario, two_file_steps, &files);
	first_ino = scenario__step(&scenario, STEP_MAP_BOTH_UNLINK_FIRST);
	second_ino = scenario__step(&scenario, STEP_SECOND_INODE);

	harness__start_agent();
	harness__require_agent();
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, first_ino), 1);
	cr_assert_eq(truth__count_inode(&truth, second_ino), 0);
	truth__expect_ages(entry, first_ino, false, 0);
	truth__free(&truth);
	json_decref(snapshot);

	scenario__step(&scenario, STEP_UNLINK_SECOND);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, first_ino), 1);
	cr_assert_eq(truth__count_inode(&truth, second_ino), 1);
	truth__expect_ages(entry, first_ino, false, 0);
	truth__expect_ages(entry, second_ino, true, AGE_LIMIT_SECONDS);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(files.dir);
}
