// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include "event_builders.h"

static const uint32_t all_types[] = {
	MW_EVENT_MMAP,	   MW_EVENT_MUNMAP, MW_EVENT_MREMAP, MW_EVENT_MPROTECT,
	MW_EVENT_TRUNCATE, MW_EVENT_UNLINK, MW_EVENT_RENAME, MW_EVENT_CHECK,
	MW_EVENT_FORK,	   MW_EVENT_EXEC,   MW_EVENT_EXIT,   MW_EVENT_RANGE,
};

static const size_t all_sizes[] = {
	sizeof(struct mw_mmap_event),	sizeof(struct mw_munmap_event),
	sizeof(struct mw_mremap_event), sizeof(struct mw_mprotect_event),
	sizeof(struct mw_file_event),	sizeof(struct mw_file_event),
	sizeof(struct mw_rename_event), sizeof(struct mw_check_event),
	sizeof(struct mw_fork_event),	sizeof(struct mw_exec_event),
	sizeof(struct mw_exit_event),	sizeof(struct mw_range_event),
};

/* A well-formed record of the type, in a buffer with room to spare. */
static void well_formed(uint32_t type, size_t size, unsigned char *buffer)
{
	union mw_event *event = (union mw_event *)buffer;

	build_header(event, type, size, 42, 1000);
	if (type == MW_EVENT_MMAP) {
		event->header.flags = MW_MMAP_FILE;
		strcpy(event->mmap.name, "00000000000000000000.index");
	}
	if (type == MW_EVENT_RENAME)
		strcpy(event->rename.name, "00000000000000000000.index.deleted");
}

Test(event, decodes_every_type_at_its_exact_size)
{
	for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
		_Alignas(8) unsigned char buffer[sizeof(union mw_event) + 64] = { 0 };
		union mw_event out;

		well_formed(all_types[i], all_sizes[i], buffer);
		cr_assert_eq(event__decode(buffer, all_sizes[i], &out), 0, "type %u", all_types[i]);
		cr_assert_eq(out.header.type, all_types[i]);
		cr_assert_eq(out.header.pid, 42);
		cr_assert_eq(out.header.timestamp_ns, 1000);
	}
}

Test(event, rejects_short_long_and_mismatched_sizes)
{
	for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
		_Alignas(8) unsigned char buffer[sizeof(union mw_event) + 64] = { 0 };
		union mw_event *event = (union mw_event *)buffer;
		union mw_event out;

		well_formed(all_types[i], all_sizes[i], buffer);
		cr_assert_eq(event__decode(buffer, all_sizes[i] - 1, &out), -EBADMSG, "short %u",
			     all_types[i]);
		cr_assert_eq(event__decode(buffer, all_sizes[i] + 8, &out), -EBADMSG, "long %u",
			     all_types[i]);
		event->header.size = (uint32_t)all_sizes[i] + 8;
		cr_assert_eq(event__decode(buffer, all_sizes[i], &out), -EBADMSG, "header.size %u",
			     all_types[i]);
		event->header.size = (uint32_t)all_sizes[i] + 8;
		cr_assert_eq(event__decode(buffer, all_sizes[i] + 8, &out), -EBADMSG,
			     "consistent but wrong size %u", all_types[i]);
	}
}

Test(event, rejects_records_shorter_than_a_header)
{
	unsigned char buffer[16] = { 0 };
	union mw_event out;

	cr_assert_eq(event__decode(buffer, sizeof(buffer), &out), -EBADMSG);
	cr_assert_eq(event__decode(buffer, 0, &out), -EBADMSG);
}

Test(event, rejects_unknown_types)
{
	uint32_t bad_types[] = { 0, MW_EVENT_TYPE_COUNT, 255, 0xffffffffu };

	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		_Alignas(8) unsigned char buffer[sizeof(union mw_event)] = { 0 };
		union mw_event out;

		well_formed(MW_EVENT_MUNMAP, sizeof(struct mw_munmap_event), buffer);
		((union mw_event *)buffer)->header.type = bad_types[i];
		cr_assert_eq(event__decode(buffer, sizeof(struct mw_munmap_event), &out), -EBADMSG,
			     "type %u", bad_types[i]);
	}
}

