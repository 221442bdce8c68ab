// SPDX-License-Identifier: GPL-2.0
/* Resize remaps, stale mappings, memory that is never a file mapping, and the textfile. */
#include <criterion/criterion.h>
#include <stdbool.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

#define RESIZE_CYCLES 7
#define STALE_MAPPING_BYTES (1u << 20)
#define SPECIAL_BYTES (64u << 10)

enum {
	STEP_RESIZE_CYCLES,
	STEP_STALE,
	STEP_SPECIAL_MEMORY,
	STEP_ORPHAN,
};

struct counted {
	char dir[PATH_MAX];
	char path[PATH_MAX + 64];
	size_t page;
};

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_counts, .init = setup);

/* The Kafka index resize: truncate to a new size and map again, the old mapping left live. */
static int resize_cycles_step(struct counted *state)
{
	int fd = scenario__create_file(state->path, state->page);

	if (fd < 0)
		return fd;
	if (!scenario__map_file(fd, state->page, 0))
		return -errno;
	for (size_t cycle = 1; cycle <= RESIZE_CYCLES; cycle++) {
		size_t size = (cycle + 1) * state->page;

		/* growing: no older mapping reaches past the end, none is stale */
		if (ftruncate(fd, (off_t)size))
			return -errno;
		if (!scenario__map_file(fd, size, 0))
			return -errno;
	}
	close(fd);
	return 0;
}

static int stale_step(struct counted *state)
{
	int fd = scenario__create_file(state->path, STALE_MAPPING_BYTES);

	if (fd < 0)
		return fd;
	if (!scenario__map_file(fd, STALE_MAPPING_BYTES, 0))
		return -errno;
	if (ftruncate(fd, 4096))
		return -errno;
	close(fd);
	return 0;
}

