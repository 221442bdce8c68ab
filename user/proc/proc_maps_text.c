// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/PID/maps as text: the fallback for kernels without PROCMAP_QUERY. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "proc_maps.h"
#include "proc_maps_internal.h"

/*
 * The kernel pads the fields before the name to this width (seq_setwidth in
 * show_vma_header_prefix) and then writes one space, so a name that itself
 * starts with spaces can still be told from the padding.
 */
#define NAME_PAD_WIDTH (25 + sizeof(void *) * 6 - 1)

struct cursor {
	const char *at;
	const char *end;
};

static int parse_number(struct cursor *cursor, unsigned int base, uint64_t *value)
{
	uint64_t result = 0;
	const char *start = cursor->at;

	for (; cursor->at < cursor->end; cursor->at++) {
		char c = *cursor->at;
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else
			break;
		if (result > (UINT64_MAX - digit) / base)
			return -EINVAL;
		result = result * base + digit;
	}
	if (cursor->at == start)
		return -EINVAL;
	*value = result;
	return 0;
}

static int expect_char(struct cursor *cursor, char c)
{
	if (cursor->at >= cursor->end || *cursor->at != c)
		return -EINVAL;
	cursor->at++;
	return 0;
}

static int parse_permissions(struct cursor *cursor, struct mw_vma *vma)
{
	static const char allowed[4][2] = {
		{ 'r', '-' }, { 'w', '-' }, { 'x', '-' }, { 's', 'p' }
	};
	static const unsigned int prot_bits[3] = { PROT_READ, PROT_WRITE, PROT_EXEC };
	const char *p = cursor->at;

	if (cursor->end - p < 4)
		return -EINVAL;
	vma->prot = 0;
	for (int i = 0; i < 4; i++) {
		if (p[i] != allowed[i][0] && p[i] != allowed[i][1])
			return -EINVAL;
		if (i < 3 && p[i] == allowed[i][0])
			vma->prot |= prot_bits[i];
	}
	vma->shared = p[3] == 's';
	cursor->at += 4;
	return 0;
}

/* Where the name starts, or NULL for a VMA without one. */
static const char *find_name(const char *line, const char *after_inode, const char *end)
{
	size_t prefix = after_inode - line + 1; /* the space after the inode */
	size_t column = prefix > NAME_PAD_WIDTH ? prefix : NAME_PAD_WIDTH;
	const char *p;

	if (after_inode + 1 >= end)
		return NULL;
	if ((size_t)(end - line) > column + 1) {
		for (p = after_inode; p <= line + column && *p == ' '; p++)
			;
		if (p == line + column + 1)
			return p;
	}
	/* Not the layout we know: the name starts after the run of spaces. */
	for (p = after_inode; p < end && *p == ' '; p++)
		;
	return p < end ? p : NULL;
}

int proc_maps__parse_line(const char *line, size_t length, struct mw_vma *vma)
{
	struct cursor cursor = { line, line + length };
	uint64_t major, minor;
	const char *name;

	memset(vma, 0, offsetof(struct mw_vma, path));
	vma->path[0] = '\0';
	if (parse_number(&cursor, 16, &vma->start) || expect_char(&cursor, '-') ||
	    parse_number(&cursor, 16, &vma->end) || expect_char(&cursor, ' ') ||
	    parse_permissions(&cursor, vma) || expect_char(&cursor, ' ') ||
	    parse_number(&cursor, 16, &vma->offset) || expect_char(&cursor, ' ') ||
	    parse_number(&cursor, 16, &major) || expect_char(&cursor, ':') ||
	    parse_number(&cursor, 16, &minor) || expect_char(&cursor, ' ') ||
	    parse_number(&cursor, 10, &vma->ino))
		return -EINVAL;
	if (vma->end < vma->start || major > 0xfff || minor > 0xfffff)
		return -EINVAL;
	if (cursor.at < cursor.end && *cursor.at != ' ')
		return -EINVAL;
	vma->dev = (uint32_t)(major << 20 | minor);
	name = find_name(line, cursor.at, cursor.end);
	if (name)
		proc_maps_name__set(vma, name, cursor.end - name);
	else
		proc_maps_name__set(vma, "", 0);
	return 0;
}

