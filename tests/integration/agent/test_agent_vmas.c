// SPDX-License-Identifier: GPL-2.0
/*
 * Every VMA the kernel keeps apart, the agent keeps apart: pieces that
 * differ only in flags /proc/PID/maps does not show (VM_ACCOUNT, VM_LOCKED,
 * VM_DONTCOPY...), splits and merges by madvise, process_madvise, mlock,
 * mlockall, pkey_mprotect and remap_file_pages, sizes changed by
 * open(O_TRUNC), and mremap in place. Each test makes the change in a
 * child, then compares the agent's snapshot with /proc.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "truth_check.h"

#define PAGES 4

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_vmas, .init = setup);

/* The child's open file, which the change may map again. */
static int mapped_fd = -1;

/* What a child does to a mapping of PAGES pages of its file; 0 or -errno. */
typedef int (*vma_change_fn)(char *address, size_t page, const char *path);

struct child {
	pid_t pid;
	int hold_fd; /* closing it ends the child */
	char dir[PATH_MAX];
	char path[PATH_MAX + 16];
	uint64_t ino;
};

static void child_reply(int fd, int64_t value)
{
	if (write(fd, &value, sizeof(value)) != sizeof(value))
		_exit(2);
}

/*
 * Forks a child that creates the file, maps it (@flags, @prot), runs @change
 * and, with @unlink, unlinks the file; then it holds still until the test is
 * done. A child forked by the child (a grandchild) replies with its pid too.
 */
