// SPDX-License-Identifier: GPL-2.0
/*
 * How the kernel files inodes: a file mapped again costs no new filing and
 * its record carries no name, yet truncates, renames and deletions of it are
 * still reported exactly; forgetting spares another file's filing; the audit
 * finds deletions no hooked syscall made.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096

static const struct support_record *wait_mmap_at(struct mw_kernel_tracer *tracer,
						 struct support_records *records, void *address)
{
	const struct support_record *record = support_wait_for(
		tracer, records,
		&(struct support_match){
			.type = MW_EVENT_MMAP, .pid = getpid(), .addr = (uintptr_t)address },
		SUPPORT_WAIT_MS);

	cr_assert_not_null(record, "no MMAP record at %p", address);
	return record;
}

static void *map_again(int fd, size_t length)
{
	void *mapping = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, 0);

	cr_assert_neq(mapping, MAP_FAILED, "mmap: %s", strerror(errno));
	return mapping;
}

Test(kernel_filing, file_mapped_again_is_sent_without_a_name)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *first, *again;
	char dir[256], path[300];
	void *one, *two;
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/00000000000000000000.index", dir);
	fd = support_create_file(path, 4 * PAGE);
	one = map_again(fd, 4 * PAGE);
	two = map_again(fd, 4 * PAGE);
	first = wait_mmap_at(tracer, &records, one);
	cr_assert_eq(first->size, sizeof(struct mw_mmap_event), "a new file comes with its name");
	cr_assert_not(first->header.flags & MW_MMAP_INODE_FILED);
	cr_assert_str_eq(first->mmap.name, "00000000000000000000.index");
	again = wait_mmap_at(tracer, &records, two);
	first = support_find(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								.pid = getpid(),
								.addr = (uintptr_t)one });
	cr_assert_eq(again->size, MW_MMAP_EVENT_FILED_SIZE, "filed already: no name");
	cr_assert(again->header.flags & MW_MMAP_INODE_FILED);
	cr_assert(again->header.flags & MW_MMAP_FILE);
	cr_assert_eq(again->mmap.file.inode, first->mmap.file.inode);
	cr_assert_eq(again->mmap.file.generation, first->mmap.file.generation);
	cr_assert_eq(again->mmap.file.ino, first->mmap.file.ino);
	cr_assert_eq(again->mmap.name_hash, first->mmap.name_hash);
	cr_assert_eq(again->mmap.name_hash, kernel_tracer__name_hash("00000000000000000000.index"));
	cr_assert_eq(again->mmap.length, 4 * PAGE);
	munmap(one, 4 * PAGE);
	munmap(two, 4 * PAGE);
	close(fd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/* Kafka's index life on the fast path: resize, map again, retire by rename, delete. */
