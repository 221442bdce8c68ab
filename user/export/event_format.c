// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "event_format.h"
#include "json_values.h"
#include "terminal_text.h"
#include "utf8_text.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

struct flag_name {
	unsigned int bit;
	const char *name;
};

static const struct flag_name mmap_flag_names[] = {
	{ MAP_FIXED, "fixed" },		{ MAP_FIXED_NOREPLACE, "fixed_noreplace" },
	{ MAP_ANONYMOUS, "anonymous" }, { MAP_POPULATE, "populate" },
	{ MAP_NORESERVE, "noreserve" }, { MAP_HUGETLB, "hugetlb" },
};

static const struct flag_name mremap_flag_names[] = {
	{ MREMAP_MAYMOVE, "maymove" },
	{ MREMAP_FIXED, "fixed" },
	{ MREMAP_DONTUNMAP, "dontunmap" },
};

static const struct flag_name check_flag_names[] = {
	{ MW_CHECK_BUCKET_FULL, "bucket_full" },
	{ MW_CHECK_INODE_UNKNOWN, "inode_unknown" },
	{ MW_CHECK_RENAME, "rename" },
	{ MW_CHECK_TRUNCATE, "truncate" },
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static double realtime_seconds(const union mw_event *event, double realtime_offset)
{
	return event->header.timestamp_ns / 1e9 + realtime_offset;
}

static void prot_string(uint32_t prot, char out[4])
{
	out[0] = prot & PROT_READ ? 'r' : '-';
	out[1] = prot & PROT_WRITE ? 'w' : '-';
	out[2] = prot & PROT_EXEC ? 'x' : '-';
	out[3] = '\0';
}

/* Sharing first (the mapping's nature), then the modifiers set, comma-separated. */
static void mmap_flags_string(uint32_t flags, char *out, size_t size)
{
	size_t used;

	used = snprintf(out, size, "%s", (flags & MAP_TYPE) == MAP_PRIVATE ? "private" : "shared");
	for (size_t i = 0; i < COUNT(mmap_flag_names) && used < size; i++)
		if (flags & mmap_flag_names[i].bit)
			used += snprintf(out + used, size - used, ",%s", mmap_flag_names[i].name);
}

static void flags_string(uint32_t flags, const struct flag_name *names, size_t count, char *out,
			 size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && used < size; i++)
		if (flags & names[i].bit)
			used += snprintf(out + used, size - used, "%s%s", used ? "," : "",
					 names[i].name);
	if (used == 0)
		snprintf(out, size, "none");
}

/*
 * The kernel rounds a mapping's length up to whole pages; /proc/PID/maps
 * shows the rounded end, and so do we, so a user can match the two.
 */
static uint64_t page_end(uint64_t start, uint64_t length)
{
	static uint64_t page;

	if (!page)
		page = (uint64_t)sysconf(_SC_PAGESIZE);
	return start + (length + page - 1) / page * page;
}

/* The bytes of a kernel name, escaped as /proc does: no control byte or space reaches the line. */
static int put_escaped(FILE *out, const char *bytes, size_t max_length, bool utf8)
{
	char *text = terminal_text__escape_field(bytes, max_length, utf8);

	if (!text)
		return -ENOMEM;
	fputs(text, out);
	free(text);
	return 0;
}

static void text_file_id(FILE *out, const struct mw_file_id *file)
{
	char dev[16];

	json_values__format_device(file->maps_dev ? file->maps_dev : file->dev, dev);
	fprintf(out, " dev=%s ino=%" PRIu64 " size=%" PRIu64 " nlink=%" PRIu32, dev,
		(uint64_t)file->ino, (uint64_t)file->size, file->nlink);
}

static void text_range(FILE *out, const char *key, uint64_t start, uint64_t length)
{
	fprintf(out, " %s=%08" PRIx64 "-%08" PRIx64, key, start, page_end(start, length));
}

/* A record of a file the kernel had filed already carries no name: only its name's hash. */
static bool mmap_named(const struct mw_mmap_event *mmap_event)
{
	return !(mmap_event->header.flags & MW_MMAP_INODE_FILED);
}

