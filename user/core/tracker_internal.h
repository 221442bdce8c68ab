/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The tracker's state, shared by tracker.c, tracker_seed.c and tracker_snapshot.c. */
#ifndef MAPWATCH_CORE_TRACKER_INTERNAL_H
#define MAPWATCH_CORE_TRACKER_INTERNAL_H

#include <uthash.h>
#include "growth.h"
#include "inode_table.h"
#include "vma_tree.h"
#include "tracker.h"

struct mw_process;

/*
 * One process's view of one inode: its live mappings of it, and enough to
 * apply the resize-remap rule in O(1): how many of them were made at the
 * newest size generation this process has mapped.
 */
struct mw_process_inode {
	struct mw_inode_id id;
	UT_hash_handle hh;
	struct mw_process *process;
	struct mw_inode *inode;
	struct mw_vma_entry *entries; /* list through owner_prev/owner_next */
	size_t entry_count;
	uint64_t newest_generation;
	size_t entries_at_newest_generation;
	struct mw_process_inode *users_prev, *users_next; /* in inode->users */
	/*
	 * Seen by the snapshot being made while report_serial is the tracker's:
	 * its orphan there, or SIZE_MAX when not listed (tracker_snapshot.c)
	 */
	uint64_t report_serial;
	size_t report_index;
};

struct mw_process {
	uint32_t pid;
	UT_hash_handle hh;
	char comm[MW_COMM_LEN];
	char *cgroup; /* NULL until told; a child starts with its parent's */
	bool cgroup_missing; /* its cgroup file has no v2 line: not asked again */
	struct mw_container container;
	uint64_t map_count;
	uint64_t resize_remaps;
	/*
	 * NULL until a second count comes (a one-shot scan never has one): 1 KiB
	 * that a thousand processes would otherwise each fault in for nothing.
	 */
	struct mw_map_count_history *history;
	bool first_count_known;
	uint64_t first_count, first_count_ns; /* the first count, until history holds it */
	struct mw_vma_tree map;
	/* file mappings counted, not kept (keep_reported_mappings_only) */
	uint64_t counted_mappings;
	struct mw_process_inode *inodes; /* hash by inode id */
	uint64_t ignore_before_ns; /* a /proc scan started then already shows older events */
	/*
	 * When that scan had read the process whole. A record stamped between
	 * the two may or may not be in what it read: applying it may apply it
	 * twice (an mremap moves nothing twice), so the process is read again.
	 */
	uint64_t read_ended_ns;
	bool awaiting_rescan; /* exec dropped what we knew; /proc will tell */
	bool reread_asked; /* a re-read is queued: a merge /proc alone can tell */
	/* mlockall(MCL_FUTURE): the lock every new VMA gets (MW_VMA_LOCKED...), or 0 */
	uint32_t lock_future;
	/*
	 * The last report found no orphan and no stale mapping, and nothing
	 * that could make one has changed since (a VMA added or removed, a file
	 * of it deleted or resized): the next report skips the walk of its map,
	 * so an interval costs what changed, not what is mapped.
	 */
	bool report_empty;
	struct mw_tracker *tracker;
};

/* A process_inode this seed filed, found again without two hash lookups (tracker_seed.c). */
struct mw_seed_cache_slot {
	struct mw_inode_id id;
	struct mw_process_inode *user;
	uint64_t serial; /* valid while it is the tracker's seed_cache_serial */
};

struct mw_tracker {
	struct mw_tracker_options options;
	struct mw_process *processes;
	struct mw_inode_table inodes;
	struct mw_inode *pending_checks; /* list through check_prev/check_next */
	struct mw_inode *pending_forgets; /* oldest first, through forget_prev/forget_next */
	struct mw_inode *verify_next; /* where tracker__verify_kernel_inodes() goes on */
	size_t tracked_mappings;
	uint64_t files_orphaned; /* mapped files seen to lose their last name */
	uint64_t report_serial; /* bumped by every snapshot */
	uint64_t now_ns; /* timestamp of what is being applied */
	struct mw_duration_histogram unlink_to_unmap;
	struct mw_seed_cache_slot *seed_cache; /* allocated by the first seed */
	uint64_t seed_cache_serial; /* bumped whenever a process_inode is freed */
};

/* [offset, offset + length) reaches more than one page past a file of @file_size bytes. */
bool mapping__stale(uint64_t offset, uint64_t length, uint64_t file_size, uint64_t page);

struct mw_process *tracker__find_process(struct mw_tracker *tracker, uint32_t pid);
/* Finds pid or adds it with comm. NULL when out of memory. */
struct mw_process *tracker__get_process(struct mw_tracker *tracker, uint32_t pid, const char *comm);
void tracker__drop_process(struct mw_tracker *tracker, struct mw_process *process,
			   enum mw_vma_removal why);
struct mw_process_inode *process__find_inode(struct mw_process *process, struct mw_inode *inode);
/* The same for a pair known to have no record yet (the inode has no users at all). */
struct mw_process_inode *process__add_inode(struct mw_process *process, struct mw_inode *inode);
/* Checks the inode after the current operation: forgotten if nothing maps it then. */
void tracker__schedule_forget(struct mw_tracker *tracker, struct mw_inode *inode);
/* Calls inode_forget for and frees the inodes whose last mapping went. */
void tracker__forget_unused_inodes(struct mw_tracker *tracker);
void tracker__record_map_count(struct mw_tracker *tracker, struct mw_process *process,
			       uint64_t map_count, uint64_t timestamp_ns);
/*
 * Marks the inode deleted at timestamp_ns (time_known) or at an unknown time.
 * own_record: the inode's own UNLINK record, which alone may give the time of
 * a deletion already seen by a /proc read or a check.
 */
void inode__mark_deleted(struct mw_tracker *tracker, struct mw_inode *inode, bool time_known,
			 uint64_t timestamp_ns, bool own_record);
/* The inode as the kernel hooks name it. */
struct mw_file_id inode__file_id(const struct mw_inode *inode);
/* Calls inode_watch; with expect_present, a lost kernel filing queues a check. */
void tracker__watch_inode(struct mw_tracker *tracker, struct mw_inode *inode, bool expect_present);
/* Every process that maps the inode must look at it again at its next report. */
void inode__changed(struct mw_inode *inode);
/* A size a kernel record carried, stamped timestamp_ns: a change from the last record's is a resize. */
void inode__record_size(struct mw_inode *inode, uint64_t size, uint64_t timestamp_ns);
/* A size a stat that began at timestamp_ns gave: never a resize. */
void inode__stat_size(struct mw_inode *inode, uint64_t size, uint64_t timestamp_ns);
/* The blocks (st_blocks * 512) a stat counted at @size: kept only if that is the size known. */
void inode__learn_disk_bytes(struct mw_inode *inode, uint64_t size, uint64_t disk_bytes);
/* Copies @cgroup (NULL: unknown) into the process, with the container it names. -ENOMEM. */
int process__assign_cgroup(struct mw_process *process, const char *cgroup);
/* The process's leak cause and its evidence into its report (after its files). -ENOMEM. */
int process__report_cause(const struct mw_process *process, struct mw_process_report *report);
/* Every orphaned file on the host into out->files and the host totals. 0 or -ENOMEM. */
int tracker__report_files(struct mw_tracker *tracker, uint64_t now_ns, struct mw_snapshot *out);

#endif