Test(kernel_filing, filed_file_still_reports_truncate_rename_and_deletion)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	char dir[256], path[300], retired[320];
	void *first, *resized, *after_rename;
	struct stat st;
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/00000000000000000042.index", dir);
	snprintf(retired, sizeof(retired), "%s.deleted", path);
	fd = support_create_file(path, 8 * PAGE);
	cr_assert_eq(fstat(fd, &st), 0);
	first = map_again(fd, 8 * PAGE);
	wait_mmap_at(tracer, &records, first);

	cr_assert_eq(ftruncate(fd, 2 * PAGE), 0);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_TRUNCATE, .ino = st.st_ino },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no TRUNCATE of a filed inode");
	cr_assert_eq(record->file.file.size, 2 * PAGE);
	resized = map_again(fd, 2 * PAGE);
	record = wait_mmap_at(tracer, &records, resized);
	cr_assert(record->header.flags & MW_MMAP_INODE_FILED);
	cr_assert_eq(record->mmap.file.size, 2 * PAGE, "the new size, for the resize-remap rule");

	cr_assert_eq(rename(path, retired), 0);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_RENAME, .ino = st.st_ino },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no RENAME of a filed inode");
	cr_assert_str_eq(record->rename.name, "00000000000000000042.index.deleted");
	after_rename = map_again(fd, 2 * PAGE);
	record = wait_mmap_at(tracer, &records, after_rename);
	cr_assert(record->header.flags & MW_MMAP_INODE_FILED);
	cr_assert_eq(record->mmap.name_hash,
		     kernel_tracer__name_hash("00000000000000000042.index.deleted"),
		     "filed under its new name");

	cr_assert_eq(unlink(retired), 0);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_UNLINK,
							   .ino = st.st_ino,
							   .flags_set = MW_UNLINK_LAST },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no UNLINK of a filed inode under its new name");
	cr_assert_not(record->header.flags & MW_UNLINK_AUDIT);
	munmap(first, 8 * PAGE);
	munmap(resized, 2 * PAGE);
	munmap(after_rename, 2 * PAGE);
	close(fd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/*
 * Userspace forgets an inode number while the kernel has already filed a new
 * file under it (ext4 reuses numbers at once). Here the older file is played
 * by a watch with an address the new one does not have.
 */
Test(kernel_filing, forget_spares_the_filing_of_a_newer_file)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file;
	struct mw_file_id older;
	char dir[256];

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "reused.index", PAGE);
	record = support_wait_mapped(tracer, &records, &file);
	older = record->mmap.file;
	older.inode ^= 0x1000;
	cr_assert_eq(kernel_tracer__forget_inode(tracer, &older), 1,
		     "another file's filing is kept");
	cr_assert_eq(unlink(file.path), 0);
	cr_assert_not_null(support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST,
					       MW_UNLINK_AUDIT, SUPPORT_WAIT_MS),
			   "the newer file's deletion is still seen");
	record = support_find(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								 .addr = (uintptr_t)file.mapping });
	cr_assert_eq(kernel_tracer__forget_inode(tracer, &record->mmap.file), 0);
	cr_assert_eq(kernel_tracer__forget_inode(tracer, &record->mmap.file), -ENOENT);
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/* io_uring's unlinkat never passes the syscall tracepoints: only the audit can see it. */
static void unlink_through_io_uring(const char *path)
{
	struct io_uring_cqe *completion;
	struct io_uring ring;

	cr_assert_eq(io_uring_queue_init(2, &ring, 0), 0, "io_uring unavailable");
	io_uring_prep_unlinkat(io_uring_get_sqe(&ring), AT_FDCWD, path, 0);
	cr_assert_eq(io_uring_submit(&ring), 1);
	cr_assert_eq(io_uring_wait_cqe(&ring, &completion), 0);
	cr_assert_eq(completion->res, 0, "IORING_OP_UNLINKAT: %s", strerror(-completion->res));
	io_uring_cqe_seen(&ring, completion);
	io_uring_queue_exit(&ring);
}