static int64_t start_child(struct child *child, int flags, int prot, vma_change_fn change,
			   bool unlink_file)
{
	int reply[2], hold[2];
	int64_t value = 0;

	memset(child, 0, sizeof(*child));
	harness__make_dir(harness__work_dir(), child->dir, sizeof(child->dir));
	snprintf(child->path, sizeof(child->path), "%s/vma.index", child->dir);
	cr_assert_eq(pipe2(reply, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(hold, O_CLOEXEC), 0);
	child->pid = fork();
	cr_assert_geq(child->pid, 0);
	if (child->pid == 0) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		int fd = scenario__create_file(child->path, PAGES * page);
		char *address, byte;
		int64_t result;

		close(reply[0]);
		close(hold[1]);
		if (fd < 0)
			_exit(3);
		address = mmap(NULL, PAGES * page, prot, flags, fd, 0);
		if (address == MAP_FAILED)
			_exit(3);
		mapped_fd = fd;
		result = change(address, page, child->path);
		if (result >= 0 && unlink_file && unlink(child->path))
			result = -errno;
		close(fd);
		child_reply(reply[1], result);
		while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(reply[1]);
	close(hold[0]);
	child->hold_fd = hold[1];
	cr_assert_eq(read(reply[0], &value, sizeof(value)), sizeof(value), "the child failed");
	close(reply[0]);
	cr_assert_geq(value, 0, "the change failed in the child: %s", strerror((int)-value));
	return value;
}

static void stop_child(struct child *child)
{
	int status;

	close(child->hold_fd);
	waitpid(child->pid, &status, 0);
	harness__remove_tree(child->dir);
}

/* True orphans under dir: Criterion's own deleted arena in /dev/shm is inherited too. */
static size_t orphans_under(const struct truth *truth, const char *dir)
{
	size_t count = 0, length = strlen(dir);

	for (size_t i = 0; i < truth->count; i++)
		count += !strncmp(truth->orphans[i].path, dir, length) &&
			 truth->orphans[i].path[length] == '/';
	return count;
}

/* The snapshot equals /proc for @pid, which shows @pieces orphaned VMAs of the child's file. */
static void expect_orphan_pieces(const struct child *child, pid_t pid, size_t pieces)
{
	json_t *snapshot = harness__fresh_snapshot();
	struct truth truth;

	truth__read(pid, &truth);
	cr_assert_eq(orphans_under(&truth, child->dir), pieces,
		     "/proc shows %zu orphaned VMAs, not %zu", orphans_under(&truth, child->dir),
		     pieces);
	truth__expect_snapshot_matches(snapshot, &truth);
	truth__free(&truth);
	json_decref(snapshot);
}

/* ---- merging: flags the maps text does not show ---- */

static int write_and_back(char *address, size_t page, const char *path)
{
	(void)path;
	/* page 1 is charged (VM_ACCOUNT) once writable, and stays so when read-only again */
	if (mprotect(address + page, page, PROT_READ | PROT_WRITE) ||
	    mprotect(address + page, page, PROT_READ))
		return -errno;
	return 0;
}

Test(agent_vmas, vm_account_keeps_a_private_piece_apart)
{
	struct child child;

	start_child(&child, MAP_PRIVATE, PROT_READ, write_and_back, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int readonly_fd_beside_writable(char *address, size_t page, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *placed;

	if (fd < 0)
		return -errno;
	/* the same file, contiguous, PROT_READ: but this fd cannot write, so no VM_SHARED */
	placed = mmap(address + page, page, PROT_READ, MAP_SHARED | MAP_FIXED, fd, page);
	close(fd);
	return placed == MAP_FAILED ? -errno : 0;
}

Test(agent_vmas, shared_mapping_of_a_read_only_fd_is_not_merged)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, readonly_fd_beside_writable, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int write_both_sides_then_middle(char *address, size_t page, const char *path)
{
	(void)path;
	/*
	 * Pages 0 and 2 written, each with anonymous memory of its own; then
	 * page 1 made writable between them: it can join one side only, and
	 * the kernel joins the lower one. The agent sees none of the writes.
	 */
	if (mprotect(address, page, PROT_READ | PROT_WRITE))
		return -errno;
	address[0] = 1;
	if (mprotect(address + 2 * page, page, PROT_READ | PROT_WRITE))
		return -errno;
	address[2 * page] = 1;
	return mprotect(address + page, page, PROT_READ | PROT_WRITE) ? -errno : 0;
}

Test(agent_vmas, a_piece_between_two_written_ones_joins_the_lower)
{
	struct child child;

	start_child(&child, MAP_PRIVATE, PROT_READ, write_both_sides_then_middle, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

/* ---- splits by calls other than mprotect ---- */

static int advise_dontdump(char *address, size_t page, const char *path)
{
	(void)path;
	return madvise(address + page, page, MADV_DONTDUMP) ? -errno : 0;
}

Test(agent_vmas, madvise_dontdump_splits)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, advise_dontdump, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int advise_hugepage(char *address, size_t page, const char *path)
{
	(void)path;
	return madvise(address + 2 * page, page, MADV_HUGEPAGE) ? -errno : 0;
}

Test(agent_vmas, madvise_hugepage_splits)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, advise_hugepage, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

/*
 * MADV_DONTFORK on page 1, then a fork: the grandchild lacks page 1. Replies
 * with the grandchild's pid; the grandchild holds still as long as its parent.
 */
static int advise_dontfork_and_fork(char *address, size_t page, const char *path)
{
	int ready[2];
	pid_t grandchild;
	char byte;

	(void)path;
	if (madvise(address + page, page, MADV_DONTFORK) || pipe(ready))
		return -errno;
	grandchild = fork();
	if (grandchild < 0)
		return -errno;
	if (grandchild == 0) {
		close(ready[0]);
		/* dies with its parent, which the test ends */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1)
		return -EIO;
	close(ready[0]);
	return grandchild;
}

Test(agent_vmas, madvise_dontfork_splits_and_a_forked_child_lacks_the_range)
{
	struct child child;
	pid_t grandchild;

	grandchild =
		(pid_t)start_child(&child, MAP_SHARED, PROT_READ, advise_dontfork_and_fork, true);
	expect_orphan_pieces(&child, child.pid, 3);
	expect_orphan_pieces(&child, grandchild, 2);
	kill(grandchild, SIGKILL);
	stop_child(&child);
}

static int lock_one_page(char *address, size_t page, const char *path)
{
	(void)path;
	return raw_mlock(address + page, page) ? -errno : 0;
}

Test(agent_vmas, mlock_splits)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, lock_one_page, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int lock_on_fault_then_unlock(char *address, size_t page, const char *path)
{
	(void)path;
	/* pages 1-2 locked on fault, then page 2 unlocked: three flag sets in a row */
	if (mlock2(address + page, 2 * page, MLOCK_ONFAULT) ||
	    raw_munlock(address + 2 * page, page))
		return -errno;
	return 0;
}

Test(agent_vmas, mlock2_and_munlock_split)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, lock_on_fault_then_unlock, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int protect_with_default_key(char *address, size_t page, const char *path)
{
	(void)path;
	/* key -1: as mprotect, which any kernel takes, protection keys or not */
	return syscall(SYS_pkey_mprotect, address + page, page, PROT_READ | PROT_WRITE, -1) ? -errno
											    : 0;
}

Test(agent_vmas, pkey_mprotect_splits)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, protect_with_default_key, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int remap_page_one_to_three(char *address, size_t page, const char *path)
{
	(void)path;
	return remap_file_pages(address + page, page, 0, 3, 0) ? -errno : 0;
}

Test(agent_vmas, remap_file_pages_splits_and_moves_offsets)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ | PROT_WRITE, remap_page_one_to_three, true);
	/* pages 0, 1 (file page 3) and 2-3: the snapshot's offsets must match */
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

static int lock_one_page_then_all(char *address, size_t page, const char *path)
{
	(void)path;
	/*
	 * Page 1 locked (VM_LOCKED), then every VMA locked on fault: page 1
	 * changes too, and the three pieces are alike again. On fault: nothing
	 * is faulted in (a sanitizer's shadow memory would be).
	 */
	if (raw_mlock(address + page, page) || syscall(SYS_mlockall, MCL_CURRENT | MCL_ONFAULT))
		return -errno;
	return 0;
}

Test(agent_vmas, mlockall_joins_what_mlock_split)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, lock_one_page_then_all, true);
	expect_orphan_pieces(&child, child.pid, 1);
	stop_child(&child);
}

static int lock_one_page_then_unlock_all(char *address, size_t page, const char *path)
{
	(void)path;
	if (raw_mlock(address + page, page) || syscall(SYS_munlockall))
		return -errno;
	return 0;
}

Test(agent_vmas, munlockall_joins_what_mlock_split)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, lock_one_page_then_unlock_all, true);
	expect_orphan_pieces(&child, child.pid, 1);
	stop_child(&child);
}

