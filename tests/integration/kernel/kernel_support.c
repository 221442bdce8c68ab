// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kernel_support.h"

struct mw_kernel_tracer *support_load(const struct mw_kernel_options *options)
{
	struct mw_kernel_options effective = {};
	struct mw_kernel_tracer *tracer = NULL;
	const char *ci = getenv("CI");
	char error[512];
	int err;

	if (options)
		effective = *options;
	/* verifier logs on stderr when a change breaks loading */
	effective.libbpf_debug = getenv("MAPWATCH_LIBBPF_DEBUG") != NULL;
	err = kernel_tracer__open(&tracer, &effective, error, sizeof(error));
	if (err) {
		if (ci && !strcmp(ci, "true"))
			cr_assert_fail("cannot load the BPF programs: %s", error);
		cr_skip_test("cannot load the BPF programs: %s", error);
	}
	return tracer;
}

static int collect(void *context, const void *data, size_t size)
{
	struct support_records *records = context;
	struct support_record *record;

	if (records->count == records->capacity) {
		size_t capacity = records->capacity ? records->capacity * 2 : 1024;
		struct support_record *items =
			realloc(records->items, capacity * sizeof(*records->items));

		cr_assert_not_null(items);
		records->items = items;
		records->capacity = capacity;
	}
	cr_assert_leq(size, SUPPORT_RECORD_MAX, "record of %zu bytes", size);
	record = &records->items[records->count++];
	memset(record, 0, sizeof(*record));
	record->size = size;
	memcpy(record->bytes, data, size);
	cr_assert_eq(record->header.size, size, "header size %u, record %zu", record->header.size,
		     size);
	return 0;
}

void support_drain(struct mw_kernel_tracer *tracer, struct support_records *records)
{
	int result = kernel_tracer__drain(tracer, collect, records);

	cr_assert_geq(result, 0, "drain: %s", strerror(-result));
}

static bool matches(const struct support_record *record, const struct support_match *match)
{
	const struct mw_event_header *header = &record->header;
	uint64_t ino = 0, addr = 0;

	if (match->type && header->type != match->type)
		return false;
	if (match->pid && header->pid != match->pid)
		return false;
	if ((header->flags & match->flags_set) != match->flags_set)
		return false;
	if (header->flags & match->flags_clear)
		return false;
	switch (header->type) {
	case MW_EVENT_MMAP:
		ino = record->mmap.file.ino;
		addr = record->mmap.addr;
		break;
	case MW_EVENT_MUNMAP:
		addr = record->munmap.addr;
		break;
	case MW_EVENT_TRUNCATE:
	case MW_EVENT_UNLINK:
		ino = record->file.file.ino;
		break;
	case MW_EVENT_RENAME:
		ino = record->rename.file.ino;
		break;
	}
	if (match->ino && ino != match->ino)
		return false;
	if (match->addr && addr != match->addr)
		return false;
	return true;
}

const struct support_record *support_find(const struct support_records *records,
					  const struct support_match *match)
{
	for (size_t i = 0; i < records->count; i++) {
		if (matches(&records->items[i], match))
			return &records->items[i];
	}
	return NULL;
}

size_t support_count(const struct support_records *records, const struct support_match *match)
{
	size_t count = 0;

	for (size_t i = 0; i < records->count; i++)
		count += matches(&records->items[i], match);
	return count;
}

const struct support_record *support_wait_for(struct mw_kernel_tracer *tracer,
					      struct support_records *records,
					      const struct support_match *match, int timeout_ms)
{
	uint64_t deadline = support_now_ns() + (uint64_t)timeout_ms * 1000000;
	int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event event = { .events = EPOLLIN };
	const struct support_record *found = NULL;

	cr_assert_geq(epoll_fd, 0);
	cr_assert_eq(
		epoll_ctl(epoll_fd, EPOLL_CTL_ADD, kernel_tracer__ring_buffer_fd(tracer), &event),
		0);
	for (;;) {
		support_drain(tracer, records);
		found = support_find(records, match);
		if (found || support_now_ns() >= deadline)
			break;
		/* most events do not wake us: poll on a short timer too */
		epoll_wait(epoll_fd, &event, 1, 10);
	}
	close(epoll_fd);
	return found;
}

