// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * proc_maps against mappings this test makes itself, read from a stopped child
 * so that nothing moves between the readings. Needs root: map_files wants
 * CAP_SYS_ADMIN.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc_maps.h"
#include "proc_scan.h"
#include "proc_truth.h"
#include "sysctl.h"
#include "tracker.h"

#define PAGES 3

static char dir[] = "/tmp/mapwatch-proc-test-XXXXXX";
static size_t page;

struct mapping {
	const char *what;
	void *address;
	size_t length;
	struct stat st; /* of the file, where there is one */
};

enum { FILE_MAP, DELETED_MAP, HARDLINK_MAP, NEWLINE_MAP, MEMFD_MAP, ANON_MAP, ZERO_MAP, MAPPINGS };
static struct mapping mappings[MAPPINGS];
static char paths[MAPPINGS][PATH_MAX];

static void *map_new_file(int index, const char *name, int pages, int flags)
{
	int fd;

	snprintf(paths[index], PATH_MAX, "%s/%s", dir, name);
	fd = open(paths[index], O_RDWR | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0, "create %s: %s", paths[index], strerror(errno));
	cr_assert_eq(ftruncate(fd, pages * page), 0);
	mappings[index].address = mmap(NULL, PAGES * page, PROT_READ, flags, fd, 0);
	cr_assert_neq(mappings[index].address, MAP_FAILED);
	mappings[index].length = PAGES * page;
	cr_assert_eq(fstat(fd, &mappings[index].st), 0);
	close(fd);
	return mappings[index].address;
}

static void make_mappings(void)
{
	char link_name[PATH_MAX];
	int fd;

	page = sysconf(_SC_PAGESIZE);
	cr_assert_not_null(mkdtemp(dir));
	mappings[FILE_MAP].what = "file";
	map_new_file(FILE_MAP, "data file with spaces.bin", PAGES, MAP_SHARED);
	mappings[DELETED_MAP].what = "deleted file";
	map_new_file(DELETED_MAP, "00000000000000461285.index", PAGES, MAP_SHARED);
	cr_assert_eq(unlink(paths[DELETED_MAP]), 0);
	/* one name goes, another stays: marked deleted but not orphaned */
	mappings[HARDLINK_MAP].what = "hard link";
	map_new_file(HARDLINK_MAP, "linked", PAGES, MAP_PRIVATE);
	snprintf(link_name, sizeof(link_name), "%s/other-name", dir);
	cr_assert_eq(link(paths[HARDLINK_MAP], link_name), 0);
	cr_assert_eq(unlink(paths[HARDLINK_MAP]), 0);
	/* shorter file than the mapping: a stale mapping, size must say so */
	mappings[NEWLINE_MAP].what = "newline in name";
	map_new_file(NEWLINE_MAP, "new\nline", 1, MAP_SHARED);

	mappings[MEMFD_MAP].what = "memfd";
	fd = memfd_create("ring", 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, PAGES * page), 0);
	mappings[MEMFD_MAP].address = mmap(NULL, PAGES * page, PROT_READ, MAP_SHARED, fd, 0);
	mappings[MEMFD_MAP].length = PAGES * page;
	close(fd);
	mappings[ANON_MAP].what = "anonymous";
	/* PROT_NONE keeps it from merging with the anonymous neighbours malloc leaves */
	mappings[ANON_MAP].address =
		mmap(NULL, PAGES * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mappings[ANON_MAP].length = PAGES * page;
	mappings[ZERO_MAP].what = "shared anonymous";
	mappings[ZERO_MAP].address =
		mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mappings[ZERO_MAP].length = PAGES * page;
	for (int i = 0; i < MAPPINGS; i++)
		cr_assert_neq(mappings[i].address, MAP_FAILED, "%s", mappings[i].what);
}

static pid_t child;

/* A child holding copies of all our mappings, asleep until killed. */
static pid_t spawn_sleeper(const char *name)
{
	int ready[2];
	char byte;
	pid_t pid;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	cr_assert_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return pid;
}

static void setup(void)
{
	make_mappings();
	child = spawn_sleeper("mw-sleeper");
}