static int text_mmap(FILE *out, const struct mw_mmap_event *mmap_event, bool utf8)
{
	char prot[4], flags[128];

	text_range(out, "addr", mmap_event->addr, mmap_event->length);
	fprintf(out, " off=%" PRIu64, (uint64_t)mmap_event->offset);
	if (mmap_event->header.flags & MW_MMAP_FILE) {
		text_file_id(out, &mmap_event->file);
		if (mmap_named(mmap_event)) {
			fputs(" name=", out);
			if (put_escaped(out, mmap_event->name, sizeof(mmap_event->name), utf8))
				return -ENOMEM;
		} else {
			fprintf(out, " name_hash=%016" PRIx64, (uint64_t)mmap_event->name_hash);
		}
		if (mmap_event->header.flags & MW_MMAP_NAME_TRUNCATED)
			fputs(" name_truncated=yes", out);
	}
	prot_string(mmap_event->prot, prot);
	mmap_flags_string(mmap_event->map_flags, flags, sizeof(flags));
	fprintf(out, " prot=%s flags=%s", prot, flags);
	return 0;
}

static int text_body(FILE *out, const union mw_event *event, bool utf8)
{
	char prot[4], flags[128];

	switch (event->header.type) {
	case MW_EVENT_MMAP:
		return text_mmap(out, &event->mmap, utf8);
	case MW_EVENT_MUNMAP:
		text_range(out, "addr", event->munmap.addr, event->munmap.length);
		break;
	case MW_EVENT_MREMAP:
		text_range(out, "old", event->mremap.old_addr, event->mremap.old_length);
		text_range(out, "new", event->mremap.new_addr, event->mremap.new_length);
		flags_string(event->mremap.mremap_flags, mremap_flag_names,
			     COUNT(mremap_flag_names), flags, sizeof(flags));
		fprintf(out, " flags=%s", flags);
		break;
	case MW_EVENT_MPROTECT:
		text_range(out, "addr", event->mprotect.addr, event->mprotect.length);
		prot_string(event->mprotect.prot, prot);
		fprintf(out, " prot=%s", prot);
		break;
	case MW_EVENT_TRUNCATE:
		text_file_id(out, &event->file.file);
		break;
	case MW_EVENT_UNLINK:
		text_file_id(out, &event->file.file);
		if (event->header.flags & MW_UNLINK_LAST)
			fputs(" last_link=yes", out);
		break;
	case MW_EVENT_RENAME:
		text_file_id(out, &event->rename.file);
		fputs(" name=", out);
		return put_escaped(out, event->rename.name, sizeof(event->rename.name), utf8);
	case MW_EVENT_CHECK:
		flags_string(event->header.flags, check_flag_names, COUNT(check_flag_names), flags,
			     sizeof(flags));
		fprintf(out, " bucket=%016" PRIx64 " result=%" PRId32 " reasons=%s",
			(uint64_t)event->check.name_hash, (int32_t)event->check.syscall_result,
			flags);
		break;
	case MW_EVENT_FORK:
		fprintf(out, " child=%" PRIu32, event->fork.child_pid);
		if (event->header.flags & MW_FORK_SHARED_MM)
			fputs(" shared_mm=yes", out);
		break;
	case MW_EVENT_EXEC:
		if (event->exec.old_pid != event->header.pid)
			fprintf(out, " old_pid=%" PRIu32, event->exec.old_pid);
		break;
	case MW_EVENT_EXIT:
		fprintf(out, " code=%" PRIu32, event->exit.exit_code);
		break;
	default:
		fprintf(out, " type=%" PRIu32, event->header.type);
		break;
	}
	return 0;
}

/*
 * Closes the memory stream (which may move the buffer, so both are read
 * afterwards) and writes the line with one call: the stream gets it whole.
 */
static int put_line(FILE *file, FILE *memory, char **line, size_t *length)
{
	int err = 0;

	if (fclose(memory))
		err = -ENOMEM;
	else if (fwrite(*line, 1, *length, file) != *length)
		err = errno ? -errno : -EIO;
	free(*line);
	return err;
}

