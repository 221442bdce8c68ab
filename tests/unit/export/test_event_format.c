// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapwatch trace` lines: what a user reads, and what a script parses. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "event_format.h"

/* 2025-11-25 12:00:00 UTC minus the monotonic clock of the events below */
#define WALL_CLOCK_BASE 1764072000.0
#define MONOTONIC_NS 5000000000ULL

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

TestSuite(event_format, .init = utc);

static void header(union mw_event *event, unsigned int type, const char *comm)
{
	memset(event, 0, sizeof(*event));
	event->header.timestamp_ns = MONOTONIC_NS + 1123456000ULL; /* +1.123456 s */
	event->header.type = type;
	event->header.pid = 42;
	event->header.tid = 43;
	strncpy(event->header.comm, comm, sizeof(event->header.comm) - 1);
}

static double offset(void)
{
	return WALL_CLOCK_BASE - MONOTONIC_NS / 1e9;
}

static void kafka_mmap(union mw_event *event)
{
	header(event, MW_EVENT_MMAP, "java");
	event->header.flags = MW_MMAP_FILE | MW_MMAP_INODE_KNOWN;
	event->header.map_count = 812;
	event->mmap.addr = 0x7f3fc1800000;
	event->mmap.length = 10485760;
	event->mmap.prot = PROT_READ | PROT_WRITE;
	event->mmap.map_flags = MAP_SHARED;
	event->mmap.file.dev = 0xfeu << 20;
	event->mmap.file.ino = 9440471;
	event->mmap.file.size = 10485760;
	event->mmap.file.nlink = 1;
	strcpy(event->mmap.name, "00000000000000461285.index");
}

static char *text_line(const union mw_event *event)
{
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);

	cr_assert_eq(event_format__text(memory, event, offset()), 0);
	fclose(memory);
	return text;
}

static json_t *json_line(const union mw_event *event)
{
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);
	json_error_t error;
	json_t *object;

	cr_assert_eq(event_format__json(memory, event, offset()), 0);
	fclose(memory);
	/* one compact line */
	cr_assert_eq(strchr(text, '\n'), text + length - 1, "%s", text);
	object = json_loads(text, JSON_REJECT_DUPLICATES, &error);
	cr_assert_not_null(object, "%s: %s", text, error.text);
	free(text);
	return object;
}

Test(event_format, mmap_text_line)
{
	union mw_event event;
	char *line;

	kafka_mmap(&event);
	line = text_line(&event);
	cr_assert_str_eq(line,
			 "12:00:01.123456 mmap pid=42 comm=java addr=7f3fc1800000-7f3fc2200000 "
			 "off=0 dev=fe:00 ino=9440471 size=10485760 nlink=1 "
			 "name=00000000000000461285.index prot=rw- flags=shared maps=812\n");
	free(line);
}

Test(event_format, odd_bytes_cannot_split_a_line)
{
	union mw_event event;
	char *line;

	kafka_mmap(&event);
	strcpy(event.header.comm, "Web Content");
	strcpy(event.mmap.name, "a b\nc");
	event.header.flags |= MW_MMAP_NAME_TRUNCATED;
	event.mmap.map_flags = MAP_PRIVATE | MAP_FIXED;
	line = text_line(&event);
	cr_assert_not_null(strstr(line, " comm=Web\\x20Content "), "%s", line);
	cr_assert_not_null(strstr(line, " name=a\\x20b\\x0ac name_truncated=yes "), "%s", line);
	cr_assert_not_null(strstr(line, " flags=private,fixed "), "%s", line);
	cr_assert_eq(strchr(line, '\n'), line + strlen(line) - 1);
	free(line);
}