static void teardown(void)
{
	char command[PATH_MAX + 16];

	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	if (system(command) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static const struct mw_vma *find(const struct mw_vma *vmas, size_t count, const void *address)
{
	uint64_t at = (uintptr_t)address;

	for (size_t i = 0; i < count; i++)
		if (vmas[i].start <= at && at < vmas[i].end)
			return &vmas[i];
	return NULL;
}

static void check_known_mappings(unsigned int flags)
{
	struct mw_proc_maps_stats stats;
	const struct mw_vma *vma;
	struct mw_vma *vmas;
	size_t count;

	cr_assert_eq(proc_maps__read(child, flags, &vmas, &count, &stats), 0);
	cr_assert_eq(stats.used_query, !!(flags & MW_PROC_MAPS_QUERY));
	cr_assert_eq(stats.stat_failures, 0);
	cr_assert_geq(stats.map_count, count);

	for (int i = FILE_MAP; i <= NEWLINE_MAP; i++) {
		const struct mapping *mapping = &mappings[i];

		vma = find(vmas, count, mapping->address);
		cr_assert_not_null(vma, "%s not found", mapping->what);
		cr_assert_eq(vma->start, (uintptr_t)mapping->address, "%s", mapping->what);
		cr_assert_eq(vma->end, (uintptr_t)mapping->address + mapping->length);
		cr_assert_eq(vma->kind, MW_VMA_FILE, "%s", mapping->what);
		cr_assert_eq(vma->ino, mapping->st.st_ino);
		cr_assert_eq(vma->dev, major(mapping->st.st_dev) << 20 | minor(mapping->st.st_dev));
		cr_assert_eq(vma->offset, 0);
		cr_assert_eq(vma->prot, PROT_READ);
		cr_assert(vma->file_stat_known, "%s", mapping->what);
		cr_assert_eq(vma->file_size, mapping->st.st_size, "%s", mapping->what);
	}
	vma = find(vmas, count, mappings[FILE_MAP].address);
	cr_assert_str_eq(vma->path, paths[FILE_MAP]);
	cr_assert_not(vma->deleted);
	cr_assert_eq(vma->nlink, 1);
	cr_assert(vma->shared);
	cr_assert_not(proc_maps__is_orphaned(vma));

	vma = find(vmas, count, mappings[DELETED_MAP].address);
	cr_assert_str_eq(vma->path, paths[DELETED_MAP]);
	cr_assert(vma->deleted);
	cr_assert_eq(vma->nlink, 0);
	cr_assert(proc_maps__is_orphaned(vma));

	vma = find(vmas, count, mappings[HARDLINK_MAP].address);
	cr_assert(vma->deleted);
	cr_assert_eq(vma->nlink, 1);
	cr_assert_not(vma->shared);
	cr_assert_not(proc_maps__is_orphaned(vma));

	/* the text file escapes the newline; both readers must spell it that way */
	vma = find(vmas, count, mappings[NEWLINE_MAP].address);
	cr_assert_str_eq(strrchr(vma->path, '/'), "/new\\012line");
	cr_assert_eq(vma->file_size, page);

	vma = find(vmas, count, mappings[MEMFD_MAP].address);
	cr_assert_not_null(vma);
	cr_assert_eq(vma->kind, MW_VMA_SPECIAL_FILE);
	cr_assert_str_eq(vma->path, "/memfd:ring");
	cr_assert(vma->deleted);
	cr_assert_not(proc_maps__is_orphaned(vma));

	vma = find(vmas, count, mappings[ZERO_MAP].address);
	cr_assert_not_null(vma);
	cr_assert_eq(vma->kind, MW_VMA_SPECIAL_FILE);
	cr_assert_str_eq(vma->path, "/dev/zero");
	cr_assert_not(proc_maps__is_orphaned(vma));

	vma = find(vmas, count, mappings[ANON_MAP].address);
	if (flags & MW_PROC_MAPS_FILES_ONLY) {
		cr_assert_null(vma);
		for (size_t i = 0; i < count; i++)
			cr_assert_neq(vmas[i].kind, MW_VMA_ANONYMOUS);
	} else {
		cr_assert_not_null(vma);
		cr_assert_eq(vma->kind, MW_VMA_ANONYMOUS);
		cr_assert_eq(vma->prot, 0);
		cr_assert_str_eq(vma->path, "");
	}
	free(vmas);
}

TestSuite(proc_maps_live, .init = setup, .fini = teardown);

Test(proc_maps_live, query_reads_the_known_mappings)
{
	cr_assert(proc_maps__query_supported(), "this kernel (6.11+) should answer PROCMAP_QUERY");
	check_known_mappings(MW_PROC_MAPS_QUERY);
	check_known_mappings(MW_PROC_MAPS_QUERY | MW_PROC_MAPS_FILES_ONLY);
}

Test(proc_maps_live, text_reads_the_known_mappings)
{
	check_known_mappings(0);
	check_known_mappings(MW_PROC_MAPS_FILES_ONLY);
}

/* Lines of /proc/PID/maps, counted independently of the parser. */
static uint64_t count_lines(pid_t pid)
{
	char name[64], *line = NULL;
	size_t capacity = 0;
	uint64_t lines = 0;
	FILE *file;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	file = fopen(name, "r");
	cr_assert_not_null(file);
	while (getline(&line, &capacity, file) > 0)
		if (!strstr(line, "[vsyscall]"))
			lines++;
	free(line);
	fclose(file);
	return lines;
}

Test(proc_maps_live, text_and_query_agree_exactly)
{
	struct mw_proc_maps_stats text_stats, query_stats;
	struct mw_vma *text, *query;
	size_t text_count, query_count;

	cr_assert_eq(proc_maps__read(child, 0, &text, &text_count, &text_stats), 0);
	cr_assert_not(text_stats.used_query, "a whole-process walk reads the text");
	cr_assert_eq(proc_maps__read(child, MW_PROC_MAPS_QUERY, &query, &query_count, &query_stats),
		     0);
	cr_assert(query_stats.used_query);
	cr_assert_eq(text_count, query_count);
	cr_assert_eq(text_stats.map_count, query_stats.map_count);
	cr_assert_eq(text_stats.map_count, count_lines(child));
	for (size_t i = 0; i < text_count; i++) {
		const struct mw_vma *a = &text[i], *b = &query[i];

		cr_assert_eq(a->start, b->start, "VMA %zu", i);
		cr_assert_eq(a->end, b->end, "VMA %zu", i);
		cr_assert_eq(a->offset, b->offset, "VMA %zu %s", i, a->path);
		cr_assert_eq(a->ino, b->ino, "VMA %zu", i);
		cr_assert_eq(a->dev, b->dev, "VMA %zu", i);
		cr_assert_eq(a->prot, b->prot, "VMA %zu", i);
		cr_assert_eq(a->shared, b->shared, "VMA %zu", i);
		cr_assert_eq(a->deleted, b->deleted, "VMA %zu", i);
		cr_assert_eq(a->kind, b->kind, "VMA %zu %s", i, a->path);
		cr_assert_eq(a->file_stat_known, b->file_stat_known, "VMA %zu", i);
		cr_assert_eq(a->nlink, b->nlink, "VMA %zu", i);
		cr_assert_eq(a->file_size, b->file_size, "VMA %zu", i);
		cr_assert_str_eq(a->path, b->path, "VMA %zu", i);
	}
	free(text);
	free(query);
}

/* Orphans under the test's directory; the test runner maps deleted /dev/shm arenas of its own. */
static size_t ours(const struct mw_vma *orphans, size_t count, uint64_t *bytes)
{
	size_t found = 0;

	*bytes = 0;
	for (size_t i = 0; i < count; i++) {
		if (strncmp(orphans[i].path, dir, strlen(dir)) == 0) {
			found++;
			*bytes += orphans[i].end - orphans[i].start;
		}
	}
	return found;
}

Test(proc_maps_live, truth_lists_only_the_orphan)
{
	struct mw_truth_summary summary;
	struct mw_vma *orphans;
	uint64_t bytes, all_bytes = 0;
	size_t count;

	cr_assert_eq(proc_truth__orphans(child, &orphans, &count, &summary), 0);
	cr_assert_eq(ours(orphans, count, &bytes), 1);
	cr_assert_eq(bytes, PAGES * page);
	for (size_t i = 0; i < count; i++) {
		cr_assert_eq(orphans[i].kind, MW_VMA_FILE);
		cr_assert(orphans[i].deleted);
		cr_assert_eq(orphans[i].nlink, 0);
		if (i > 0)
			cr_assert_gt(orphans[i].start, orphans[i - 1].start);
		if (orphans[i].start == (uintptr_t)mappings[DELETED_MAP].address)
			cr_assert_str_eq(orphans[i].path, paths[DELETED_MAP]);
		all_bytes += orphans[i].end - orphans[i].start;
	}
	cr_assert_eq(summary.orphaned_mappings, count);
	cr_assert_eq(summary.orphaned_bytes, all_bytes);
	cr_assert_eq(summary.map_count, count_lines(child));
	free(orphans);

	/* a partial unmap leaves pieces; each piece counts */
	cr_assert_eq(munmap((char *)mappings[DELETED_MAP].address + page, page), 0);
	cr_assert_eq(proc_truth__orphans(getpid(), &orphans, &count, &summary), 0);
	cr_assert_eq(ours(orphans, count, &bytes), 2);
	cr_assert_eq(bytes, 2 * page);
	free(orphans);
}

Test(proc_maps_live, stat_mapping_reaches_a_deleted_file)
{
	struct stat st;
	uintptr_t start = (uintptr_t)mappings[DELETED_MAP].address;

	cr_assert_eq(proc_maps__stat_mapping(child, start, start + PAGES * page, &st), 0);
	cr_assert_eq(st.st_ino, mappings[DELETED_MAP].st.st_ino);
	cr_assert_eq(st.st_nlink, 0);
	cr_assert_eq(proc_maps__stat_mapping(child, start, start + page, &st), -ENOENT);
}

Test(proc_maps_live, exited_processes_are_a_clean_esrch)
{
	struct mw_vma *vmas = (struct mw_vma *)1;
	size_t count = 1;

	/* a zombie: killed, not yet reaped */
	cr_assert_eq(kill(child, SIGKILL), 0);
	cr_assert_eq(waitid(P_PID, child, NULL, WEXITED | WNOWAIT), 0);
	cr_assert_eq(proc_maps__read(child, MW_PROC_MAPS_QUERY, &vmas, &count, NULL), -ESRCH);
	cr_assert_null(vmas);
	cr_assert_eq(count, 0);
	cr_assert_eq(proc_maps__read(child, 0, &vmas, &count, NULL), -ESRCH);
	/* reaped */
	cr_assert_eq(waitpid(child, NULL, 0), child);
	cr_assert_eq(proc_maps__read(child, MW_PROC_MAPS_QUERY, &vmas, &count, NULL), -ESRCH);
	cr_assert_eq(proc_maps__read(child, 0, &vmas, &count, NULL), -ESRCH);
	child = 0;
	cr_assert_eq(proc_maps__read(-1, 0, &vmas, &count, NULL), -EINVAL);
}

struct kill_midway {
	pid_t pid;
	size_t seen;
};

/* Kills the process being read after its first VMA and waits until it is dead. */
static int kill_after_first(const struct mw_vma *vma, void *ctx)
{
	struct kill_midway *midway = ctx;

	(void)vma;
	if (midway->seen++ == 0) {
		kill(midway->pid, SIGKILL);
		waitid(P_PID, midway->pid, NULL, WEXITED | WNOWAIT);
	}
	return 0;
}

Test(proc_maps_live, process_exiting_mid_read_is_esrch_not_a_short_list)
{
	unsigned int modes[] = { MW_PROC_MAPS_QUERY, 0 };

	for (size_t i = 0; i < 2; i++) {
		struct kill_midway midway = { .pid = spawn_sleeper("mw-victim") };
		int err;

		err = proc_maps__for_each(midway.pid, modes[i], kill_after_first, &midway, NULL);
		cr_assert_eq(err, -ESRCH, "mode %u: %d after %zu VMAs", modes[i], err, midway.seen);
		cr_assert_geq(midway.seen, 1);
		waitpid(midway.pid, NULL, 0);
	}
}

static void *sleep_forever(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return NULL;
}

/* A process whose main thread is gone while another thread keeps the address space. */
static pid_t spawn_leaderless(void)
{
	int ready[2];
	char byte;
	pid_t pid;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pthread_t thread;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pthread_create(&thread, NULL, sleep_forever, NULL))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pthread_exit(NULL);
	}
	close(ready[1]);
	cr_assert_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return pid;
}

