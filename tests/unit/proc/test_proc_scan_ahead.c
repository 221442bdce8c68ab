// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The walk over /proc with its maps read ahead on worker threads must hand
 * the handlers exactly what the walk on one thread hands them: the same
 * processes, in the same order, each with the same VMAs and stat results.
 * Children of this test hold files of their own, a file they all share, a
 * deleted one, and one child holds more mappings than a worker keeps ahead
 * (it is walked when its turn comes). More children than the read-ahead has
 * slots, so the window wraps. Needs root for map_files.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc_scan.h"
#include "scratch_dir.h"

#define CHILDREN 40
#define FILES_EACH 6
/* many chunks of the VMAs a worker hands over at once (256 KiB, ~2,000) */
#define MANY_MAPPINGS 12000
#define STOP_AT 23

static char directory[] = "/tmp/mapwatch-scan-ahead-XXXXXX";
static pid_t children[CHILDREN];

static int make_file(const char *name, size_t size)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", directory, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size))
		return -1;
	return fd;
}

/* In the child: its own files, one deleted, and for one child thousands of mappings. */
static int hold_mappings(int index, long page)
{
	char name[64];
	int fd;

	for (int i = 0; i < FILES_EACH; i++) {
		snprintf(name, sizeof(name), "child-%02d-file-%d", index, i);
		fd = make_file(name, (size_t)page * (size_t)(i + 1));
		if (fd < 0 || mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
			return -1;
		if (i == 0) {
			char path[256];

			snprintf(path, sizeof(path), "%s/%s", directory, name);
			unlink(path);
		}
	}
	if (index == CHILDREN / 2) {
		char *area = mmap(NULL, (size_t)page * 2 * MANY_MAPPINGS, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		fd = make_file("a-file-mapped-a-great-many-times-over-by-one-child", (size_t)page);
		if (area == MAP_FAILED || fd < 0)
			return -1;
		/* every other page: neighbours of one file would merge into one VMA */
		for (long i = 0; i < MANY_MAPPINGS; i++)
			if (mmap(area + 2 * i * page, (size_t)page, PROT_READ,
				 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
				return -1;
	}
	return 0;
}

static void start_children(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int ready[2], shared;
	char byte;

	scratch_dir__create(directory);
	shared = make_file("shared-by-every-child", (size_t)page * 4);
	cr_assert_geq(shared, 0);
	cr_assert_neq(mmap(NULL, (size_t)page * 4, PROT_READ, MAP_SHARED, shared, 0), MAP_FAILED);
	cr_assert_eq(pipe(ready), 0);
	for (int i = 0; i < CHILDREN; i++) {
		children[i] = fork();
		cr_assert_geq(children[i], 0);
		if (children[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (hold_mappings(i, page) || write(ready[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	for (int i = 0; i < CHILDREN; i++)
		cr_assert_eq(read(ready[0], &byte, 1), 1, "child %d did not get ready", i);
	close(ready[0]);
}

static void stop_children(void)
{
	for (int i = 0; i < CHILDREN && children[i] > 0; i++)
		kill(children[i], SIGKILL);
	for (int i = 0; i < CHILDREN && children[i] > 0; i++)
		waitpid(children[i], NULL, 0);
	scratch_dir__remove(directory);
}

TestSuite(proc_scan_ahead, .init = start_children, .fini = stop_children);

/* Everything the handlers were handed, written down in the order it came. */
struct record {
	char *text;
	size_t length;
	size_t capacity;
	size_t processes;
	pid_t stop_at; /* begin fails for this child, 0 for none */
	pid_t current; /* the process begun last */
	pid_t fail_vmas_of; /* vma fails for this child after FAIL_AFTER of its VMAs, 0 for none */
	long vmas_of_failing;
};

#define FAIL_AFTER 5000

static void append(struct record *record, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static void append(struct record *record, const char *format, ...)
{
	va_list arguments;
	int length;

	va_start(arguments, format);
	length = vsnprintf(NULL, 0, format, arguments);
	va_end(arguments);
	while (record->length + (size_t)length + 1 > record->capacity) {
		record->capacity = record->capacity ? record->capacity * 2 : 1 << 20;
		record->text = realloc(record->text, record->capacity);
		cr_assert_not_null(record->text);
	}
	va_start(arguments, format);
	vsnprintf(record->text + record->length, (size_t)length + 1, format, arguments);
	va_end(arguments);
	record->length += (size_t)length;
}

static bool ours(pid_t pid)
{
	for (int i = 0; i < CHILDREN; i++)
		if (children[i] == pid)
			return true;
	return false;
}

static bool may_begin(pid_t pid, const char *comm, void *ctx)
{
	(void)comm;
	(void)ctx;
	return ours(pid);
}

static int begin(const struct mw_proc_process *process, void *ctx)
{
	struct record *record = ctx;

	if (!ours(process->pid))
		return 0;
	if (process->pid == record->stop_at)
		return -EIO;
	append(record, "process %d\n", (int)process->pid);
	record->current = process->pid;
	return 1;
}

static int vma(const struct mw_vma *vma, void *ctx)
{
	struct record *record = ctx;

	if (record->fail_vmas_of && record->current == record->fail_vmas_of &&
	    ++record->vmas_of_failing > FAIL_AFTER)
		return -EIO;
	append(ctx, "%llx-%llx %llx %u:%llu %d %d %d %u %llu %llu %s\n",
	       (unsigned long long)vma->start, (unsigned long long)vma->end,
	       (unsigned long long)vma->offset, vma->dev, (unsigned long long)vma->ino, vma->kind,
	       vma->deleted, vma->file_stat_known, vma->nlink, (unsigned long long)vma->file_size,
	       (unsigned long long)vma->file_disk_bytes, vma->path);
	return 0;
}

static int end(const struct mw_proc_process *process, void *ctx)
{
	struct record *record = ctx;

	record->processes++;
	append(record, "end %d: %llu mappings\n", (int)process->pid,
	       (unsigned long long)process->stats.map_count);
	return 0;
}

static void abandon(const struct mw_proc_process *process, void *ctx)
{
	append(ctx, "abandoned %d\n", (int)process->pid);
}

static int scan(bool read_ahead, pid_t stop_at, pid_t fail_vmas_of, struct record *record)
{
	const struct mw_proc_scan_handlers handlers = {
		.begin = begin,
		.vma = vma,
		.end = end,
		.abandon = abandon,
		.read_ahead = read_ahead,
		.may_begin = may_begin,
	};

	*record = (struct record){ .stop_at = stop_at, .fail_vmas_of = fail_vmas_of };
	return proc_scan__each(MW_PROC_MAPS_FILES_ONLY, &handlers, record, NULL);
}

Test(proc_scan_ahead, hands_over_what_the_walk_on_one_thread_does)
{
	struct record one_thread, ahead;

	cr_assert_eq(scan(false, 0, 0, &one_thread), 0);
	cr_assert_eq(scan(true, 0, 0, &ahead), 0);
	cr_assert_eq(one_thread.processes, CHILDREN);
	cr_assert_eq(ahead.processes, CHILDREN);
	cr_assert_gt(one_thread.length, (size_t)MANY_MAPPINGS * 64);
	/* the deleted file, the shared one and the many mappings are all in what was compared */
	cr_assert_not_null(strstr(one_thread.text, "child-00-file-0"));
	cr_assert_not_null(strstr(one_thread.text, "shared-by-every-child"));
	cr_assert_null(strstr(one_thread.text, "abandoned"));
	cr_assert_eq(ahead.length, one_thread.length);
	cr_assert_eq(memcmp(ahead.text, one_thread.text, one_thread.length), 0,
		     "the read-ahead handed something else, or in another order");
	free(one_thread.text);
	free(ahead.text);
}

/* The process that begin fails on is the last one handed: workers stop, the error comes back. */
Test(proc_scan_ahead, an_error_from_a_handler_stops_the_scan)
{
	struct record one_thread, ahead;
	pid_t stop_at;

	/* the child handed over as the STOP_AT-th, in the walk's own order */
	cr_assert_eq(scan(false, 0, 0, &one_thread), 0);
	{
		const char *at = one_thread.text;

		for (int i = 0; i < STOP_AT; i++)
			at = strstr(at, "process ") + 1;
		stop_at = (pid_t)atoi(strstr(at, "process ") + strlen("process "));
	}
	free(one_thread.text);
	cr_assert_eq(scan(false, stop_at, 0, &one_thread), -EIO);
	cr_assert_eq(scan(true, stop_at, 0, &ahead), -EIO);
	cr_assert_eq(one_thread.processes, STOP_AT);
	cr_assert_eq(ahead.processes, STOP_AT);
	cr_assert_eq(ahead.length, one_thread.length);
	cr_assert_eq(memcmp(ahead.text, one_thread.text, one_thread.length), 0);
	free(one_thread.text);
	free(ahead.text);
}

/*
 * The handlers refuse a VMA halfway through the child of many mappings: that
 * walk is abandoned (its worker still gets to its end) and the scan goes on
 * with the next process, as on one thread.
 */
Test(proc_scan_ahead, a_refused_vma_abandons_that_process_only)
{
	struct record one_thread, ahead;
	pid_t many = children[CHILDREN / 2];

	cr_assert_eq(scan(false, 0, many, &one_thread), 0);
	cr_assert_eq(scan(true, 0, many, &ahead), 0);
	cr_assert_eq(one_thread.processes, CHILDREN - 1);
	cr_assert_eq(ahead.processes, CHILDREN - 1);
	cr_assert_not_null(strstr(one_thread.text, "abandoned"));
	cr_assert_eq(ahead.length, one_thread.length);
	cr_assert_eq(memcmp(ahead.text, one_thread.text, one_thread.length), 0);
	free(one_thread.text);
	free(ahead.text);
}