static int special_memory_step(uint64_t *memfd_ino)
{
	int memfd = memfd_create("mapwatch-test", MFD_CLOEXEC);
	void *shared;
	int shm_id;
	int err;

	if (memfd < 0 || ftruncate(memfd, SPECIAL_BYTES))
		return -errno;
	if (!scenario__map_file(memfd, SPECIAL_BYTES, 0))
		return -errno;
	err = scenario__inode(memfd, memfd_ino);
	close(memfd);
	if (err)
		return err;
	shared = mmap(NULL, SPECIAL_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	if (shared == MAP_FAILED)
		return -errno;
	shm_id = shmget(IPC_PRIVATE, SPECIAL_BYTES, IPC_CREAT | 0600);
	if (shm_id < 0)
		return -errno;
	shared = shmat(shm_id, NULL, 0);
	err = shared == (void *)-1 ? -errno : 0;
	/* removed now, it lives while attached: /proc says "/SYSV... (deleted)" */
	shmctl(shm_id, IPC_RMID, NULL);
	return err;
}

static int orphan_step(struct counted *state, uint64_t *ino)
{
	int fd = scenario__create_file(state->path, 256u << 10);
	int err;

	if (fd < 0)
		return fd;
	if (!scenario__map_file(fd, 256u << 10, 0))
		return -errno;
	err = scenario__inode(fd, ino);
	close(fd);
	if (!err && unlink(state->path))
		err = -errno;
	return err;
}

static int count_steps(void *state, int step, uint64_t *value)
{
	switch (step) {
	case STEP_RESIZE_CYCLES:
		return resize_cycles_step(state);
	case STEP_STALE:
		return stale_step(state);
	case STEP_SPECIAL_MEMORY:
		return special_memory_step(value);
	case STEP_ORPHAN:
		return orphan_step(state, value);
	}
	return -EINVAL;
}

static void start(struct counted *state, struct scenario *scenario, const char *name)
{
	memset(state, 0, sizeof(*state));
	state->page = (size_t)sysconf(_SC_PAGESIZE);
	harness__make_dir(harness__work_dir(), state->dir, sizeof(state->dir));
	snprintf(state->path, sizeof(state->path), "%s/%s", state->dir, name);
	scenario__start(scenario, count_steps, state);
}

static json_int_t field(json_t *entry, const char *name)
{
	json_t *value = json_object_get(entry, name);

	cr_assert(json_is_integer(value), "no integer %s in the entry", name);
	return json_integer_value(value);
}

Test(agent_counts, seven_truncate_and_map_again_cycles_are_seven_resize_remaps)
{
	struct counted state;
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry;

	start(&state, &scenario, "00000000000000000000.index");
	scenario__step(&scenario, STEP_RESIZE_CYCLES);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_not_null(entry, "a process with resize remaps must be listed");
	cr_assert_eq(field(entry, "resize_remaps"), RESIZE_CYCLES);
	cr_assert_eq(field(entry, "stale_mappings"), 0);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}

Test(agent_counts, mapping_past_the_end_of_a_truncated_file_is_stale)
{
	struct counted state;
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry;

	start(&state, &scenario, "00000000000000000000.log");
	scenario__step(&scenario, STEP_STALE);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_not_null(entry, "a process with a stale mapping must be listed");
	cr_assert_eq(field(entry, "stale_mappings"), 1);
	cr_assert_eq(field(entry, "resize_remaps"), 0);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}

Test(agent_counts, memfd_shared_anonymous_and_sysv_shm_are_never_counted)
{
	struct counted state;
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry, *orphan;
	uint64_t memfd_ino;
	size_t index;

	start(&state, &scenario, "unused");
	memfd_ino = scenario__step(&scenario, STEP_SPECIAL_MEMORY);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_eq(truth__count_inode(&truth, memfd_ino), 0);
	if (entry) {
		cr_assert_eq(truth__snapshot_count_inode(entry, memfd_ino), 0, "memfd counted");
		cr_assert_eq(field(entry, "resize_remaps"), 0);
		cr_assert_eq(field(entry, "stale_mappings"), 0);
		json_array_foreach(json_object_get(entry, "orphans"), index, orphan)
		{
			const char *path = json_string_value(json_object_get(orphan, "path"));

			cr_assert(strncmp(path, "/memfd:", 7) && strncmp(path, "/SYSV", 5) &&
					  strcmp(path, "/dev/zero"),
				  "%s counted as an orphaned file mapping", path);
		}
	}
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}

/* The child's orphan is in the textfile too, with the numbers /proc gives. */
Test(agent_counts, textfile_per_process_series_match_proc)
{
	struct counted state;
	struct scenario scenario;
	struct truth truth;
	json_t *snapshot, *entry;
	char labels[128];
	double mappings = -1, bytes = -1;

	start(&state, &scenario, "00000000000000000000.index");
	scenario__step(&scenario, STEP_ORPHAN);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_not_null(entry);
	snprintf(labels, sizeof(labels), "pid=\"%d\",comm=\"%s\"", scenario.pid,
		 json_string_value(json_object_get(entry, "comm")));
	cr_assert(harness__textfile_sample("mapwatch_process_orphaned_mappings", labels, &mappings),
		  "no mapwatch_process_orphaned_mappings{%s}", labels);
	cr_assert(harness__textfile_sample("mapwatch_process_orphaned_bytes", labels, &bytes),
		  "no mapwatch_process_orphaned_bytes{%s}", labels);
	cr_assert_eq((uint64_t)mappings, truth.summary.orphaned_mappings);
	cr_assert_eq((uint64_t)bytes, truth.summary.orphaned_bytes);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}

Test(agent_counts, textfile_passes_promtool_check_metrics)
{
	char command[PATH_MAX + 64], output[4096];
	size_t length;
	json_t *snapshot;
	FILE *promtool;
	int status;

	snapshot = harness__fresh_snapshot();
	snprintf(command, sizeof(command), "promtool check metrics < '%s' 2>&1",
		 harness__textfile_path());
	promtool = popen(command, "r");
	cr_assert_not_null(promtool, "cannot run promtool: %s", strerror(errno));
	length = fread(output, 1, sizeof(output) - 1, promtool);
	output[length] = '\0';
	status = pclose(promtool);
	cr_assert(WIFEXITED(status), "promtool did not run to the end:\n%s", output);
	/*
	 * deploy/reference.md ("Metrics") keeps the names mapwatch_max_map_count
	 * and mapwatch_process_map_count, which the linter's _count rule flags
	 * (exit 3: lint only). Any other finding, or a parse error, fails.
	 */
	for (char *line = strtok(output, "\n"); line; line = strtok(NULL, "\n")) {
		bool known =
			strstr(line,
			       "map_count non-histogram and non-summary metrics should not have \"_count\" suffix") !=
			NULL;

		cr_expect(known, "promtool: %s", line);
	}
	cr_assert(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3,
		  "promtool check metrics: exit status %d", WEXITSTATUS(status));
	json_decref(snapshot);
}