/* How long the child is given to run its pthread_exit(): ample on a busy machine. */
#define ZOMBIE_DEADLINE_SECONDS 60

/* The leader's state turns Z once pthread_exit() has run. */
static void wait_for_zombie_leader(pid_t pid)
{
	time_t deadline = time(NULL) + ZOMBIE_DEADLINE_SECONDS;
	char name[64], buffer[256] = "";

	snprintf(name, sizeof(name), "/proc/%d/stat", (int)pid);
	while (time(NULL) < deadline) {
		FILE *file = fopen(name, "r");
		size_t length;

		cr_assert_not_null(file, "%s: %s", name, strerror(errno));
		length = fread(buffer, 1, sizeof(buffer) - 1, file);
		fclose(file);
		buffer[length] = '\0';
		if (strstr(buffer, ") Z "))
			return;
		usleep(1000);
	}
	cr_assert_fail("leader of %d not a zombie after %d s: %s", (int)pid,
		       ZOMBIE_DEADLINE_SECONDS, buffer);
}

Test(proc_maps_live, process_living_on_after_its_main_thread_exited)
{
	unsigned int modes[] = { MW_PROC_MAPS_QUERY, 0 };
	pid_t leaderless = spawn_leaderless();

	wait_for_zombie_leader(leaderless);
	for (size_t i = 0; i < 2; i++) {
		struct mw_proc_maps_stats stats;
		const struct mw_vma *vma;
		struct mw_vma *vmas;
		size_t count;

		cr_assert_eq(proc_maps__read(leaderless, modes[i], &vmas, &count, &stats), 0,
			     "mode %u", modes[i]);
		cr_assert_gt(stats.map_count, 0);
		vma = find(vmas, count, mappings[DELETED_MAP].address);
		cr_assert_not_null(vma, "mode %u", modes[i]);
		cr_assert(proc_maps__is_orphaned(vma));
		free(vmas);
	}
	kill(leaderless, SIGKILL);
	waitpid(leaderless, NULL, 0);
}

