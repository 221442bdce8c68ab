// SPDX-License-Identifier: GPL-2.0
/*
 * Churn on ext4, where a freed inode number goes to the next new file at
 * once: short-lived processes map a file, unlink it and exit, while others
 * create files, map and unlink them and stay. Every orphan of the ones that
 * stay must be in the agent's view, whatever the agent did with the inode
 * number of the file that went just before.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "truth_check.h"

/* streams of (transient, holder) pairs run side by side, as on a busy host */
#define STREAMS 6
#define ROUNDS_PER_STREAM 100
#define ROUNDS (STREAMS * ROUNDS_PER_STREAM)
#define FILE_BYTES (16u << 10)
#define EXT4_MAGIC 0xef53

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_churn, .init = setup, .timeout = 240);

/* In a child: creates path, maps it, unlinks it; 0 or the failing step's errno. */
static int map_and_unlink(const char *path, void **mapping, ino_t *ino)
{
	struct stat status;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0 || ftruncate(fd, FILE_BYTES) || fstat(fd, &status))
		return errno;
	*mapping = mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (*mapping == MAP_FAILED || unlink(path))
		return errno;
	*ino = status.st_ino;
	return 0;
}

/*
 * A child that maps a file and unlinks it, reports the inode, then exits at
 * once (freeing the number) or, holding, stays with its orphan.
 */
static pid_t start_mapper(const char *path, bool holding, ino_t *ino)
{
	int ready[2];
	pid_t child;

	cr_assert_eq(pipe(ready), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		void *mapping;
		ino_t own = 0;

		close(ready[0]);
		if (map_and_unlink(path, &mapping, &own))
			_exit(1);
		if (write(ready[1], &own, sizeof(own)) != sizeof(own))
			_exit(1);
		if (holding)
			pause();
		_exit(0);
	}
	close(ready[1]);
	cr_assert_eq(read(ready[0], ino, sizeof(*ino)), sizeof(*ino), "mapper %d failed", child);
	close(ready[0]);
	return child;
}

/*
 * One stream, in its own process: rounds of a transient mapper and then a
 * holder; writes the holders' pids and inodes, and how many got the number
 * their transient freed, to the pipe.
 */
static void run_stream(const char *dir, int stream, int out)
{
	char path[PATH_MAX + 64];
	size_t reused = 0;

	for (int i = 0; i < ROUNDS_PER_STREAM; i++) {
		ino_t transient_inode, holder_inode;
		pid_t transient, holder;

		snprintf(path, sizeof(path), "%s/transient-%d-%d.index", dir, stream, i);
		transient = start_mapper(path, false, &transient_inode);
		if (waitpid(transient, NULL, 0) != transient)
			_exit(1);
		snprintf(path, sizeof(path), "%s/00000000000000000000.index-%d-%d", dir, stream, i);
		holder = start_mapper(path, true, &holder_inode);
		reused += holder_inode == transient_inode;
		if (write(out, &holder, sizeof(holder)) != sizeof(holder) ||
		    write(out, &holder_inode, sizeof(holder_inode)) != sizeof(holder_inode))
			_exit(1);
	}
	if (write(out, &reused, sizeof(reused)) != sizeof(reused))
		_exit(1);
	/* the holders are this process's children: stay their parent until killed */
	pause();
	_exit(0);
}

Test(agent_churn, orphans_of_processes_that_reuse_freed_inode_numbers_are_all_seen)
{
	static pid_t holders[ROUNDS];
	static ino_t holder_inodes[ROUNDS];
	pid_t streams[STREAMS];
	size_t missing = 0, reused = 0;
	char dir[PATH_MAX];
	struct statfs filesystem;
	json_t *snapshot;

	harness__make_dir(harness__work_dir(), dir, sizeof(dir));
	cr_assert_eq(statfs(dir, &filesystem), 0);
	for (int s = 0; s < STREAMS; s++) {
		int report[2];

		cr_assert_eq(pipe(report), 0);
		streams[s] = fork();
		cr_assert_geq(streams[s], 0);
		if (streams[s] == 0) {
			close(report[0]);
			run_stream(dir, s, report[1]);
		}
		close(report[1]);
		/* read later, all streams running meanwhile */
		holders[s] = report[0];
	}
	for (int s = STREAMS - 1; s >= 0; s--) {
		int report = holders[s];
		size_t stream_reused = 0;

		for (int i = 0; i < ROUNDS_PER_STREAM; i++) {
			int index = s * ROUNDS_PER_STREAM + i;

			cr_assert_eq(read(report, &holders[index], sizeof(holders[index])),
				     sizeof(holders[index]), "stream %d failed", s);
			cr_assert_eq(
				read(report, &holder_inodes[index], sizeof(holder_inodes[index])),
				sizeof(holder_inodes[index]));
		}
		cr_assert_eq(read(report, &stream_reused, sizeof(stream_reused)),
			     sizeof(stream_reused));
		reused += stream_reused;
		close(report);
	}
	cr_log_info("%zu of %d holders got the number the process before them freed", reused,
		    ROUNDS);
	if (filesystem.f_type == EXT4_MAGIC)
		cr_assert_gt(reused, 0, "ext4 reused no inode number: the test proves nothing");
	snapshot = harness__fresh_snapshot();
	/* one more interval: anything the audit repairs is in the next one */
	json_decref(snapshot);
	snapshot = harness__fresh_snapshot();
	for (int i = 0; i < ROUNDS; i++) {
		json_t *entry = harness__snapshot_process(snapshot, holders[i]);

		if (!entry || truth__snapshot_count_inode(entry, holder_inodes[i]) != 1) {
			struct truth truth;

			truth__read(holders[i], &truth);
			cr_assert_eq(truth__count_inode(&truth, holder_inodes[i]), 1,
				     "/proc does not show holder %d's orphan", holders[i]);
			truth__free(&truth);
			missing++;
			cr_log_error("holder %d: orphan of inode %llu missing", holders[i],
				     (unsigned long long)holder_inodes[i]);
		}
	}
	for (int s = 0; s < STREAMS; s++)
		kill(streams[s], SIGKILL);
	for (int i = 0; i < ROUNDS; i++)
		kill(holders[i], SIGKILL);
	for (int s = 0; s < STREAMS; s++)
		waitpid(streams[s], NULL, 0);
	json_decref(snapshot);
	harness__remove_tree(dir);
	cr_assert_eq(missing, 0, "%zu of %d orphans missing from the agent's view", missing,
		     ROUNDS);
}