Test(kernel_filing, audit_finds_a_deletion_no_hook_saw)
{
	/* this process only: others on the host map files that are already deleted */
	const uint32_t self[] = { (uint32_t)getpid() };
	struct mw_kernel_tracer *tracer =
		support_load(&(struct mw_kernel_options){ .pids = self, .pid_count = 1 });
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file, kept;
	struct mw_inode_audit audit;
	char dir[256];
	void *marker;
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "uring.index", PAGE);
	support_map_file(&kept, dir, "kept.index", PAGE);
	support_wait_mapped(tracer, &records, &file);
	support_wait_mapped(tracer, &records, &kept);
	unlink_through_io_uring(file.path);
	cr_assert_eq(access(file.path, F_OK), -1);
	/* a mapping made after it: once its record is in, a record of the unlink would be too */
	fd = open(kept.path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s: %s", kept.path, strerror(errno));
	marker = map_again(fd, PAGE);
	close(fd);
	wait_mmap_at(tracer, &records, marker);
	cr_assert_null(support_find(&records, &(struct support_match){ .type = MW_EVENT_UNLINK,
								       .ino = file.st.st_ino }),
		       "io_uring's unlink passed a hook: this test proves nothing");

	cr_assert_eq(kernel_tracer__audit_inodes(tracer, &audit), 0);
	cr_assert_geq(audit.entries, 2);
	cr_assert_eq(audit.unlinks_found, 1);
	record = support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST | MW_UNLINK_AUDIT, 0,
				     SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "the audit sent no UNLINK");
	cr_assert_eq(record->file.file.nlink, 0);
	cr_assert_eq(record->file.file.dev, support_kernel_dev(file.st.st_dev));

	/* found once: the next audit has nothing new */
	cr_assert_eq(kernel_tracer__audit_inodes(tracer, &audit), 0);
	cr_assert_eq(audit.unlinks_found, 0);
	munmap(marker, PAGE);
	support_unmap_file(&file);
	support_unmap_file(&kept);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/*
 * The basename hash is taken a word at a time, from the dentry when a file
 * is mapped and from the path when it is unlinked: every name length either
 * side of a word boundary must hash the same both ways, and as userspace
 * hashes it, through absolute and relative paths.
 */
Test(kernel_filing, names_of_every_length_hash_alike_from_dentry_path_and_userspace)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	struct support_mapped_file file;
	char dir[256], name[40];

	support_make_dir("/tmp", dir, sizeof(dir));
	for (int length = 1; length <= 25; length++) {
		const struct support_record *record;
		bool relative = length % 2;

		for (int i = 0; i < length; i++)
			name[i] = (char)('a' + (i * 7 + length) % 26);
		name[length] = '\0';
		/* the new mapping may land where the last one was: match only this one's */
		records.count = 0;
		support_map_file(&file, dir, name, PAGE);
		record = support_wait_mapped(tracer, &records, &file);
		cr_assert_eq(record->mmap.name_hash, kernel_tracer__name_hash(name),
			     "length %d: the dentry's hash is not userspace's", length);
		if (relative) {
			cr_assert_eq(chdir(dir), 0);
			cr_assert_eq(unlink(name), 0);
			cr_assert_eq(chdir("/"), 0);
		} else {
			cr_assert_eq(unlink(file.path), 0);
		}
		cr_assert_not_null(support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST,
						       MW_UNLINK_AUDIT, SUPPORT_WAIT_MS),
				   "length %d (%s path): the unlink missed the bucket", length,
				   relative ? "relative" : "absolute");
		support_unmap_file(&file);
	}
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

/*
 * Userspace learns names late: it may process a file's MMAP record after the
 * file was renamed. Watching it then under the old name must not move the
 * kernel's filing back, or the unlink of the new name goes unseen.
 */
Test(kernel_filing, a_late_watch_under_an_old_name_keeps_the_kernel_filing)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	struct support_mapped_file file;
	char dir[256], renamed[PATH_MAX + 16];

	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&file, dir, "00000000000000000213.timeindex", PAGE);
	record = support_wait_mapped(tracer, &records, &file);
	snprintf(renamed, sizeof(renamed), "%s.deleted", file.path);
	cr_assert_eq(rename(file.path, renamed), 0);
	cr_assert_not_null(support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_RENAME, .ino = file.st.st_ino },
		SUPPORT_WAIT_MS));
	cr_assert_eq(kernel_tracer__watch_inode(
			     tracer, &record->mmap.file,
			     kernel_tracer__name_hash("00000000000000000213.timeindex")),
		     0, "the kernel had it: nothing to insert");
	cr_assert_eq(unlink(renamed), 0);
	cr_assert_not_null(
		support_wait_unlink(tracer, &records, &file, MW_UNLINK_LAST, MW_UNLINK_AUDIT,
				    SUPPORT_WAIT_MS),
		"the unlink of the new name was missed after a late watch under the old one");
	support_unmap_file(&file);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}
