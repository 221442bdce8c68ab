// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The /proc/PID/maps line parser on lines laid out the way the kernel lays them out. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "proc_maps.h"

static int parse(const char *line, struct mw_vma *vma)
{
	return proc_maps__parse_line(line, strlen(line), vma);
}

/* As show_map_vma() writes it: fields, padding to column 72, one space, the name. */
static int parse_named(const char *fields, const char *name, struct mw_vma *vma)
{
	static char line[PATH_MAX * 2 + 200];

	snprintf(line, sizeof(line), "%-72s %s", fields, name);
	return parse(line, vma);
}

Test(proc_maps_parse, file_mapping_fields)
{
	struct mw_vma vma;

	cr_assert_eq(parse_named("7f3fc1800000-7f3fc2200000 rw-s 00001000 fe:00 9440471 ",
				 "/kafka-logs/t-4/00000000000000461285.index", &vma),
		     0);
	cr_assert_eq(vma.start, 0x7f3fc1800000ULL);
	cr_assert_eq(vma.end, 0x7f3fc2200000ULL);
	cr_assert_eq(vma.offset, 0x1000);
	cr_assert_eq(vma.dev, 0xfe << 20 | 0x00);
	cr_assert_eq(vma.ino, 9440471);
	cr_assert_eq(vma.prot, PROT_READ | PROT_WRITE);
	cr_assert(vma.shared);
	cr_assert_not(vma.deleted);
	cr_assert_eq(vma.kind, MW_VMA_FILE);
	cr_assert_str_eq(vma.path, "/kafka-logs/t-4/00000000000000461285.index");
	cr_assert_not(vma.file_stat_known);
}

Test(proc_maps_parse, deleted_suffix_is_stripped_and_flagged)
{
	struct mw_vma vma;

	cr_assert_eq(parse_named("7f0000000000-7f0000a00000 r--p 00000000 08:11 12 ",
				 "/data/a b/seg.timeindex.deleted (deleted)", &vma),
		     0);
	cr_assert(vma.deleted);
	cr_assert_eq(vma.dev, 8 << 20 | 0x11);
	cr_assert_str_eq(vma.path, "/data/a b/seg.timeindex.deleted");
	cr_assert_eq(vma.kind, MW_VMA_FILE);
	cr_assert_not(vma.shared);
}

Test(proc_maps_parse, name_starting_with_spaces_is_kept_whole)
{
	struct mw_vma vma;

	cr_assert_eq(
		parse_named("55b1deae5000-55b1deae9000 r--p 00000000 fe:00 247476 ", "  /x", &vma),
		0);
	cr_assert_str_eq(vma.path, "  /x");
	/* fields wider than the padding: the kernel still writes exactly one space */
	cr_assert_eq(parse("ffffffffff600000-ffffffffff601000 --xp 1234567890abcdef 123:fffff "
			   "18446744073709551615  /y",
			   &vma),
		     0);
	cr_assert_str_eq(vma.path, "/y");
	cr_assert_eq(vma.offset, 0x1234567890abcdefULL);
	cr_assert_eq(vma.dev, 0x123u << 20 | 0xfffff);
}

Test(proc_maps_parse, anonymous_and_pseudo_names)
{
	struct mw_vma vma;

	cr_assert_eq(parse("7fa1047e6000-7fa104919000 rw-p 00000000 00:00 0 ", &vma), 0);
	cr_assert_eq(vma.kind, MW_VMA_ANONYMOUS);
	cr_assert_str_eq(vma.path, "");
	cr_assert_eq(parse("7fa1047e6000-7fa104919000 rw-p 00000000 00:00 0", &vma), 0);
	cr_assert_eq(vma.kind, MW_VMA_ANONYMOUS);

	cr_assert_eq(
		parse_named("55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0 ", "[heap]", &vma), 0);
	cr_assert_eq(vma.kind, MW_VMA_ANONYMOUS);
	cr_assert_str_eq(vma.path, "[heap]");
	cr_assert_eq(
		parse_named("7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 ", "[vdso]", &vma), 0);
	cr_assert_eq(vma.kind, MW_VMA_ANONYMOUS);
	cr_assert_eq(vma.prot, PROT_READ | PROT_EXEC);
	cr_assert_eq(parse_named("7f0000000000-7f0000001000 rw-s 00000000 00:0f 2051 ",
				 "anon_inode:[perf_event]", &vma),
		     0);
	cr_assert_eq(vma.kind, MW_VMA_SPECIAL_FILE);
}

