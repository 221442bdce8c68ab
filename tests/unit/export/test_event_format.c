// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `mapwatch trace` lines: what a user reads, and what a script parses. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
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

static char *text_line_in(const union mw_event *event, bool utf8)
{
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);

	cr_assert_eq(event_format__text(memory, event, offset(), utf8), 0);
	fclose(memory);
	return text;
}

/* As on a terminal whose locale is not UTF-8: bytes past ASCII are escaped too. */
static char *text_line(const union mw_event *event)
{
	return text_line_in(event, false);
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
	/* as /proc/mounts spells them: octal, so the fields stay apart */
	cr_assert_not_null(strstr(line, " comm=Web\\040Content "), "%s", line);
	cr_assert_not_null(strstr(line, " name=a\\040b\\012c name_truncated=yes "), "%s", line);
	cr_assert_not_null(strstr(line, " flags=private,fixed "), "%s", line);
	cr_assert_eq(strchr(line, '\n'), line + strlen(line) - 1);
	free(line);
}

/* A file name that would recolour root's terminal and forge a second line. */
Test(event_format, terminal_escapes_in_names_reach_no_terminal)
{
	union mw_event event;
	char *line;

	kafka_mmap(&event);
	strcpy(event.header.comm, "x\033]0;owned\a");
	strcpy(event.mmap.name, "\033[2J\033[31mred\nfake 12:00 line\\\x7f");
	line = text_line(&event);
	cr_assert_null(strchr(line, '\033'), "%s", line);
	cr_assert_null(strchr(line, '\a'), "%s", line);
	cr_assert_null(strchr(line, 0x7f), "%s", line);
	cr_assert_eq(strchr(line, '\n'), line + strlen(line) - 1, "%s", line);
	cr_assert_not_null(strstr(line, " comm=x\\033]0;owned\\007 "), "%s", line);
	cr_assert_not_null(strstr(line, " name=\\033[2J\\033[31mred\\012fake\\04012:00\\040line"
					"\\134\\177 "),
			   "%s", line);
	free(line);
}

/* UTF-8 names stay readable on a UTF-8 terminal; bytes that are not UTF-8 never do. */
Test(event_format, utf8_names_on_a_utf8_terminal)
{
	union mw_event event;
	char *line;

	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
	kafka_mmap(&event);
	strcpy(event.mmap.name, "donn\xc3\xa9" "es-\xc3" "(.index");
	line = text_line_in(&event, true);
	cr_assert_not_null(strstr(line, " name=donn\xc3\xa9" "es-\\303(.index "), "%s", line);
	free(line);
	line = text_line_in(&event, false);
	cr_assert_not_null(strstr(line, " name=donn\\303\\251es-\\303(.index "), "%s", line);
	free(line);
}

/* The kernel rounds lengths up to pages: the ends are /proc/PID/maps's. */
Test(event_format, ranges_end_where_proc_ends_them)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char expected[128];
	union mw_event event;
	json_t *object;
	char *line;

	kafka_mmap(&event);
	event.mmap.addr = 0x7f12345d0000;
	event.mmap.length = 0x8853;
	line = text_line(&event);
	snprintf(expected, sizeof(expected), " addr=7f12345d0000-%" PRIx64 " ",
		 0x7f12345d0000 + (0x8853 + page - 1) / page * page);
	cr_assert_not_null(strstr(line, expected), "%s lacks%s", line, expected);
	free(line);
	object = json_line(&event);
	snprintf(expected, sizeof(expected), "%" PRIx64,
		 0x7f12345d0000 + (0x8853 + page - 1) / page * page);
	cr_assert_str_eq(json_string_value(json_object_get(object, "end")), expected);
	json_decref(object);

	header(&event, MW_EVENT_MUNMAP, "java");
	event.munmap.addr = 0x1000;
	event.munmap.length = 1;
	line = text_line(&event);
	snprintf(expected, sizeof(expected), " addr=00001000-%08" PRIx64 "\n", 0x1000 + page);
	cr_assert_not_null(strstr(line, expected), "%s", line);
	free(line);
}

/* A file the kernel had filed already: its record has no name, and says so the same way twice. */
Test(event_format, a_filed_file_shows_its_name_hash_not_an_empty_name)
{
	union mw_event event;
	json_t *object;
	char *line;

	kafka_mmap(&event);
	event.header.flags |= MW_MMAP_INODE_FILED;
	event.mmap.name_hash = 0x0123456789abcdefULL;
	memset(event.mmap.name, 0, sizeof(event.mmap.name));
	line = text_line(&event);
	cr_assert_null(strstr(line, "name="), "%s", line);
	cr_assert_not_null(strstr(line, " nlink=1 name_hash=0123456789abcdef prot=rw- "), "%s",
			   line);
	free(line);
	object = json_line(&event);
	cr_assert(json_is_null(json_object_get(object, "name")));
	cr_assert_str_eq(json_string_value(json_object_get(object, "name_hash")),
			 "0123456789abcdef");
	json_decref(object);

	/* named records keep their name, and say its hash in JSON as well */
	event.header.flags &= ~MW_MMAP_INODE_FILED;
	strcpy(event.mmap.name, "0.index");
	line = text_line(&event);
	cr_assert_not_null(strstr(line, " name=0.index prot="), "%s", line);
	free(line);
	object = json_line(&event);
	cr_assert_str_eq(json_string_value(json_object_get(object, "name")), "0.index");
	cr_assert_str_eq(json_string_value(json_object_get(object, "name_hash")),
			 "0123456789abcdef");
	json_decref(object);
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