struct find_child {
	pid_t pid;
	bool found;
	char comm[MW_COMM_LEN];
	uint64_t map_count;
	size_t file_vmas;
};

/* Only the child is read; every VMA it has passes through one by one. */
static int look_for_child(const struct mw_proc_process *process, void *ctx)
{
	struct find_child *find = ctx;

	return process->pid == find->pid;
}

static int count_child_vma(const struct mw_vma *vma, void *ctx)
{
	struct find_child *find = ctx;

	cr_assert(vma->kind != MW_VMA_ANONYMOUS);
	find->file_vmas++;
	return 0;
}

static int found_child(const struct mw_proc_process *process, void *ctx)
{
	struct find_child *find = ctx;

	find->found = true;
	memcpy(find->comm, process->comm, sizeof(find->comm));
	find->map_count = process->stats.map_count;
	return 0;
}

static void child_walk_failed(const struct mw_proc_process *process, void *ctx)
{
	(void)ctx;
	cr_assert_fail("the walk of %d did not finish", (int)process->pid);
}

static const struct mw_proc_scan_handlers find_child_handlers = {
	.begin = look_for_child,
	.vma = count_child_vma,
	.end = found_child,
	.abandon = child_walk_failed,
};

Test(proc_maps_live, scan_finds_the_child_with_its_comm_and_map_count)
{
	struct find_child find = { .pid = child };
	struct mw_proc_scan_stats stats;

	cr_assert_eq(proc_scan__each(MW_PROC_MAPS_FILES_ONLY, &find_child_handlers, &find, &stats),
		     0);
	cr_assert(find.found);
	cr_assert_str_eq(find.comm, "mw-sleeper");
	cr_assert_eq(find.map_count, count_lines(child));
	cr_assert_lt(find.file_vmas, find.map_count);
	cr_assert_gt(find.file_vmas, 0);
	cr_assert_eq(stats.processes, 1, "only the child was read");
}