Test(proc_maps_parse, shared_memory_and_devices_are_never_file_mappings)
{
	static const char *const names[] = {
		"/memfd:buf (deleted)",
		"/SYSV00000000 (deleted)",
		"/dev/zero (deleted)",
		"/dev/fb0",
	};
	struct mw_vma vma;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert_eq(parse_named("7f0000000000-7f0000001000 rw-s 00000000 00:01 1045 ",
					 names[i], &vma),
			     0, "%s", names[i]);
		cr_assert_eq(vma.kind, MW_VMA_SPECIAL_FILE, "%s", names[i]);
		cr_assert_not(proc_maps__is_orphaned(&vma), "%s", names[i]);
	}
	/* POSIX shm files under /dev/shm are regular files: they count */
	cr_assert_eq(parse_named("7f0000000000-7f0000001000 rw-s 00000000 00:1a 77 ",
				 "/dev/shm/ring (deleted)", &vma),
		     0);
	cr_assert_eq(vma.kind, MW_VMA_FILE);
	cr_assert(proc_maps__is_orphaned(&vma));
}

Test(proc_maps_parse, overlong_path_keeps_its_head)
{
	static char name[PATH_MAX + 100];
	struct mw_vma vma;

	memset(name, 'a', sizeof(name) - 1);
	name[0] = '/';
	cr_assert_eq(parse_named("7f0000000000-7f0000001000 r--p 00000000 fe:00 5 ", name, &vma),
		     0);
	cr_assert_eq(strlen(vma.path), PATH_MAX - 1);
	cr_assert_eq(strncmp(vma.path, name, PATH_MAX - 1), 0);
	cr_assert_eq(vma.kind, MW_VMA_FILE);
}

Test(proc_maps_parse, malformed_lines_are_rejected)
{
	static const char *const lines[] = {
		"",
		"garbage",
		"7f0000000000 r--p 00000000 fe:00 5",
		"7f0000000000-7f0000001000 r--q 00000000 fe:00 5",
		"7f0000000000-7f0000001000 r--p 00000000 fe00 5",
		"7f0000000000-7f0000001000 r--p 00000000 fe:00",
		"7f0000000000-7f0000001000 r--p 00000000 fe:00 5x /a",
		"7f0000001000-7f0000000000 r--p 00000000 fe:00 5 /a",
		"ffffffffffffffffff-7f0000000000 r--p 00000000 fe:00 5 /a",
		"7f0000000000-7f0000001000 r--p",
	};
	struct mw_vma vma;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		cr_assert_eq(parse(lines[i], &vma), -EINVAL, "accepted \"%s\"", lines[i]);
}

Test(proc_maps_parse, orphan_rule_prefers_the_link_count)
{
	struct mw_vma vma;

	cr_assert_eq(parse_named("7f0000000000-7f0000001000 r--p 00000000 fe:00 5 ",
				 "/data/x (deleted)", &vma),
		     0);
	cr_assert(proc_maps__is_orphaned(&vma));
	/* a hard link elsewhere keeps the inode: not orphaned despite the marker */
	vma.file_stat_known = true;
	vma.nlink = 1;
	cr_assert_not(proc_maps__is_orphaned(&vma));
	vma.nlink = 0;
	cr_assert(proc_maps__is_orphaned(&vma));
}

/*
 * The kernel appends " (deleted)" once, so only the last one is the marker. The
 * text alone cannot tell a live "x (deleted)" from a deleted "x": the reader
 * settles that with the file itself (test_proc_maps_live).
 */
Test(proc_maps_parse, the_deleted_marker_is_stripped_once)
{
	struct mw_vma vma;

	cr_assert_eq(parse_named("7f0000000000-7f0000001000 r--p 00000000 fe:00 5 ",
				 "/data/x (deleted) (deleted)", &vma),
		     0);
	cr_assert(vma.deleted);
	cr_assert_str_eq(vma.path, "/data/x (deleted)");
	cr_assert_eq(vma.kind, MW_VMA_FILE);

	cr_assert_eq(parse_named("7f0000000000-7f0000001000 r--p 00000000 fe:00 5 ",
				 "/data/(deleted)", &vma),
		     0);
	cr_assert_not(vma.deleted);
	cr_assert_str_eq(vma.path, "/data/(deleted)");
}
