// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings made before the agent started: this executable starts its one agent
 * inside the test, after the child has mapped two files and unlinked one.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

/*
 * Pieces of one mapping read from /proc, told apart by what the maps text
 * does not show: whether a later mprotect merges them back is the kernel's
 * call on that hidden state, which the agent must read, not guess.
 */
enum { STEP_SPLIT_AND_UNLINK, STEP_PROTECT_AND_BACK, STEP_FORK };

#define SPLIT_PAGES 4

struct split_mapping {
	char path[PATH_MAX + 64];
	int flags; /* MAP_SHARED: pieces kept apart by VM_DONTDUMP; MAP_PRIVATE: by VM_ACCOUNT */
	bool lock; /* kept apart by VM_LOCKED instead, and unlocked */
	bool dontfork; /* kept apart by VM_DONTCOPY instead (MAP_SHARED), then a fork */
	char *address;
	size_t page;
};

static int split_steps(void *state, int step, uint64_t *value)
{
	struct split_mapping *split = state;
	int fd;

	switch (step) {
	case STEP_SPLIT_AND_UNLINK:
		split->page = (size_t)sysconf(_SC_PAGESIZE);
		fd = scenario__create_file(split->path, SPLIT_PAGES * split->page);
		if (fd < 0)
			return fd;
		split->address =
			mmap(NULL, SPLIT_PAGES * split->page, PROT_READ, split->flags, fd, 0);
		if (split->address == MAP_FAILED || scenario__inode(fd, value)) {
			close(fd);
			return -EIO;
		}
		close(fd);
		/* page 1 apart, for a reason the maps text does not show */
		if (split->lock)
			return raw_mlock(split->address + split->page, split->page) ||
					       unlink(split->path)
				       ? -errno
				       : 0;
		if (split->flags & MAP_SHARED
			    ? madvise(split->address + split->page, split->page,
				      split->dontfork ? MADV_DONTFORK : MADV_DONTDUMP)
			    : mprotect(split->address + split->page, split->page,
				       PROT_READ | PROT_WRITE) ||
				      mprotect(split->address + split->page, split->page,
					       PROT_READ))
			return -errno;
		return unlink(split->path) ? -errno : 0;
	case STEP_FORK: {
		pid_t child = fork();

		if (child < 0)
			return -errno;
		if (child == 0) {
			/* holds still, and dies with its parent */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		*value = (uint64_t)child;
		return 0;
	}
	case STEP_PROTECT_AND_BACK:
		/* unlocked, page 1 is like its neighbours again: the kernel merges all three */
		if (split->lock)
			return raw_munlock(split->address + split->page, split->page) ? -errno : 0;
		/*
		 * Page 0 back to read-only beside page 1: shared, it stays apart
		 * (page 1 is VM_DONTDUMP); private, both are charged now, and the
		 * kernel merges them.
		 */
		if (mprotect(split->address, split->page, PROT_READ | PROT_WRITE) ||
		    mprotect(split->address, split->page, PROT_READ))
			return -errno;
		return 0;
	}
	return -EINVAL;
}

static void seeded_pieces_follow_the_kernel(int flags, bool lock, size_t pieces_before,
					    size_t pieces_after)
{
	struct split_mapping split = { .flags = flags, .lock = lock };
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot;
	uint64_t ino;
	char dir[] = "/tmp/mapwatch-agent-preexisting.XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	snprintf(split.path, sizeof(split.path), "%s/split.index", dir);
	scenario__start(&scenario, split_steps, &split);
	ino = scenario__step(&scenario, STEP_SPLIT_AND_UNLINK);

	harness__start_agent();
	harness__require_agent();
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, ino), pieces_before);
	truth__free(&truth);
	json_decref(snapshot);

	scenario__step(&scenario, STEP_PROTECT_AND_BACK);
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, ino), pieces_after);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(dir);
}

Test(agent_preexisting, seeded_pieces_apart_for_hidden_flags_stay_apart, .fini = stop_agent,
     .timeout = 300)
{
	seeded_pieces_follow_the_kernel(MAP_SHARED, false, 3, 3);
}

Test(agent_preexisting, seeded_pieces_the_kernel_merges_are_merged, .fini = stop_agent,
     .timeout = 300)
{
	seeded_pieces_follow_the_kernel(MAP_PRIVATE, false, 3, 2);
}

Test(agent_preexisting, seeded_pieces_unlocked_are_merged, .fini = stop_agent, .timeout = 300)
{
	seeded_pieces_follow_the_kernel(MAP_SHARED, true, 3, 1);
}

/*
 * A process read from /proc, whose page 1 is MADV_DONTFORK (which the maps
 * text does not show), forks: the child has pages 0 and 2-3 only.
 */
Test(agent_preexisting, the_child_of_a_process_read_from_proc_lacks_its_dontfork_pages,
     .fini = stop_agent, .timeout = 300)
{
	struct split_mapping split = { .flags = MAP_SHARED, .dontfork = true };
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot;
	uint64_t ino;
	pid_t child;
	char dir[] = "/tmp/mapwatch-agent-preexisting.XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	snprintf(split.path, sizeof(split.path), "%s/split.index", dir);
	scenario__start(&scenario, split_steps, &split);
	ino = scenario__step(&scenario, STEP_SPLIT_AND_UNLINK);

	harness__start_agent();
	harness__require_agent();
	json_decref(harness__fresh_snapshot());
	child = (pid_t)scenario__step(&scenario, STEP_FORK);
	snapshot = harness__fresh_snapshot();
	truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, ino), 3);
	truth__free(&truth);
	truth__check(snapshot, child, &truth);
	cr_assert_eq(truth__count_inode(&truth, ino), 2);
	truth__free(&truth);
	json_decref(snapshot);
	kill(child, SIGKILL);
	scenario__stop(&scenario);
	harness__remove_tree(dir);
}