void support_records_free(struct support_records *records)
{
	free(records->items);
	memset(records, 0, sizeof(*records));
}

void support_make_dir(const char *parent, char *path, size_t path_size)
{
	snprintf(path, path_size, "%s/mapwatch-kernel-XXXXXX", parent);
	cr_assert_not_null(mkdtemp(path), "mkdtemp in %s: %s", parent, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void support_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int support_create_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(ftruncate(fd, size), 0, "ftruncate %s: %s", path, strerror(errno));
	return fd;
}

uint32_t support_kernel_dev(dev_t dev)
{
	return (major(dev) << 20) | minor(dev);
}

uint64_t support_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int support_count_vmas(void)
{
	/* read(2) into a static buffer: no allocation that could change the count */
	static char buffer[1 << 20];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	ssize_t got;
	int lines = 0;

	cr_assert_geq(fd, 0);
	while ((got = read(fd, buffer + used, sizeof(buffer) - 1 - used)) > 0)
		used += got;
	close(fd);
	buffer[used] = '\0';
	for (char *line = buffer; *line;) {
		char *end = strchr(line, '\n');

		if (!strstr(line, "[vsyscall]") || (end && strstr(line, "[vsyscall]") > end))
			lines++;
		if (!end)
			break;
		line = end + 1;
	}
	return lines;
}

char support_thread_state(pid_t tid, long *syscall_nr)
{
	char path[64], text[512], *close_paren;
	char state;
	ssize_t got;
	int fd;

	*syscall_nr = -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	text[got] = '\0';
	/* the name in parentheses may hold anything: the state follows the last ')' */
	close_paren = strrchr(text, ')');
	if (!close_paren || close_paren[1] != ' ' || !close_paren[2])
		return 0;
	state = close_paren[2];
	/* "running" while on a CPU; the number and arguments while blocked */
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (got > 0) {
			text[got] = '\0';
			if (text[0] >= '0' && text[0] <= '9')
				*syscall_nr = strtol(text, NULL, 10);
		}
	}
	return state;
}

void support_map_file(struct support_mapped_file *file, const char *dir, const char *name,
		      size_t length)
{
	snprintf(file->path, sizeof(file->path), "%s/%s", dir, name);
	file->fd = support_create_file(file->path, length);
	file->length = length;
	file->mapping = mmap(NULL, length, PROT_READ, MAP_SHARED, file->fd, 0);
	cr_assert_neq(file->mapping, MAP_FAILED, "mmap %s: %s", file->path, strerror(errno));
	cr_assert_eq(fstat(file->fd, &file->st), 0);
	close(file->fd);
	file->fd = -1;
}

void support_unmap_file(struct support_mapped_file *file)
{
	munmap(file->mapping, file->length);
}

const struct support_record *support_wait_mapped(struct mw_kernel_tracer *tracer,
						 struct support_records *records,
						 struct support_mapped_file *file)
{
	const struct support_record *record =
		support_wait_for(tracer, records,
				 &(struct support_match){ .type = MW_EVENT_MMAP,
							  .pid = getpid(),
							  .addr = (uintptr_t)file->mapping,
							  .flags_set = MW_MMAP_FILE },
				 SUPPORT_WAIT_MS);

	cr_assert_not_null(record, "no MMAP event for %s", file->path);
	return record;
}

const struct support_record *support_wait_unlink(struct mw_kernel_tracer *tracer,
						 struct support_records *records,
						 struct support_mapped_file *file,
						 uint32_t flags_set, uint32_t flags_clear,
						 int timeout_ms)
{
	return support_wait_for(tracer, records,
				&(struct support_match){ .type = MW_EVENT_UNLINK,
							 .ino = file->st.st_ino,
							 .flags_set = flags_set,
							 .flags_clear = flags_clear },
				timeout_ms);
}
