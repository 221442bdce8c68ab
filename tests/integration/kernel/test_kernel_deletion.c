// SPDX-License-Identifier: GPL-2.0
/* Deletion, rename and truncate of mapped files, seen from the kernel. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096

static void check_unlink_while_mapped(const char *parent)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file;
	char dir[256];

	support_make_dir(parent, dir, sizeof(dir));
	support_map_file(&file, dir, "00000000000000000000.index", 2 * PAGE);
	support_wait_mapped(tracer, &records, &file);
	cr_assert_eq(unlink(file.path), 0);
	record = support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, 0, SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no UNLINK LAST after unlinking a mapped file in %s", parent);
	cr_assert_eq(record->file.file.nlink, 0);
	cr_assert_eq(record->file.file.dev, support_kernel_dev(file.st.st_dev));
	cr_assert_eq(record->file.file.size, 2 * PAGE);
	cr_assert_eq(record->header.pid, (uint32_t)getpid());
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_deletion, unlink_mapped_file_on_disk_filesystem)
{
	check_unlink_while_mapped("/tmp");
}

Test(kernel_deletion, unlink_mapped_file_on_tmpfs)
{
	check_unlink_while_mapped("/dev/shm");
}

/* A tmpfs of our own, in a private mount namespace, in a child process. */
Test(kernel_deletion, unlink_mapped_file_on_private_tmpfs_mount)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	char dir[256], path[300];
	int to_parent[2];
	ino_t ino = 0;
	pid_t child;
	int status;

	support_make_dir("/tmp", dir, sizeof(dir));
	cr_assert_eq(pipe(to_parent), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct stat st;
		void *mapping;
		int fd;

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=1m"))
			_exit(2);
		snprintf(path, sizeof(path), "%s/segment.timeindex", dir);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || ftruncate(fd, PAGE) || fstat(fd, &st))
			_exit(3);
		mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (mapping == MAP_FAILED || unlink(path))
			_exit(4);
		if (write(to_parent[1], &st.st_ino, sizeof(st.st_ino)) != sizeof(st.st_ino))
			_exit(5);
		_exit(0);
	}
	close(to_parent[1]);
	cr_assert_eq(read(to_parent[0], &ino, sizeof(ino)), sizeof(ino), "the child failed");
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_not_null(support_wait_for(tracer, &records,
					    &(struct support_match){ .type = MW_EVENT_UNLINK,
								     .pid = child,
								     .ino = ino,
								     .flags_set = MW_UNLINK_LAST },
					    SUPPORT_WAIT_MS));
	close(to_parent[0]);
	rmdir(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct unlinker {
	const char *path;
	pid_t reader; /* the thread that waits on the ring buffer */
	bool reader_was_waiting;
	uint64_t returned_ns;
};

static bool is_epoll_wait(long syscall_nr)
{
#ifdef SYS_epoll_wait
	if (syscall_nr == SYS_epoll_wait)
		return true;
#endif
#ifdef SYS_epoll_pwait2
	if (syscall_nr == SYS_epoll_pwait2)
		return true;
#endif
	return syscall_nr == SYS_epoll_pwait;
}

static void *unlink_soon(void *context)
{
	struct unlinker *unlinker = context;
	uint64_t deadline = support_now_ns() + SUPPORT_WAIT_MS * 1000000ull;
	long syscall_nr;

	/* the reader blocks in epoll_wait first, so only the record's wakeup can end it */
	for (;;) {
		unlinker->reader_was_waiting =
			support_thread_state(unlinker->reader, &syscall_nr) == 'S' &&
			is_epoll_wait(syscall_nr);
		if (unlinker->reader_was_waiting || support_now_ns() > deadline)
			break;
		usleep(100);
	}
	if (unlink(unlinker->path) == 0)
		__atomic_store_n(&unlinker->returned_ns, support_now_ns(), __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Runs the calling thread, and the threads it starts, ahead of every ordinary
 * one: what is timed is then the wakeup, not the wait for a CPU that other
 * work on a busy machine holds. 0, or the error without the right to (CAP_SYS_NICE).
 */
static int run_real_time(bool real_time)
{
	struct sched_param param = {
		.sched_priority = real_time ? sched_get_priority_min(SCHED_FIFO) : 0,
	};

	return pthread_setschedparam(pthread_self(), real_time ? SCHED_FIFO : SCHED_OTHER, &param);
}

/*
 * From unlink() returning in one thread to the UNLINK record in the hands of
 * another thread that was blocked in epoll_wait on the ring buffer fd: the
 * forced wakeup, not a timer, must deliver it.
 */
Test(kernel_deletion, unlink_reported_within_10_ms)
{
	enum { ROUNDS = 50 };
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	struct epoll_event event = { .events = EPOLLIN };
	uint64_t latency[ROUNDS];
	int epoll_fd = epoll_create1(EPOLL_CLOEXEC), err;
	char dir[256], name[64];

	cr_assert_eq(
		epoll_ctl(epoll_fd, EPOLL_CTL_ADD, kernel_tracer__ring_buffer_fd(tracer), &event),
		0);
	err = run_real_time(true);
	if (err)
		fprintf(stderr, "not real-time (%s): the latency includes waits for a CPU\n",
			strerror(err));
	support_make_dir("/tmp", dir, sizeof(dir));
	for (int round = 0; round < ROUNDS; round++) {
		struct unlinker unlinker = { .reader = (pid_t)syscall(SYS_gettid) };
		struct support_mapped_file file;
		uint64_t found_ns = 0, returned_ns, deadline;
		pthread_t thread;

		snprintf(name, sizeof(name), "%020d.index", round);
		support_map_file(&file, dir, name, PAGE);
		support_wait_mapped(tracer, &records, &file);
		/* inode numbers are reused: only this round's records count */
		records.count = 0;
		unlinker.path = file.path;
		cr_assert_eq(pthread_create(&thread, NULL, unlink_soon, &unlinker), 0);
		deadline = support_now_ns() + 2 * SUPPORT_WAIT_MS * 1000000ull;
		while (!found_ns) {
			cr_assert_lt(support_now_ns(), deadline,
				     "round %d: no UNLINK event in %d ms", round,
				     2 * SUPPORT_WAIT_MS);
			cr_assert_geq(epoll_wait(epoll_fd, &event, 1, 1000), 0);
			support_drain(tracer, &records);
			if (support_find(&records,
					 &(struct support_match){ .type = MW_EVENT_UNLINK,
								  .ino = file.st.st_ino,
								  .flags_set = MW_UNLINK_LAST }))
				found_ns = support_now_ns();
			else
				cr_assert_lt(records.count, 1000000, "no UNLINK event");
		}
		pthread_join(thread, NULL);
		cr_assert(unlinker.reader_was_waiting,
			  "round %d: the reader was not blocked in epoll_wait within %d ms", round,
			  SUPPORT_WAIT_MS);
		returned_ns = __atomic_load_n(&unlinker.returned_ns, __ATOMIC_ACQUIRE);
		/*
		 * The record is made at the syscall's exit tracepoint, before unlink()
		 * returns to the unlinker: epoll may see it first. That counts as 0.
		 */
		latency[round] = found_ns > returned_ns ? found_ns - returned_ns : 0;
		support_unmap_file(&file);
	}
	run_real_time(false);
	qsort(latency, ROUNDS, sizeof(latency[0]), compare_u64);
	fprintf(stderr, "unlink -> UNLINK event via epoll: median %.1f us, max %.1f us\n",
		latency[ROUNDS / 2] / 1e3, latency[ROUNDS - 1] / 1e3);
	cr_assert_lt(latency[ROUNDS - 1], 10000000ull, "slowest %llu ns",
		     (unsigned long long)latency[ROUNDS - 1]);
	close(epoll_fd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_deletion, unlink_of_unmapped_file_sends_nothing)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	struct support_mapped_file marker;
	char dir[256], path[300];
	struct stat st;
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	/* a mapped file deleted after it: its event proves the first one was processed */
	support_map_file(&marker, dir, "marker.index", PAGE);
	support_wait_mapped(tracer, &records, &marker);
	snprintf(path, sizeof(path), "%s/plain.log", dir);
	fd = support_create_file(path, PAGE);
	cr_assert_eq(fstat(fd, &st), 0);
	close(fd);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(unlink(marker.path), 0);
	cr_assert_not_null(
		support_wait_unlink(tracer, &records, &marker, MW_UNLINK_LAST, 0, SUPPORT_WAIT_MS));
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_UNLINK,
								      .ino = st.st_ino }),
		     0);
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_CHECK,
								      .pid = getpid() }),
		     0);
	support_unmap_file(&marker);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_deletion, rename_onto_mapped_file_deletes_it)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	struct support_mapped_file file;
	char dir[256], other[300];
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "current.index", PAGE);
	support_wait_mapped(tracer, &records, &file);
	snprintf(other, sizeof(other), "%s/replacement.index", dir);
	fd = support_create_file(other, PAGE);
	close(fd);
	cr_assert_eq(rename(other, file.path), 0);
	cr_assert_not_null(
		support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, 0, SUPPORT_WAIT_MS));
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_deletion, rename_then_relative_unlink_from_another_directory)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file;
	char dir[256], renamed[PATH_MAX + 16], cwd[PATH_MAX];

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "00000000000000000042.timeindex", PAGE);
	support_wait_mapped(tracer, &records, &file);
	snprintf(renamed, sizeof(renamed), "%s.deleted", file.path);
	cr_assert_eq(rename(file.path, renamed), 0);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_RENAME, .ino = file.st.st_ino },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no RENAME event");
	cr_assert_str_eq(record->rename.name, "00000000000000000042.timeindex.deleted");
	cr_assert_eq(record->rename.name_hash,
		     kernel_tracer__name_hash("00000000000000000042.timeindex.deleted"));
	cr_assert_eq(record->rename.file.nlink, 1);
	cr_assert_null(support_find(&records, &(struct support_match){ .type = MW_EVENT_UNLINK,
								       .ino = file.st.st_ino }));

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(unlink("./00000000000000000042.timeindex.deleted"), 0);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_not_null(
		support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, 0, SUPPORT_WAIT_MS),
		"no UNLINK LAST after the relative unlink");
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_deletion, hard_link_is_deleted_with_its_last_name)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file;
	char dir[256], other_name[300];

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "mapped-name.index", PAGE);
	support_wait_mapped(tracer, &records, &file);
	snprintf(other_name, sizeof(other_name), "%s/other-name", dir);
	cr_assert_eq(link(file.path, other_name), 0);

	cr_assert_eq(unlink(file.path), 0);
	record = support_wait_unlink(tracer, &records, &file, 0, MW_UNLINK_LAST, SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no UNLINK for the mapped name");
	cr_assert_eq(record->file.file.nlink, 1);
	cr_assert_null(support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, 0, 50),
		       "not the last name yet");

	cr_assert_eq(unlink(other_name), 0);
	cr_assert_not_null(
		support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, 0, SUPPORT_WAIT_MS),
		"no UNLINK LAST when the last name went");
	cr_assert_eq(
		support_count(&records, &(struct support_match){ .type = MW_EVENT_UNLINK,
								 .ino = file.st.st_ino,
								 .flags_set = MW_UNLINK_LAST }),
		1);
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_deletion, ftruncate_and_truncate_report_the_new_size)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file;
	char dir[256];
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "resized.index", 4 * PAGE);
	support_wait_mapped(tracer, &records, &file);
	fd = open(file.path, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 3 * PAGE + 12), 0);
	close(fd);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_TRUNCATE, .ino = file.st.st_ino },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no TRUNCATE after ftruncate");
	cr_assert_eq(record->file.file.size, 3 * PAGE + 12);

	records.count = 0;
	cr_assert_eq(truncate(file.path, 5 * PAGE), 0);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_TRUNCATE, .ino = file.st.st_ino },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no TRUNCATE after truncate(path)");
	cr_assert_eq(record->file.file.size, 5 * PAGE);
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/* Inodes seeded from /proc: CHECK until the kernel learns the address, then precise events. */
Test(kernel_deletion, seeded_inode_checks_then_learns_its_address)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	char dir[256], path[300];
	struct support_mapped_file file;
	struct stat st;
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	/* seeded, never seen through an fd: the kernel cannot judge, userspace must */
	snprintf(path, sizeof(path), "%s/seeded.index", dir);
	fd = support_create_file(path, PAGE);
	cr_assert_eq(fstat(fd, &st), 0);
	close(fd);
	cr_assert_eq(kernel_tracer__watch_inode(tracer, &support_seeded_id(&st),
						kernel_tracer__name_hash("seeded.index")),
		     1, "a seeded inode is new to the kernel");
	cr_assert_eq(kernel_tracer__watch_inode(tracer, &support_seeded_id(&st),
						kernel_tracer__name_hash("seeded.index")),
		     0, "watching twice changes nothing");
	cr_assert_eq(unlink(path), 0);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_CHECK,
							   .pid = getpid(),
							   .flags_set = MW_CHECK_INODE_UNKNOWN },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no CHECK for an inode with unknown address");
	cr_assert_eq(record->check.name_hash, kernel_tracer__name_hash("seeded.index"));
	cr_assert_eq(kernel_tracer__forget_inode(tracer, &support_seeded_id(&st)), 0);
	cr_assert_eq(kernel_tracer__forget_inode(tracer, &support_seeded_id(&st)), -ENOENT);

	/* seeded first, then mapped again through an fd: the address is learned */
	snprintf(path, sizeof(path), "%s/learned.index", dir);
	fd = support_create_file(path, PAGE);
	cr_assert_eq(fstat(fd, &st), 0);
	close(fd);
	cr_assert_eq(kernel_tracer__watch_inode(tracer, &support_seeded_id(&st),
						kernel_tracer__name_hash("learned.index")),
		     1);
	support_map_file(&file, dir, "learned.index", PAGE);
	cr_assert_eq(file.st.st_ino, st.st_ino);
	support_wait_mapped(tracer, &records, &file);
	records.count = 0;
	cr_assert_eq(unlink(path), 0);
	cr_assert_not_null(
		support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, 0, SUPPORT_WAIT_MS));
	cr_assert_null(support_find(
		&records, &(struct support_match){ .type = MW_EVENT_CHECK, .pid = getpid() }));
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/* More inodes share a basename than a bucket holds: the kernel asks userspace to check. */
Test(kernel_deletion, full_bucket_asks_for_a_check)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	struct support_mapped_file files[MW_NAME_SLOTS + 1];
	char dirs[MW_NAME_SLOTS + 1][300];
	char top[256];

	support_make_dir("/tmp", top, sizeof(top));
	for (int i = 0; i <= MW_NAME_SLOTS; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/partition-%d", top, i);
		cr_assert_eq(mkdir(dirs[i], 0700), 0);
		support_map_file(&files[i], dirs[i], "00000000000000000000.index", PAGE);
		support_wait_mapped(tracer, &records, &files[i]);
	}
	/* the last one found no slot */
	cr_assert_eq(unlink(files[MW_NAME_SLOTS].path), 0);
	cr_assert_not_null(
		support_wait_for(tracer, &records,
				 &(struct support_match){ .type = MW_EVENT_CHECK,
							  .pid = getpid(),
							  .flags_set = MW_CHECK_BUCKET_FULL },
				 SUPPORT_WAIT_MS));
	/* one with a slot: precise */
	cr_assert_eq(unlink(files[0].path), 0);
	cr_assert_not_null(support_wait_unlink(tracer, &records, &files[0], MW_UNLINK_LAST, 0,
					       SUPPORT_WAIT_MS));
	for (int i = 0; i <= MW_NAME_SLOTS; i++)
		support_unmap_file(&files[i]);
	support_remove_tree(top);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}