int event_format__text(FILE *file, const union mw_event *event, double realtime_offset, bool utf8)
{
	/* in nanoseconds: a double of today's epoch seconds cannot hold whole microseconds */
	int64_t realtime_ns = (int64_t)event->header.timestamp_ns + llround(realtime_offset * 1e9);
	time_t whole = realtime_ns / 1000000000;
	long micros = (realtime_ns % 1000000000) / 1000;
	char *line = NULL, clock[16];
	size_t length = 0;
	struct tm local;
	FILE *out;
	int err;

	if (micros < 0) {
		whole--;
		micros += 1000000;
	}
	if (!localtime_r(&whole, &local))
		memset(&local, 0, sizeof(local));
	strftime(clock, sizeof(clock), "%H:%M:%S", &local);
	out = open_memstream(&line, &length);
	if (!out)
		return -ENOMEM;
	fprintf(out, "%s.%06ld %s pid=%" PRIu32 " comm=", clock, micros,
		event__type_name(event->header.type), event->header.pid);
	err = put_escaped(out, event->header.comm, sizeof(event->header.comm), utf8);
	if (!err)
		err = text_body(out, event, utf8);
	if (err) {
		fclose(out);
		free(line);
		return err;
	}
	if (event->header.map_count)
		fprintf(out, " maps=%" PRIu32, event->header.map_count);
	fputc('\n', out);
	return put_line(file, out, &line, &length);
}

/* JSON */

static json_t *prot_json(uint32_t prot)
{
	char buffer[4];

	prot_string(prot, buffer);
	return json_string(buffer);
}

static json_t *flags_json(uint32_t flags, const struct flag_name *names, size_t count)
{
	json_t *array = json_array();

	for (size_t i = 0; array && i < count; i++) {
		if ((flags & names[i].bit) &&
		    json_array_append_new(array, json_string(names[i].name))) {
			json_decref(array);
			return NULL;
		}
	}
	return array;
}

static json_t *mmap_flags_json(uint32_t flags)
{
	json_t *array = flags_json(flags, mmap_flag_names, COUNT(mmap_flag_names));
	const char *sharing = (flags & MAP_TYPE) == MAP_PRIVATE ? "private" : "shared";

	if (array && json_array_insert_new(array, 0, json_string(sharing))) {
		json_decref(array);
		return NULL;
	}
	return array;
}

static bool json_file_id(json_t *object, const struct mw_file_id *file)
{
	char dev[16];

	json_values__format_device(file->maps_dev ? file->maps_dev : file->dev, dev);
	return json_values__set(object, "dev", json_string(dev)) &&
	       json_values__set(object, "ino", json_values__unsigned(file->ino)) &&
	       json_values__set(object, "size", json_values__unsigned(file->size)) &&
	       json_values__set(object, "nlink", json_values__unsigned(file->nlink));
}

static bool json_range(json_t *object, const char *start_key, const char *end_key, uint64_t start,
		       uint64_t length)
{
	return json_values__set(object, start_key, json_values__address(start)) &&
	       json_values__set(object, end_key, json_values__address(page_end(start, length)));
}

static bool json_mmap(json_t *object, const struct mw_mmap_event *mmap_event)
{
	bool is_file = mmap_event->header.flags & MW_MMAP_FILE;
	char name_hash[24];

	if (!json_range(object, "start", "end", mmap_event->addr, mmap_event->length) ||
	    !json_values__set(object, "offset", json_values__unsigned(mmap_event->offset)) ||
	    !json_values__set(object, "prot", prot_json(mmap_event->prot)) ||
	    !json_values__set(object, "flags", mmap_flags_json(mmap_event->map_flags)) ||
	    !json_values__set(object, "file", json_boolean(is_file)))
		return false;
	if (!is_file)
		return true;
	snprintf(name_hash, sizeof(name_hash), "%016" PRIx64, (uint64_t)mmap_event->name_hash);
	return json_file_id(object, &mmap_event->file) &&
	       json_values__set(object, "name",
				mmap_named(mmap_event) ? json_values__text(mmap_event->name,
									   sizeof(mmap_event->name))
						       : json_null()) &&
	       json_values__set(object, "name_hash", json_string(name_hash)) &&
	       json_values__set(object, "name_truncated",
				json_boolean(mmap_event->header.flags & MW_MMAP_NAME_TRUNCATED));
}

