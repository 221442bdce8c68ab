// SPDX-License-Identifier: GPL-2.0
/* Mappings as the kernel reports them, checked against fstat and /proc/self/maps. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_support.h"

#define PAGE 4096

/* The /proc/self/maps line starting at addr: offset, "maj:min" and inode. */
static void proc_maps_line(uintptr_t addr, uint64_t *offset, unsigned *major, unsigned *minor,
			   uint64_t *ino)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[512];
	bool found = false;

	cr_assert_not_null(maps);
	while (!found && fgets(line, sizeof(line), maps)) {
		uintptr_t start, end;

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %" SCNx64 " %x:%x %" SCNu64, &start,
			   &end, offset, major, minor, ino) == 6 &&
		    start == addr)
			found = true;
	}
	fclose(maps);
	cr_assert(found, "no /proc/self/maps line at %" PRIxPTR, addr);
}

static void check_file_mmap(const char *parent)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	char dir[256], path[300], copy[300];
	unsigned major, minor;
	uint64_t offset, ino;
	struct stat st;
	void *mapping;
	int fd;

	support_make_dir(parent, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/00000000000000461285.timeindex", dir);
	fd = support_create_file(path, 3 * PAGE);
	cr_assert_eq(fstat(fd, &st), 0);
	mapping = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	cr_assert_neq(mapping, MAP_FAILED, "mmap: %s", strerror(errno));
	proc_maps_line((uintptr_t)mapping, &offset, &major, &minor, &ino);

	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_MMAP,
							   .pid = getpid(),
							   .addr = (uintptr_t)mapping },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no MMAP event for the mapping");
	cr_assert(record->header.flags & MW_MMAP_FILE);
	cr_assert(record->header.flags & MW_MMAP_INODE_KNOWN);
	cr_assert_eq(record->mmap.length, 2 * PAGE);
	cr_assert_eq(record->mmap.offset, PAGE);
	cr_assert_eq(record->mmap.offset, offset);
	cr_assert_eq(record->mmap.prot, PROT_READ);
	cr_assert_eq(record->mmap.map_flags & MAP_SHARED, MAP_SHARED);
	cr_assert_eq(record->mmap.file.ino, st.st_ino);
	cr_assert_eq(record->mmap.file.ino, ino);
	cr_assert_eq(record->mmap.file.dev, support_kernel_dev(st.st_dev));
	cr_assert_eq(record->mmap.file.dev, (major << 20) | minor);
	cr_assert_eq(record->mmap.file.size, 3 * PAGE);
	cr_assert_eq(record->mmap.file.nlink, 1);
	cr_assert_neq(record->mmap.file.inode, 0);
	strcpy(copy, path);
	cr_assert_str_eq(record->mmap.name, basename(copy));
	cr_assert_eq(record->mmap.name_hash, kernel_tracer__name_hash(basename(copy)));
	cr_assert_eq(record->header.tid, (uint32_t)gettid());
	cr_assert_gt(record->header.map_count, 0);

	munmap(mapping, 2 * PAGE);
	close(fd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_mmap, file_mapping_on_disk_filesystem)
{
	check_file_mmap("/tmp");
}

Test(kernel_mmap, file_mapping_on_tmpfs)
{
	check_file_mmap("/dev/shm");
}