static FILE *open_maps(int pid_dir)
{
	int fd = openat(pid_dir, "maps", O_RDONLY | O_CLOEXEC);
	FILE *file;

	if (fd < 0)
		return NULL;
	file = fdopen(fd, "r");
	if (!file) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return file;
}

int proc_maps_text__find(int pid_dir, uint64_t start, struct mw_vma *vma)
{
	FILE *file = open_maps(pid_dir);
	char *line = NULL;
	size_t capacity = 0;
	ssize_t length;
	int err = -ENOENT;

	if (!file)
		return -errno;
	while ((length = getline(&line, &capacity, file)) > 0) {
		if (line[length - 1] == '\n')
			length--;
		if (proc_maps__parse_line(line, length, vma) || vma->start > start)
			break;
		if (vma->start == start) {
			err = 0;
			break;
		}
	}
	free(line);
	fclose(file);
	return err;
}

/* Handles one line (without its newline); 0 goes on, anything else stops the walk. */
static int hand_line(const char *line, size_t length, struct mw_vma *vma, maps_sink_fn sink,
		     void *ctx)
{
	int err = proc_maps__parse_line(line, length, vma);

	/* the vsyscall gate area is listed but is no VMA of the process */
	if (!err && strcmp(vma->path, "[vsyscall]") != 0)
		err = sink(vma, ctx);
	return err;
}

int proc_maps_text__walk(int pid_dir, maps_sink_fn sink, void *ctx, int *alive)
{
	/*
	 * Each read() of the text formats as many lines as fit, under one lock
	 * of the address space: a 64 KiB buffer of our own takes a 500,000-line
	 * file in ~600 reads (stdio reads /proc in 1 KiB pieces, its st_blksize,
	 * whatever setvbuf asks). On the stack, with the VMA (PATH_MAX bytes of
	 * name): a scan of a thousand small processes faults their pages in once,
	 * where heap memory freed at each walk's end was trimmed and faulted in
	 * again at the next.
	 */
	char stack_buffer[64 * 1024];
	struct mw_vma vma;
	size_t capacity = sizeof(stack_buffer), held = 0;
	char *buffer = stack_buffer, *line, *end, *newline;
	ssize_t length;
	int fd, err = 0;

	fd = openat(pid_dir, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (!err) {
		if (held == capacity) {
			/* a line longer than the buffer (a name escaped at length): make room */
			char *larger = buffer == stack_buffer ? malloc(capacity * 2)
							      : realloc(buffer, capacity * 2);

			if (!larger) {
				err = -ENOMEM;
				break;
			}
			if (buffer == stack_buffer)
				memcpy(larger, buffer, held);
			buffer = larger;
			capacity *= 2;
		}
		length = read(fd, buffer + held, capacity - held);
		if (length < 0 && errno == EINTR)
			continue;
		/* a read error is ESRCH as the process dies, among others */
		if (length < 0) {
			err = -errno;
			break;
		}
		if (length == 0) {
			/* the last line, should it lack its newline */
			if (held)
				err = hand_line(buffer, held, &vma, sink, ctx);
			if (!err && alive)
				*alive = proc_maps_query__alive(fd);
			break;
		}
		line = buffer;
		end = buffer + held + length;
		while (!err && (newline = memchr(line, '\n', (size_t)(end - line)))) {
			err = hand_line(line, (size_t)(newline - line), &vma, sink, ctx);
			line = newline + 1;
		}
		held = (size_t)(end - line);
		memmove(buffer, line, held);
	}
	if (buffer != stack_buffer)
		free(buffer);
	close(fd);
	return err;
}