Test(event, rejects_unterminated_names)
{
	_Alignas(8) unsigned char buffer[sizeof(union mw_event)] = { 0 };
	union mw_event *event = (union mw_event *)buffer;
	union mw_event out;

	well_formed(MW_EVENT_MMAP, sizeof(event->mmap), buffer);
	memset(event->mmap.name, 'a', MW_NAME_LEN);
	cr_assert_eq(event__decode(buffer, sizeof(event->mmap), &out), -EBADMSG);

	well_formed(MW_EVENT_RENAME, sizeof(event->rename), buffer);
	memset(event->rename.name, 'b', MW_NAME_LEN);
	cr_assert_eq(event__decode(buffer, sizeof(event->rename), &out), -EBADMSG);

	well_formed(MW_EVENT_EXIT, sizeof(event->exit), buffer);
	memset(event->header.comm, 'c', MW_COMM_LEN);
	cr_assert_eq(event__decode(buffer, sizeof(event->exit), &out), -EBADMSG);

	/* A name using every byte but the last is fine. */
	well_formed(MW_EVENT_MMAP, sizeof(event->mmap), buffer);
	memset(event->mmap.name, 'a', MW_NAME_LEN - 1);
	cr_assert_eq(event__decode(buffer, sizeof(event->mmap), &out), 0);
	cr_assert_eq(strlen(out.mmap.name), MW_NAME_LEN - 1);
}

/* An MMAP carries a name only when it names a file the kernel filed just now. */
Test(event, mmap_sizes_follow_the_name)
{
	_Alignas(8) unsigned char buffer[sizeof(union mw_event)] = { 0 };
	union mw_event *event = (union mw_event *)buffer;
	union mw_event out;

	/* a file the kernel had filed: the record ends before the name */
	well_formed(MW_EVENT_MMAP, MW_MMAP_EVENT_FILED_SIZE, buffer);
	event->header.flags |= MW_MMAP_INODE_FILED;
	event->mmap.name_hash = 7;
	cr_assert_eq(event__decode(buffer, MW_MMAP_EVENT_FILED_SIZE, &out), 0);
	cr_assert_eq(out.mmap.name_hash, 7);
	cr_assert_eq(out.mmap.name[0], '\0', "nothing past the record is copied");
	event->header.size = sizeof(event->mmap);
	cr_assert_eq(event__decode(buffer, sizeof(event->mmap), &out), -EBADMSG,
		     "a filed inode at the full size");

	/* anonymous MAP_FIXED: no file, no name */
	well_formed(MW_EVENT_MMAP, MW_MMAP_EVENT_FILED_SIZE, buffer);
	event->header.flags = 0;
	cr_assert_eq(event__decode(buffer, MW_MMAP_EVENT_FILED_SIZE, &out), 0);
	event->header.flags = MW_MMAP_INODE_FILED;
	cr_assert_eq(event__decode(buffer, MW_MMAP_EVENT_FILED_SIZE, &out), -EBADMSG,
		     "filed, but no file");

	/* a file new to the kernel: the name must be there */
	well_formed(MW_EVENT_MMAP, MW_MMAP_EVENT_FILED_SIZE, buffer);
	cr_assert_eq(event__decode(buffer, MW_MMAP_EVENT_FILED_SIZE, &out), -EBADMSG);
}

/* Applying a fork of a process into itself would free the process the tracker works on. */
Test(event, rejects_a_process_forking_itself)
{
	union mw_event event = fork_process(42, 1000, 42, false);
	union mw_event out;

	cr_assert_eq(event__decode(&event, sizeof(event.fork), &out), -EBADMSG);
	event.fork.child_pid = 43;
	cr_assert_eq(event__decode(&event, sizeof(event.fork), &out), 0);
}

Test(event, names_every_type)
{
	cr_assert_str_eq(event__type_name(MW_EVENT_MMAP), "mmap");
	cr_assert_str_eq(event__type_name(MW_EVENT_MUNMAP), "munmap");
	cr_assert_str_eq(event__type_name(MW_EVENT_MREMAP), "mremap");
	cr_assert_str_eq(event__type_name(MW_EVENT_MPROTECT), "mprotect");
	cr_assert_str_eq(event__type_name(MW_EVENT_TRUNCATE), "truncate");
	cr_assert_str_eq(event__type_name(MW_EVENT_UNLINK), "unlink");
	cr_assert_str_eq(event__type_name(MW_EVENT_RENAME), "rename");
	cr_assert_str_eq(event__type_name(MW_EVENT_CHECK), "check");
	cr_assert_str_eq(event__type_name(MW_EVENT_FORK), "fork");
	cr_assert_str_eq(event__type_name(MW_EVENT_EXEC), "exec");
	cr_assert_str_eq(event__type_name(MW_EVENT_EXIT), "exit");
	cr_assert_str_eq(event__type_name(0), "unknown");
	cr_assert_str_eq(event__type_name(MW_EVENT_TYPE_COUNT), "unknown");
}