Test(proc_maps_live, max_map_count_matches_the_sysctl)
{
	uint64_t value, written;
	char name[PATH_MAX];
	FILE *file;

	cr_assert_eq(sysctl__max_map_count(&value), 0);
	file = fopen("/proc/sys/vm/max_map_count", "r");
	cr_assert_eq(fscanf(file, "%lu", &written), 1);
	fclose(file);
	cr_assert_eq(value, written);

	snprintf(name, sizeof(name), "%s/garbled", dir);
	file = fopen(name, "w");
	fputs("12ab\n", file);
	fclose(file);
	cr_assert_eq(sysctl__read_u64(name, &value), -EBADMSG);
	snprintf(name, sizeof(name), "%s/missing", dir);
	cr_assert_eq(sysctl__read_u64(name, &value), -ENOENT);
}

static const unsigned int both_readers[] = { MW_PROC_MAPS_QUERY, 0 };

/*
 * Creates directories under the test's directory so that @path, a file in the
 * deepest one, is exactly @length bytes long.
 */
static void make_deep_path(char *path, size_t length)
{
	size_t used = (size_t)snprintf(path, PATH_MAX, "%s/deep", dir);

	cr_assert_eq(mkdir(path, 0700) == 0 || errno == EEXIST, true);
	while (length - used > NAME_MAX) {
		memset(path + used, 'd', 201);
		path[used] = '/';
		used += 201;
		path[used] = '\0';
		cr_assert_eq(mkdir(path, 0700) == 0 || errno == EEXIST, true, "%s",
			     strerror(errno));
	}
	memset(path + used, 'f', length - used);
	path[used] = '/';
	path[length] = '\0';
}