Test(event_format, other_types_in_text)
{
	union mw_event event;
	char *line;

	header(&event, MW_EVENT_UNLINK, "rm");
	event.header.flags = MW_UNLINK_LAST;
	event.file.file.dev = 8u << 20 | 1;
	event.file.file.ino = 77;
	line = text_line(&event);
	cr_assert_str_eq(line, "12:00:01.123456 unlink pid=42 comm=rm dev=08:01 ino=77 size=0 "
			       "nlink=0 last_link=yes\n");
	free(line);

	header(&event, MW_EVENT_MREMAP, "java");
	event.mremap.old_addr = 0x1000;
	event.mremap.old_length = 0x1000;
	event.mremap.new_addr = 0x10000;
	event.mremap.new_length = 0x2000;
	event.mremap.mremap_flags = MREMAP_MAYMOVE;
	line = text_line(&event);
	cr_assert_str_eq(line, "12:00:01.123456 mremap pid=42 comm=java old=00001000-00002000 "
			       "new=00010000-00012000 flags=maymove\n");
	free(line);

	header(&event, 99, "x");
	line = text_line(&event);
	cr_assert_str_eq(line, "12:00:01.123456 unknown pid=42 comm=x type=99\n");
	free(line);
}

Test(event_format, mmap_json_line)
{
	union mw_event event;
	json_t *object, *flags;

	kafka_mmap(&event);
	object = json_line(&event);
	cr_assert_float_eq(json_real_value(json_object_get(object, "timestamp")),
			   WALL_CLOCK_BASE + 1.123456, 1e-6);
	cr_assert_str_eq(json_string_value(json_object_get(object, "type")), "mmap");
	cr_assert_eq(json_integer_value(json_object_get(object, "pid")), 42);
	cr_assert_eq(json_integer_value(json_object_get(object, "tid")), 43);
	cr_assert_str_eq(json_string_value(json_object_get(object, "comm")), "java");
	cr_assert_eq(json_integer_value(json_object_get(object, "map_count")), 812);
	cr_assert_str_eq(json_string_value(json_object_get(object, "start")), "7f3fc1800000");
	cr_assert_str_eq(json_string_value(json_object_get(object, "end")), "7f3fc2200000");
	cr_assert_eq(json_integer_value(json_object_get(object, "offset")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(object, "prot")), "rw-");
	flags = json_object_get(object, "flags");
	cr_assert_eq(json_array_size(flags), 1);
	cr_assert_str_eq(json_string_value(json_array_get(flags, 0)), "shared");
	cr_assert(json_is_true(json_object_get(object, "file")));
	cr_assert_str_eq(json_string_value(json_object_get(object, "dev")), "fe:00");
	cr_assert_eq(json_integer_value(json_object_get(object, "ino")), 9440471);
	cr_assert_eq(json_integer_value(json_object_get(object, "size")), 10485760);
	cr_assert_eq(json_integer_value(json_object_get(object, "nlink")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(object, "name")),
			 "00000000000000461285.index");
	cr_assert(json_is_false(json_object_get(object, "name_truncated")));
	json_decref(object);
}

Test(event_format, anonymous_mmap_and_fork_in_json)
{
	union mw_event event;
	json_t *object;

	header(&event, MW_EVENT_MMAP, "java");
	event.mmap.addr = 0x7f0000000000;
	event.mmap.length = 4096;
	event.mmap.map_flags = MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS;
	object = json_line(&event);
	cr_assert(json_is_false(json_object_get(object, "file")));
	cr_assert_null(json_object_get(object, "ino"));
	cr_assert_eq(json_array_size(json_object_get(object, "flags")), 3);
	json_decref(object);

	header(&event, MW_EVENT_FORK, "bash");
	event.fork.child_pid = 4243;
	event.header.flags = MW_FORK_SHARED_MM;
	object = json_line(&event);
	cr_assert_str_eq(json_string_value(json_object_get(object, "type")), "fork");
	cr_assert_eq(json_integer_value(json_object_get(object, "child_pid")), 4243);
	cr_assert(json_is_true(json_object_get(object, "shared_mm")));
	json_decref(object);
}

Test(event_format, comm_that_is_not_utf8_still_makes_json)
{
	union mw_event event;
	json_t *object;

	header(&event, MW_EVENT_EXIT, "bad\xc3(");
	event.exit.exit_code = 9;
	object = json_line(&event);
	cr_assert_str_eq(json_string_value(json_object_get(object, "comm")), "bad\xef\xbf\xbd(");
	cr_assert_eq(json_integer_value(json_object_get(object, "exit_code")), 9);
	json_decref(object);
}