static int lock_future_then_map_again(char *address, size_t page, const char *path)
{
	void *placed;

	(void)path;
	/*
	 * The pages mapped from now on are locked: page 3 mapped again through
	 * the same open file, which would join the rest, stays apart.
	 */
	if (syscall(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT))
		return -errno;
	placed = mmap(address + 3 * page, page, PROT_READ, MAP_SHARED | MAP_FIXED, mapped_fd,
		      3 * page);
	return placed == MAP_FAILED ? -errno : 0;
}

Test(agent_vmas, mlockall_future_locks_what_is_mapped_next)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, lock_future_then_map_again, true);
	expect_orphan_pieces(&child, child.pid, 2);
	stop_child(&child);
}

static int advise_dontdump_through_a_pidfd(char *address, size_t page, const char *path)
{
	struct iovec range = { .iov_base = address + page, .iov_len = page };
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	long advised;

	(void)path;
	if (pidfd < 0)
		return -errno;
	/* advice that changes VMA flags, taken for the caller's own memory (6.13+) */
	advised = syscall(SYS_process_madvise, pidfd, &range, 1, MADV_DONTDUMP, 0);
	close(pidfd);
	return advised == (long)page ? 0 : advised < 0 ? -errno : -EIO;
}

Test(agent_vmas, process_madvise_on_itself_splits)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, advise_dontdump_through_a_pidfd, true);
	expect_orphan_pieces(&child, child.pid, 3);
	stop_child(&child);
}

/* ---- mremap in place: no split where the call starts ---- */

static int remap_pages_one_two_in_place(char *address, size_t page, const char *path)
{
	(void)path;
	/* the same size where it is: the kernel changes nothing, not even a split */
	return mremap(address + page, 2 * page, 2 * page, MREMAP_MAYMOVE) == address + page
		       ? 0
		       : -errno;
}

Test(agent_vmas, mremap_of_the_same_size_in_place_changes_nothing)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, remap_pages_one_two_in_place, true);
	expect_orphan_pieces(&child, child.pid, 1);
	stop_child(&child);
}

static int shrink_pages_one_two_in_place(char *address, size_t page, const char *path)
{
	(void)path;
	/* pages 1-2 shrunk to page 1: page 2 is unmapped, nothing split at page 1 */
	return mremap(address + page, 2 * page, page, MREMAP_MAYMOVE) == address + page ? 0
											: -errno;
}

Test(agent_vmas, mremap_shrinking_in_place_only_unmaps_the_tail)
{
	struct child child;

	start_child(&child, MAP_PRIVATE, PROT_READ, shrink_pages_one_two_in_place, true);
	expect_orphan_pieces(&child, child.pid, 2);
	stop_child(&child);
}

static int shrink_then_grow_from_page_one(char *address, size_t page, const char *path)
{
	(void)path;
	/*
	 * Shrunk to pages 0-1, then page 1, the end of the VMA, grown back by
	 * two pages into the space just freed: the one VMA grows, nothing is
	 * split at page 1.
	 */
	if (mremap(address, PAGES * page, 2 * page, 0) != address)
		return -errno;
	return mremap(address + page, page, 3 * page, 0) == address + page ? 0 : -errno;
}

Test(agent_vmas, mremap_growing_in_place_grows_the_whole_vma)
{
	struct child child;

	start_child(&child, MAP_SHARED, PROT_READ, shrink_then_grow_from_page_one, true);
	expect_orphan_pieces(&child, child.pid, 1);
	stop_child(&child);
}

/* ---- sizes: open(O_TRUNC) ---- */

static int open_truncating(char *address, size_t page, const char *path)
{
	int fd = open(path, O_RDWR | O_TRUNC | O_CLOEXEC);

	(void)address;
	(void)page;
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

Test(agent_vmas, open_o_trunc_of_a_mapped_file_makes_it_stale)
{
	struct child child;
	json_t *snapshot, *entry;

	start_child(&child, MAP_SHARED, PROT_READ, open_truncating, false);
	cr_assert_eq(truth__stale_mappings(child.pid), 1, "/proc shows no stale mapping");
	snapshot = harness__fresh_snapshot();
	entry = harness__snapshot_process(snapshot, child.pid);
	cr_assert_not_null(entry, "the process with a stale mapping is not in the snapshot");
	cr_assert_eq(json_integer_value(json_object_get(entry, "stale_mappings")), 1);
	json_decref(snapshot);
	stop_child(&child);
}