static bool json_body(json_t *object, const union mw_event *event)
{
	uint32_t flags = event->header.flags;

	switch (event->header.type) {
	case MW_EVENT_MMAP:
		return json_mmap(object, &event->mmap);
	case MW_EVENT_MUNMAP:
		return json_range(object, "start", "end", event->munmap.addr, event->munmap.length);
	case MW_EVENT_MREMAP:
		return json_range(object, "old_start", "old_end", event->mremap.old_addr,
				  event->mremap.old_length) &&
		       json_range(object, "new_start", "new_end", event->mremap.new_addr,
				  event->mremap.new_length) &&
		       json_values__set(object, "flags",
					flags_json(event->mremap.mremap_flags, mremap_flag_names,
						   COUNT(mremap_flag_names)));
	case MW_EVENT_MPROTECT:
		return json_range(object, "start", "end", event->mprotect.addr,
				  event->mprotect.length) &&
		       json_values__set(object, "prot", prot_json(event->mprotect.prot));
	case MW_EVENT_TRUNCATE:
		return json_file_id(object, &event->file.file);
	case MW_EVENT_UNLINK:
		return json_file_id(object, &event->file.file) &&
		       json_values__set(object, "last_link", json_boolean(flags & MW_UNLINK_LAST));
	case MW_EVENT_RENAME:
		return json_file_id(object, &event->rename.file) &&
		       json_values__set(
			       object, "name",
			       json_values__text(event->rename.name, sizeof(event->rename.name)));
	case MW_EVENT_CHECK: {
		char bucket[24];

		snprintf(bucket, sizeof(bucket), "%016" PRIx64, (uint64_t)event->check.name_hash);
		return json_values__set(object, "bucket", json_string(bucket)) &&
		       json_values__set(object, "result",
					json_integer((int32_t)event->check.syscall_result)) &&
		       json_values__set(
			       object, "reasons",
			       flags_json(flags, check_flag_names, COUNT(check_flag_names)));
	}
	case MW_EVENT_FORK:
		return json_values__set(object, "child_pid",
					json_values__unsigned(event->fork.child_pid)) &&
		       json_values__set(object, "shared_mm",
					json_boolean(flags & MW_FORK_SHARED_MM));
	case MW_EVENT_EXEC:
		return json_values__set(object, "old_pid",
					json_values__unsigned(event->exec.old_pid));
	case MW_EVENT_EXIT:
		return json_values__set(object, "exit_code",
					json_values__unsigned(event->exit.exit_code));
	default:
		return json_values__set(object, "type_number",
					json_values__unsigned(event->header.type));
	}
}

json_t *event_format__json_object(const union mw_event *event, double realtime_offset)
{
	json_t *object = json_object();
	bool ok;

	if (!object)
		return NULL;
	ok = json_values__set(object, "timestamp",
			      json_real(realtime_seconds(event, realtime_offset))) &&
	     json_values__set(object, "type", json_string(event__type_name(event->header.type))) &&
	     json_values__set(object, "pid", json_values__unsigned(event->header.pid)) &&
	     json_values__set(object, "tid", json_values__unsigned(event->header.tid)) &&
	     json_values__set(object, "comm",
			      json_values__text(event->header.comm, sizeof(event->header.comm))) &&
	     json_values__set(object, "map_count",
			      json_values__unsigned(event->header.map_count)) &&
	     json_body(object, event);
	if (!ok) {
		json_decref(object);
		return NULL;
	}
	return object;
}

int event_format__json(FILE *file, const union mw_event *event, double realtime_offset)
{
	json_t *object = event_format__json_object(event, realtime_offset);
	char *line;
	size_t length;
	int err = 0;

	if (!object)
		return -ENOMEM;
	line = json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16));
	json_decref(object);
	if (!line)
		return -ENOMEM;
	length = strlen(line);
	line[length] = '\n'; /* replaces the NUL: the line goes out with one fwrite */
	if (fwrite(line, 1, length + 1, file) != length + 1)
		err = errno ? -errno : -EIO;
	free(line);
	return err;
}
