// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "event.h"

/* Record size per type; index 0 and unknown types have size 0. */
static const size_t record_sizes[MW_EVENT_TYPE_COUNT] = {
	[MW_EVENT_MMAP] = sizeof(struct mw_mmap_event),
	[MW_EVENT_MUNMAP] = sizeof(struct mw_munmap_event),
	[MW_EVENT_MREMAP] = sizeof(struct mw_mremap_event),
	[MW_EVENT_MPROTECT] = sizeof(struct mw_mprotect_event),
	[MW_EVENT_TRUNCATE] = sizeof(struct mw_file_event),
	[MW_EVENT_UNLINK] = sizeof(struct mw_file_event),
	[MW_EVENT_RENAME] = sizeof(struct mw_rename_event),
	[MW_EVENT_CHECK] = sizeof(struct mw_check_event),
	[MW_EVENT_FORK] = sizeof(struct mw_fork_event),
	[MW_EVENT_EXEC] = sizeof(struct mw_exec_event),
	[MW_EVENT_EXIT] = sizeof(struct mw_exit_event),
	[MW_EVENT_RANGE] = sizeof(struct mw_range_event),
};

static const char *const type_names[MW_EVENT_TYPE_COUNT] = {
	[MW_EVENT_MMAP] = "mmap",	  [MW_EVENT_MUNMAP] = "munmap",
	[MW_EVENT_MREMAP] = "mremap",	  [MW_EVENT_MPROTECT] = "mprotect",
	[MW_EVENT_TRUNCATE] = "truncate", [MW_EVENT_UNLINK] = "unlink",
	[MW_EVENT_RENAME] = "rename",	  [MW_EVENT_CHECK] = "check",
	[MW_EVENT_FORK] = "fork",	  [MW_EVENT_EXEC] = "exec",
	[MW_EVENT_EXIT] = "exit",	  [MW_EVENT_RANGE] = "range",
};

static bool name_terminated(const char *name)
{
	return memchr(name, '\0', MW_NAME_LEN) != NULL;
}

/* A file MMAP carries the name unless the kernel had the inode filed already. */
static bool mmap_carries_name(uint32_t flags)
{
	return (flags & MW_MMAP_FILE) && !(flags & MW_MMAP_INODE_FILED);
}

static size_t expected_size(const struct mw_event_header *header)
{
	if (header->type == MW_EVENT_MMAP && !mmap_carries_name(header->flags))
		return MW_MMAP_EVENT_FILED_SIZE;
	return record_sizes[header->type];
}

int event__decode(const void *data, size_t size, union mw_event *out)
{
	struct mw_event_header header;

	if (!data || !out || size < sizeof(header))
		return -EBADMSG;
	memcpy(&header, data, sizeof(header));
	if (header.type == 0 || header.type >= MW_EVENT_TYPE_COUNT)
		return -EBADMSG;
	if (size != expected_size(&header) || header.size != size)
		return -EBADMSG;
	/* a FILED record names a file the kernel knows: it must be one */
	if (header.type == MW_EVENT_MMAP && (header.flags & MW_MMAP_INODE_FILED) &&
	    !(header.flags & MW_MMAP_FILE))
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out, data, size);
	/* The kernel copies comm with bpf_get_current_comm(), which always terminates it. */
	if (!memchr(out->header.comm, '\0', MW_COMM_LEN))
		return -EBADMSG;
	if (header.type == MW_EVENT_MMAP && !name_terminated(out->mmap.name))
		return -EBADMSG;
	/* a process cannot be its own child: applying that would free the parent */
	if (header.type == MW_EVENT_FORK && out->fork.child_pid == header.pid)
		return -EBADMSG;
	if (header.type == MW_EVENT_RENAME && !name_terminated(out->rename.name))
		return -EBADMSG;
	return 0;
}

const char *event__type_name(unsigned int type)
{
	if (type == 0 || type >= MW_EVENT_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}