Test(kernel_mmap, long_name_is_cut_and_flagged)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	char dir[256], path[600], name[201];
	void *mapping;
	int fd;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	support_make_dir("/tmp", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = support_create_file(path, PAGE);
	mapping = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(mapping, MAP_FAILED);
	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_MMAP,
							   .pid = getpid(),
							   .addr = (uintptr_t)mapping },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record);
	cr_assert(record->header.flags & MW_MMAP_NAME_TRUNCATED);
	cr_assert_eq(strlen(record->mmap.name), MW_NAME_LEN - 1);
	cr_assert_eq(record->mmap.name_hash, kernel_tracer__name_hash(name),
		     "the hash covers the whole name");
	munmap(mapping, PAGE);
	close(fd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_mmap, anonymous_mapping_sends_nothing)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	struct support_mapped_file marker;
	char dir[256];
	void *anonymous =
		mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *shared =
		mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int zero_fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	void *zero = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, zero_fd, 0);

	cr_assert_neq(anonymous, MAP_FAILED);
	cr_assert_neq(shared, MAP_FAILED);
	cr_assert_neq(zero, MAP_FAILED);
	/*
	 * A file mapped after them: once its record arrives, any about them would have too.
	 * Matched by address, since MAP_FIXED anonymous memory is reported (it may cover a
	 * file) and the sanitizer's allocator makes such mappings in this process.
	 */
	support_make_dir("/tmp", dir, sizeof(dir));
	support_map_file(&marker, dir, "marker.index", PAGE);
	support_wait_mapped(tracer, &records, &marker);
	cr_assert_eq(
		support_count(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								 .pid = getpid(),
								 .addr = (uintptr_t)anonymous }),
		0);
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								      .pid = getpid(),
								      .addr = (uintptr_t)shared }),
		     0);
	cr_assert_eq(support_count(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								      .pid = getpid(),
								      .addr = (uintptr_t)zero }),
		     0);
	support_unmap_file(&marker);
	support_remove_tree(dir);
	munmap(anonymous, 4 * PAGE);
	munmap(shared, 4 * PAGE);
	munmap(zero, PAGE);
	close(zero_fd);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_mmap, memfd_is_not_a_file_mapping)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	char dir[256], path[300];
	int memfd = memfd_create("mapwatch-test", MFD_CLOEXEC);
	void *over, *file_mapping, *memfd_mapping;
	int fd;

	cr_assert_geq(memfd, 0);
	cr_assert_eq(ftruncate(memfd, 4 * PAGE), 0);
	memfd_mapping = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, memfd, 0);
	cr_assert_neq(memfd_mapping, MAP_FAILED);

	/* a file mapping makes the process tracked; a memfd MAP_FIXED over it must be reported */
	support_make_dir("/tmp", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/segment.index", dir);
	fd = support_create_file(path, 4 * PAGE);
	file_mapping = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(file_mapping, MAP_FAILED);
	over = mmap((char *)file_mapping + PAGE, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, memfd, 0);
	cr_assert_eq(over, (char *)file_mapping + PAGE);

	record = support_wait_for(tracer, &records,
				  &(struct support_match){ .type = MW_EVENT_MMAP,
							   .pid = getpid(),
							   .addr = (uintptr_t)over },
				  SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "MAP_FIXED over a file mapping is reported");
	cr_assert_eq(record->header.flags & MW_MMAP_FILE, 0);
	cr_assert_eq(record->mmap.length, PAGE);
	cr_assert_not_null(
		support_find(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								.pid = getpid(),
								.addr = (uintptr_t)file_mapping,
								.flags_set = MW_MMAP_FILE }));
	cr_assert_null(
		support_find(&records, &(struct support_match){ .type = MW_EVENT_MMAP,
								.pid = getpid(),
								.addr = (uintptr_t)memfd_mapping }),
		"a memfd mapping at a free address does not change file mappings");
	munmap(file_mapping, 4 * PAGE);
	munmap(memfd_mapping, 4 * PAGE);
	close(fd);
	close(memfd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_mmap, munmap_mremap_mprotect_of_tracked_process)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct support_records records = {};
	const struct support_record *record;
	char dir[256], path[300];
	char *mapping, *moved;
	int fd;

	support_make_dir("/tmp", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/segment.log", dir);
	fd = support_create_file(path, 8 * PAGE);
	mapping = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(mapping, MAP_FAILED);
	cr_assert_eq(munmap(mapping + 3 * PAGE, PAGE), 0);
	cr_assert_eq(mprotect(mapping, PAGE, PROT_NONE), 0);
	moved = mremap(mapping + PAGE, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	cr_assert_neq(moved, MAP_FAILED);

	record =
		support_wait_for(tracer, &records,
				 &(struct support_match){ .type = MW_EVENT_MUNMAP,
							  .pid = getpid(),
							  .addr = (uintptr_t)(mapping + 3 * PAGE) },
				 SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no MUNMAP event");
	cr_assert_eq(record->munmap.length, PAGE);
	record = support_wait_for(
		tracer, &records,
		&(struct support_match){ .type = MW_EVENT_MREMAP, .pid = getpid() },
		SUPPORT_WAIT_MS);
	cr_assert_not_null(record, "no MREMAP event");
	cr_assert_eq(record->mremap.old_addr, (uintptr_t)(mapping + PAGE));
	cr_assert_eq(record->mremap.old_length, 2 * PAGE);
	cr_assert_eq(record->mremap.new_length, 4 * PAGE);
	cr_assert_eq(record->mremap.new_addr, (uintptr_t)moved);
	cr_assert_eq(record->mremap.mremap_flags, MREMAP_MAYMOVE);
	record = support_find(
		&records, &(struct support_match){ .type = MW_EVENT_MPROTECT, .pid = getpid() });
	cr_assert_not_null(record, "no MPROTECT event");
	cr_assert_eq(record->mprotect.addr, (uintptr_t)mapping);
	cr_assert_eq(record->mprotect.prot, PROT_NONE);

	munmap(mapping, PAGE);
	munmap(moved, 4 * PAGE);
	close(fd);
	support_remove_tree(dir);
	support_records_free(&records);
	kernel_tracer__destroy(tracer);
}

Test(kernel_mmap, read_processes_gives_the_exact_vma_count_and_name)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	struct mw_process_sample samples[2];
	uint32_t pids[2] = { (uint32_t)getpid(), 0 };
	char comm[MW_COMM_LEN] = "";
	int before = -1, after = -2;
	pid_t gone = fork();

	cr_assert_geq(gone, 0);
	if (gone == 0)
		_exit(0);
	cr_assert_eq(waitpid(gone, NULL, 0), gone);
	pids[1] = (uint32_t)gone; /* reaped: no such process now */
	cr_assert_eq(prctl(PR_SET_NAME, "sampled-name"), 0);
	/* another thread of the test runner could map meanwhile: retry until stable */
	for (int attempt = 0; attempt < 10; attempt++) {
		void *anonymous = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		cr_assert_neq(anonymous, MAP_FAILED);
		before = support_count_vmas();
		cr_assert_eq(kernel_tracer__read_processes(tracer, pids, 2, samples), 0);
		after = support_count_vmas();
		if (before == after && (int)samples[0].map_count == before)
			break;
	}
	cr_assert_eq(before, after);
	cr_assert_eq(samples[0].alive, 1);
	cr_assert_eq((int)samples[0].map_count, before, "kernel %u, /proc/self/maps %d",
		     samples[0].map_count, before);
	prctl(PR_GET_NAME, comm);
	cr_assert_str_eq(samples[0].comm, comm);
	cr_assert_str_eq(samples[0].comm, "sampled-name");
	cr_assert_eq(samples[1].alive, 0, "pid %d was reaped", gone);
	kernel_tracer__destroy(tracer);
}

/* More pids than one run of the program takes: batched, every answer in its place. */
Test(kernel_mmap, read_processes_batches_many_pids)
{
	struct mw_kernel_tracer *tracer = support_load(NULL);
	size_t count = MW_PROCESS_QUERY_MAX * 2 + 3;
	struct mw_process_sample *samples = calloc(count, sizeof(*samples));
	uint32_t *pids = calloc(count, sizeof(*pids));

	cr_assert(samples && pids);
	for (size_t i = 0; i < count; i++)
		pids[i] = i % 2 ? (uint32_t)getpid() : (uint32_t)getppid();
	cr_assert_eq(kernel_tracer__read_processes(tracer, pids, count, samples), 0);
	for (size_t i = 0; i < count; i++) {
		cr_assert_eq(samples[i].alive, 1, "sample %zu", i);
		cr_assert_gt(samples[i].map_count, 0, "sample %zu", i);
	}
	free(samples);
	free(pids);
	kernel_tracer__destroy(tracer);
}
