// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Replacing a file so that no reader ever sees it half written. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "atomic_file.h"
#include "snapshot_fixture.h"

TestSuite(atomic_file, .fini = snapshot_fixture__remove_temp_dir);

static int write_text(FILE *file, void *ctx)
{
	return fputs(ctx, file) == EOF ? -EIO : 0;
}

static int fail_halfway(FILE *file, void *ctx)
{
	(void)ctx;
	fputs("half of it", file);
	return -EPROTO;
}

/* Writes a first part, makes sure it reached the temp file, then dies by SIGKILL. */
static int die_halfway(FILE *file, void *ctx)
{
	(void)ctx;
	fputs("new content, first half", file);
	fflush(file);
	raise(SIGKILL);
	return 0;
}

static char *slurp(const char *path)
{
	static char buffer[4096];
	FILE *file = fopen(path, "r");
	size_t length;

	cr_assert_not_null(file, "%s: %s", path, strerror(errno));
	length = fread(buffer, 1, sizeof(buffer) - 1, file);
	buffer[length] = '\0';
	fclose(file);
	return buffer;
}

/* Files in @dir other than @except: temp files left behind. */
static int strays(const char *dir, const char *except)
{
	DIR *listing = opendir(dir);
	struct dirent *entry;
	int count = 0;

	cr_assert_not_null(listing);
	while ((entry = readdir(listing)))
		if (entry->d_name[0] != '.' && strcmp(entry->d_name, except) != 0)
			count++;
	closedir(listing);
	return count;
}

static const char *target(const char *name)
{
	static char path[160];

	snprintf(path, sizeof(path), "%s/%s", snapshot_fixture__temp_dir(), name);
	return path;
}

Test(atomic_file, writes_content_with_mode_0644_and_no_temp_left)
{
	const char *path = target("metrics.prom");
	struct stat st;

	umask(077);
	cr_assert_eq(atomic_file__write(path, write_text, "one\n"), 0);
	cr_assert_str_eq(slurp(path), "one\n");
	cr_assert_eq(atomic_file__write(path, write_text, "two\n"), 0);
	cr_assert_str_eq(slurp(path), "two\n");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	cr_assert_eq(strays(snapshot_fixture__temp_dir(), "metrics.prom"), 0);
}

Test(atomic_file, writer_error_keeps_the_old_file_and_removes_the_temp)
{
	const char *path = target("snapshot.json");

	cr_assert_eq(atomic_file__write(path, write_text, "old"), 0);
	cr_assert_eq(atomic_file__write(path, fail_halfway, NULL), -EPROTO);
	cr_assert_str_eq(slurp(path), "old");
	cr_assert_eq(strays(snapshot_fixture__temp_dir(), "snapshot.json"), 0);
}

Test(atomic_file, missing_directory_is_enoent)
{
	cr_assert_eq(atomic_file__write(target("nowhere/file"), write_text, "x"), -ENOENT);
}

Test(atomic_file, directory_replaced_by_a_file_is_enotdir)
{
	const char *blocker = target("blocker");
	char path[200];

	cr_assert_eq(atomic_file__write(blocker, write_text, "a file, not a directory"), 0);
	snprintf(path, sizeof(path), "%s/metrics.prom", blocker);
	cr_assert_eq(atomic_file__write(path, write_text, "x"), -ENOTDIR);
	cr_assert_str_eq(slurp(blocker), "a file, not a directory");
}

Test(atomic_file, target_that_is_a_directory_fails_cleanly)
{
	const char *path = target("a-directory");

	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(atomic_file__write(path, write_text, "x"), -EISDIR);
	cr_assert_eq(strays(snapshot_fixture__temp_dir(), "a-directory"), 0);
}

Test(atomic_file, sigkill_mid_write_leaves_the_old_file_whole)
{
	const char *path = target("killed.json");
	int status;
	pid_t child;

	cr_assert_eq(atomic_file__write(path, write_text, "{\"old\": true}\n"), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		atomic_file__write(path, die_halfway, NULL);
		_exit(0);
	}
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert_str_eq(slurp(path), "{\"old\": true}\n");
}

/* What a writer killed mid-write leaves goes at the next start; nothing else does. */
Test(atomic_file, stale_temp_files_of_the_path_and_only_those_are_removed)
{
	static const char *const stale[] = { "metrics.prom.tmp.a1B2c3", "metrics.prom.tmp.ZZZZZZ" };
	static const char *const kept[] = {
		"metrics.prom",		 "metrics.prom.tmp.short", "metrics.prom.tmp.toolong7",
		"other.prom.tmp.a1B2c3", "metrics.prom.bak",	   "xmetrics.prom.tmp.a1B2c3"
	};

	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		close(open(target(stale[i]), O_CREAT | O_WRONLY, 0600));
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		close(open(target(kept[i]), O_CREAT | O_WRONLY, 0600));
	cr_assert_eq(atomic_file__remove_stale(target("metrics.prom")), 2);
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		cr_assert_neq(access(target(stale[i]), F_OK), 0, "%s is still there", stale[i]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		cr_assert_eq(access(target(kept[i]), F_OK), 0, "%s was removed", kept[i]);
	cr_assert_eq(atomic_file__remove_stale("/nonexistent-dir/metrics.prom"), -ENOENT);
}