/* Maps the whole of a new @pages-page file at @path in this process. */
static void *map_path(const char *path, int pages)
{
	void *address;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	cr_assert_geq(fd, 0, "create %.60s...: %s", path, strerror(errno));
	cr_assert_eq(ftruncate(fd, pages * page), 0);
	address = mmap(NULL, pages * page, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(address, MAP_FAILED);
	close(fd);
	return address;
}

static struct mw_vma *read_own(unsigned int flags, size_t *count)
{
	struct mw_vma *vmas;

	cr_assert_eq(proc_maps__read(getpid(), flags, &vmas, count, NULL), 0, "flags %u", flags);
	return vmas;
}

/*
 * With its " (deleted)", a path of 4086 bytes or more no longer fits the
 * ioctl's PATH_MAX buffer: the orphan must still be seen, with its whole path.
 */
Test(proc_maps_live, deleted_file_whose_marked_name_is_past_path_max)
{
	static const size_t lengths[] = { 4086, PATH_MAX - 1 };
	static char path[2][PATH_MAX];
	void *addresses[2];

	for (size_t i = 0; i < 2; i++) {
		make_deep_path(path[i], lengths[i]);
		cr_assert_eq(strlen(path[i]), lengths[i]);
		addresses[i] = map_path(path[i], PAGES);
		cr_assert_eq(unlink(path[i]), 0);
	}
	for (size_t mode = 0; mode < 2; mode++) {
		size_t count;
		struct mw_vma *vmas = read_own(both_readers[mode], &count);

		for (size_t i = 0; i < 2; i++) {
			const struct mw_vma *vma = find(vmas, count, addresses[i]);

			cr_assert_not_null(vma);
			cr_assert_str_eq(vma->path, path[i], "mode %u, %zu bytes: %.40s...",
					 both_readers[mode], lengths[i], vma->path);
			cr_assert(vma->deleted, "mode %u, %zu bytes", both_readers[mode],
				  lengths[i]);
			cr_assert_eq(vma->nlink, 0);
			cr_assert(proc_maps__is_orphaned(vma));
		}
		free(vmas);
	}
}

/* CAP_SYS_ADMIN and CAP_CHECKPOINT_RESTORE open map_files; without them only the path is left. */
static void drop_map_files_capabilities(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	static const int dropped[] = { CAP_SYS_ADMIN, CAP_CHECKPOINT_RESTORE };
	struct stat st;

	cr_assert_eq(syscall(SYS_capget, &header, data), 0);
	for (size_t i = 0; i < 2; i++)
		data[dropped[i] / 32].effective &= ~(1u << (dropped[i] % 32));
	cr_assert_eq(syscall(SYS_capset, &header, data), 0);
	cr_assert_eq(proc_maps__stat_mapping(getpid(), (uintptr_t)mappings[FILE_MAP].address,
					     (uintptr_t)mappings[FILE_MAP].address + PAGES * page,
					     &st),
		     -EPERM);
}

struct named_files {
	char live[PATH_MAX]; /* named "... (deleted)", linked */
	char gone[PATH_MAX]; /* named "... (deleted)", unlinked: printed with the marker twice */
	void *live_address;
	void *gone_address;
	ino_t live_ino;
};

static void map_files_named_deleted(struct named_files *files)
{
	struct stat st;

	snprintf(files->live, sizeof(files->live), "%s/segment.index (deleted)", dir);
	snprintf(files->gone, sizeof(files->gone), "%s/old.index (deleted)", dir);
	files->live_address = map_path(files->live, PAGES);
	files->gone_address = map_path(files->gone, PAGES);
	cr_assert_eq(unlink(files->gone), 0);
	cr_assert_eq(stat(files->live, &st), 0);
	files->live_ino = st.st_ino;
}

static void check_files_named_deleted(const struct named_files *files, bool stat_expected)
{
	for (size_t mode = 0; mode < 2; mode++) {
		size_t count;
		struct mw_vma *vmas = read_own(both_readers[mode], &count);
		const struct mw_vma *live = find(vmas, count, files->live_address);
		const struct mw_vma *gone = find(vmas, count, files->gone_address);

		cr_assert_not_null(live);
		cr_assert_str_eq(live->path, files->live, "mode %u", both_readers[mode]);
		cr_assert_not(live->deleted, "mode %u", both_readers[mode]);
		cr_assert_not(proc_maps__is_orphaned(live), "mode %u", both_readers[mode]);
		/* found by its path, which needs no capability */
		cr_assert(live->file_stat_known, "mode %u", both_readers[mode]);
		cr_assert_eq(live->nlink, 1);
		cr_assert_eq(live->file_size, PAGES * page);

		cr_assert_not_null(gone);
		cr_assert_str_eq(gone->path, files->gone, "mode %u", both_readers[mode]);
		cr_assert(gone->deleted, "mode %u", both_readers[mode]);
		cr_assert(proc_maps__is_orphaned(gone), "mode %u", both_readers[mode]);
		cr_assert_eq(gone->file_stat_known, stat_expected);
		free(vmas);
	}
}

Test(proc_maps_live, a_live_file_named_like_a_deleted_one)
{
	struct named_files files;

	map_files_named_deleted(&files);
	check_files_named_deleted(&files, true);
}

Test(proc_maps_live, a_live_file_named_like_a_deleted_one_without_map_files)
{
	struct named_files files;

	map_files_named_deleted(&files);
	drop_map_files_capabilities();
	check_files_named_deleted(&files, false);
}

struct watch_log {
	uint64_t ino;
	uint64_t name_hash;
	size_t seen;
};

static int record_watch(void *ctx, const struct mw_file_id *file, uint64_t name_hash,
			bool expect_present)
{
	struct watch_log *log = ctx;

	(void)expect_present;
	if (file->ino == log->ino) {
		log->name_hash = name_hash;
		log->seen++;
	}
	return 0;
}

/*
 * Seeding files a live "x (deleted)" under the basename the kernel will hash
 * when it is unlinked, and reports only the deleted file as an orphan.
 */
Test(proc_maps_live, seeding_keeps_a_name_that_ends_in_deleted)
{
	struct named_files files;
	struct watch_log log = { 0 };
	struct mw_tracker_options options = {
		.page_size = page,
		.hook_context = &log,
		.inode_watch = record_watch,
	};
	struct mw_proc_maps_stats stats;
	struct mw_snapshot snapshot;
	struct mw_tracker *tracker;
	const struct mw_process_report *report = NULL;
	struct mw_vma *vmas;
	size_t count, ours_found = 0;

	map_files_named_deleted(&files);
	log.ino = files.live_ino;
	cr_assert_eq(tracker__create(&options, &tracker), 0);
	cr_assert_eq(proc_maps__read(getpid(), MW_PROC_MAPS_FILES_ONLY, &vmas, &count, &stats), 0);
	cr_assert_geq(
		tracker__seed_process(tracker, getpid(), "test", stats.map_count, vmas, count, 1),
		0);
	free(vmas);
	cr_assert_eq(log.seen, 1);
	cr_assert_eq(log.name_hash, tracker__name_hash("segment.index (deleted)"));

	cr_assert_eq(tracker__snapshot(tracker, 2, 0, 65530, &snapshot), 0);
	for (size_t i = 0; i < snapshot.process_count; i++)
		if (snapshot.processes[i].pid == (uint32_t)getpid())
			report = &snapshot.processes[i];
	cr_assert_not_null(report);
	for (size_t i = 0; i < report->orphan_count; i++) {
		const char *path = report->orphans[i].path;

		cr_assert_str_neq(path, files.live);
		cr_assert_str_neq(path, "segment.index");
		ours_found += strcmp(path, files.gone) == 0;
	}
	cr_assert_eq(ours_found, 1);
	snapshot__clear(&snapshot);
	tracker__destroy(tracker);
}
