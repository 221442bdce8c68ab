// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the caller learns from /proc: seeding, rescans and answers to checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <utlist.h>
#include "leak_cause.h"
#include "tracker_internal.h"

/* Two ways per set: a file whose set is taken only costs the lookups the slots save. */
#define SEED_CACHE_SLOTS 8192

/*
 * A process's VMAs map the same files again and again (a JVM maps each index
 * segment many times): a slot remembers the process_inode the last VMA of a
 * file was filed under, for as long as no process_inode is freed.
 */
static struct mw_seed_cache_slot *seed_cache_set(struct mw_tracker *tracker, uint32_t dev,
						 uint64_t ino)
{
	if (!tracker->seed_cache)
		return NULL;
	return &tracker->seed_cache[mw_inode_id_hash(dev, ino) & (SEED_CACHE_SLOTS - 2)];
}

static bool slot_holds(const struct mw_tracker *tracker, const struct mw_seed_cache_slot *slot,
		       uint32_t dev, uint64_t ino)
{
	return slot->user && slot->serial == tracker->seed_cache_serial && slot->id.ino == ino &&
	       slot->id.dev == dev;
}

static struct mw_process_inode *seed_cache_find(struct mw_tracker *tracker, uint32_t dev,
						uint64_t ino)
{
	struct mw_seed_cache_slot *set = seed_cache_set(tracker, dev, ino);

	if (!set)
		return NULL;
	if (slot_holds(tracker, &set[0], dev, ino))
		return set[0].user;
	return slot_holds(tracker, &set[1], dev, ino) ? set[1].user : NULL;
}

static void seed_cache_add(struct mw_tracker *tracker, struct mw_process_inode *user)
{
	struct mw_seed_cache_slot *set = seed_cache_set(tracker, user->id.dev, user->id.ino);
	struct mw_seed_cache_slot *slot;

	if (!set)
		return;
	/* the first way unless it holds a live slot of another file */
	slot = &set[0];
	if (set[0].user && set[0].serial == tracker->seed_cache_serial &&
	    !slot_holds(tracker, &set[0], user->id.dev, user->id.ino))
		slot = &set[1];
	*slot = (struct mw_seed_cache_slot){ user->id, user, tracker->seed_cache_serial };
}

static struct mw_inode *find_inode(struct mw_tracker *tracker, uint32_t dev, uint64_t ino)
{
	struct mw_process_inode *user = seed_cache_find(tracker, dev, ino);

	return user ? user->inode : inode_table__find(&tracker->inodes, dev, ino);
}

static struct mw_process_inode *process_inode_of(struct mw_process *process, struct mw_inode *inode)
{
	struct mw_process_inode *user =
		seed_cache_find(process->tracker, inode->id.dev, inode->id.ino);

	if (user && user->process == process)
		return user;
	/* an inode no process uses yet (a file seen first, as most are on a scan) needs no search */
	user = inode->users ? process__find_inode(process, inode)
			    : process__add_inode(process, inode);
	if (user)
		seed_cache_add(process->tracker, user);
	return user;
}

static bool same_mapping(const struct mw_vma_entry *entry, const struct mw_vma *vma)
{
	return entry->start == vma->start && entry->end == vma->end &&
	       entry->offset == vma->offset && entry->dev == mw_vma_file_dev(vma) &&
	       entry->ino == vma->ino && entry->prot == vma->prot && entry->shared == vma->shared;
}

/* The size and blocks a walk's stat gave; a record newer than the walk may have a newer size. */
static void learn_stat(struct mw_inode *inode, const struct mw_vma *vma, uint64_t scan_started_ns)
{
	inode->stat_seen_ns = scan_started_ns;
	inode__stat_size(inode, vma->file_size, scan_started_ns);
	inode__learn_disk_bytes(inode, vma->file_size, vma->file_disk_bytes);
}

/* No link left, as the walk saw it: without a stat, " (deleted)" is the best evidence. */
static bool walk_says_deleted(const struct mw_vma *vma)
{
	return vma->deleted && (!vma->file_stat_known || vma->nlink == 0);
}

/* The inode a VMA maps, added or brought up to date with what /proc showed. */
static struct mw_inode *seeded_inode(struct mw_tracker *tracker, const struct mw_vma *vma,
				     uint64_t scan_started_ns)
{
	const char *path = vma->path[0] ? vma->path : "";
	uint32_t dev = mw_vma_file_dev(vma);
	struct mw_inode *inode = find_inode(tracker, dev, vma->ino);
	uint64_t name_hash;
	bool orphaned = walk_says_deleted(vma);

	if (!inode) {
		name_hash = inode_table__name_hash(inode_table__basename(path));
		inode = inode_table__add(&tracker->inodes, dev, vma->ino, path, name_hash);
		if (!inode)
			return NULL;
		inode->maps_dev = vma->dev;
		tracker__schedule_forget(tracker, inode); /* kept if the mapping goes in */
		if (vma->file_stat_known) {
			learn_stat(inode, vma, scan_started_ns);
			inode->nlink = vma->nlink;
		}
		if (orphaned)
			inode__mark_deleted(tracker, inode, false, 0, false);
		tracker__watch_inode(tracker, inode, false);
		return inode;
	}
	if (vma->file_stat_known) {
		learn_stat(inode, vma, scan_started_ns);
		if (!orphaned)
			inode->nlink = vma->nlink;
	}
	if (orphaned) {
		inode__mark_deleted(tracker, inode, false, 0, false);
	} else if (inode->deleted &&
		   !(inode->deletion_time_known && inode->deleted_ns >= scan_started_ns)) {
		/* Linked as the scan saw it, and no deletion we know of came after. */
		inode->deleted = false;
	}
	if (path[0] && strcmp(path, inode->path) != 0) {
		name_hash = inode_table__name_hash(inode_table__basename(path));
		if (inode_table__set_path(&tracker->inodes, inode, path, name_hash))
			return NULL;
		tracker__watch_inode(tracker, inode, false);
	}
	return inode;
}

bool tracker__seeded_file(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint64_t since_ns,
			  struct mw_seeded_file *out)
{
	struct mw_inode *inode = find_inode(tracker, dev, ino);

	if (!inode || inode->maps_dev != dev || !inode->stat_seen_ns ||
	    inode->stat_seen_ns < since_ns || !inode->size_known || !inode->disk_bytes_known)
		return false;
	out->size = inode->size;
	out->nlink = inode->deleted ? 0 : inode->nlink;
	out->disk_bytes = inode->disk_bytes;
	return true;
}

static int insert_seeded(struct mw_process *process, struct mw_inode *inode,
			 const struct mw_vma *vma)
{
	struct mw_vma_entry entry = { 0 };

	entry.owner = process_inode_of(process, inode);
	if (!entry.owner)
		return -ENOMEM;
	entry.start = vma->start;
	entry.end = vma->end;
	entry.offset = vma->offset;
	entry.dev = inode->id.dev;
	entry.ino = vma->ino;
	entry.prot = vma->prot;
	entry.shared = vma->shared;
	/*
	 * The text shows no VMA flags: a private writable one is charged, and
	 * its anonymous memory its own. Seeded VMAs are not merged with each
	 * other here; a later change may merge them, as in the kernel.
	 */
	if (!vma->shared && (vma->prot & PROT_WRITE)) {
		entry.flags = MW_VMA_ACCOUNT;
		entry.anon = vma_tree__new_anon(&process->map);
	}
	/*
	 * Which open file is unknown: taken to be one per inode, as when one
	 * mapping was split; never one an mmap record names (a kernel address).
	 */
	entry.file_ref = (vma->ino * 0x9e3779b97f4a7c15ull ^ vma->dev) | 1ull << 63;
	entry.size_generation = inode->size_generation;
	entry.seeded = true;
	/* Exactly the VMAs /proc showed: the kernel did not merge them, neither do we. */
	return vma_tree__insert(&process->map, &entry, false);
}

/*
 * /proc hands the VMAs over in address order, so the process's map is brought
 * to match them in one pass, in place: entries /proc shows unchanged stay as
 * they are (with the size generation they were made at), the others are
 * replaced. Nothing is held per VMA beyond the map itself, so a process with
 * hundreds of thousands of mappings is read at the memory its map takes.
 */
int tracker__seed_begin(struct mw_tracker *tracker, struct mw_tracker_seed *seed, uint32_t pid,
			const char *comm, uint64_t scan_started_ns)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	memset(seed, 0, sizeof(*seed));
	/* without it seeding only runs slower */
	if (!tracker->seed_cache)
		tracker->seed_cache = calloc(SEED_CACHE_SLOTS, sizeof(*tracker->seed_cache));
	seed->tracker = tracker;
	seed->pid = pid;
	seed->scan_started_ns = scan_started_ns;
	seed->view_held = process && !process->awaiting_rescan;
	if (!process) {
		process = tracker__get_process(tracker, pid, comm);
		if (!process)
			return -ENOMEM;
		seed->added = true;
	} else if (comm) {
		strncpy(process->comm, comm, MW_COMM_LEN - 1);
		process->comm[MW_COMM_LEN - 1] = '\0';
	}
	tracker->now_ns = scan_started_ns;
	return 0;
}

/* Replaces the entries from the cursor up to end that are not the one kept. */
static void replace_unlisted(struct mw_tracker_seed *seed, struct mw_process *process, uint64_t end,
			     const struct mw_vma *kept, bool *matched)
{
	struct mw_vma_entry *entry = vma_tree__first_from(&process->map, seed->cursor), *next;

	for (; entry && entry->start < end; entry = next) {
		next = vma_tree__next(entry);
		if (kept && same_mapping(entry, kept)) {
			*matched = true;
			continue;
		}
		vma_tree__remove_entry(&process->map, entry, VMA_TREE_REPLACED);
		seed->differences++;
	}
}

/*
 * Whether a report could list the mapping or use it as evidence, given what
 * is known of its file: an orphan, a stale mapping, or the JVM library a leak
 * cause is told by.
 */
static bool reported(const struct mw_tracker *tracker, const struct mw_vma *vma, bool deleted,
		     bool size_known, uint64_t size, const char *path)
{
	return deleted ||
	       (size_known && mapping__stale(vma->offset, vma->end - vma->start, size,
					     tracker->options.page_size)) ||
	       leak_cause__is_jvm_library(path);
}

/* What the walk showed of a file the tracker does not know, by seeded_inode's rules. */
static bool reported_by_walk(const struct mw_tracker *tracker, const struct mw_vma *vma)
{
	return reported(tracker, vma, walk_says_deleted(vma), vma->file_stat_known, vma->file_size,
			vma->path[0] ? vma->path : NULL);
}

/* A mapping counted, not kept (keep_reported_mappings_only). */
static int count_only(struct mw_process *process)
{
	process->counted_mappings++;
	process->tracker->tracked_mappings++;
	return 0;
}

int tracker__seed_vma(struct mw_tracker_seed *seed, const struct mw_vma *vma)
{
	struct mw_tracker *tracker = seed->tracker;
	struct mw_process *process = tracker__find_process(tracker, seed->pid);
	struct mw_inode *inode;
	bool matched = false, counted_only;
	int err;

	if (!process)
		return -ENOENT;
	if (vma->kind != MW_VMA_FILE || vma->start >= vma->end)
		return 0;
	counted_only = seed->added && tracker->options.keep_reported_mappings_only;
	/* a file no report lists, seen first: not even the file is kept */
	if (counted_only && !find_inode(tracker, mw_vma_file_dev(vma), vma->ino) &&
	    !reported_by_walk(tracker, vma))
		return count_only(process);
	inode = seeded_inode(tracker, vma, seed->scan_started_ns);
	if (!inode)
		return -ENOMEM;
	if (counted_only &&
	    !reported(tracker, vma, inode->deleted, inode->size_known, inode->size, inode->path))
		return count_only(process);
	if (vma->start < seed->cursor) {
		/* out of order (never from the kernel's walks): replace whatever overlaps */
		seed->differences++;
		return insert_seeded(process, inode, vma);
	}
	/* a process this seed added has no old entries to compare with */
	if (!seed->added)
		replace_unlisted(seed, process, vma->end, vma, &matched);
	seed->cursor = vma->end;
	if (matched)
		return 0;
	err = insert_seeded(process, inode, vma);
	if (!err)
		seed->differences++;
	return err;
}

int tracker__seed_end(struct mw_tracker_seed *seed, uint64_t map_count)
{
	struct mw_tracker *tracker = seed->tracker;
	struct mw_process *process = tracker__find_process(tracker, seed->pid);

	if (!process)
		return -ENOENT;
	replace_unlisted(seed, process, UINT64_MAX, NULL, NULL);
	tracker__record_map_count(tracker, process, map_count, seed->scan_started_ns);
	if (seed->scan_started_ns > process->ignore_before_ns)
		process->ignore_before_ns = seed->scan_started_ns;
	if (seed->scan_ended_ns > process->read_ended_ns)
		process->read_ended_ns = seed->scan_ended_ns;
	process->awaiting_rescan = false;
	process->reread_asked = false;
	tracker__forget_unused_inodes(tracker);
	return seed->view_held ? (int)seed->differences : 0;
}

void tracker__seed_abandon(struct mw_tracker_seed *seed)
{
	struct mw_process *process = tracker__find_process(seed->tracker, seed->pid);

	/* half a walk is no view: a process added for it goes (a known one is the caller's) */
	if (process && seed->added)
		tracker__drop_process(seed->tracker, process, VMA_TREE_REPLACED);
	tracker__forget_unused_inodes(seed->tracker);
}

int tracker__seed_process(struct mw_tracker *tracker, uint32_t pid, const char *comm,
			  uint64_t map_count, const struct mw_vma *vmas, size_t count,
			  uint64_t scan_started_ns)
{
	struct mw_tracker_seed seed;
	int err;

	if (!vmas && count)
		return -EINVAL;
	err = tracker__seed_begin(tracker, &seed, pid, comm, scan_started_ns);
	for (size_t i = 0; !err && i < count; i++)
		err = tracker__seed_vma(&seed, &vmas[i]);
	if (err) {
		tracker__seed_abandon(&seed);
		return err;
	}
	return tracker__seed_end(&seed, map_count);
}

int tracker__set_file_status(struct mw_tracker *tracker, uint32_t dev, uint64_t ino, uint32_t nlink,
			     uint64_t size, const char *path, uint64_t timestamp_ns)
{
	struct mw_inode *inode = inode_table__find(&tracker->inodes, dev, ino);

	if (!inode)
		return -ENOENT;
	if (nlink == 0) {
		inode__mark_deleted(tracker, inode, true, timestamp_ns, false);
	} else {
		inode->deleted = false;
		inode->nlink = nlink;
	}
	/* the stat that settles a truncate no record carried is that record */
	if (inode->resize_check_pending)
		inode__record_size(inode, size, timestamp_ns);
	else
		inode__stat_size(inode, size, timestamp_ns);
	inode->resize_check_pending = false;
	if (path && path[0]) {
		uint64_t name_hash = inode_table__name_hash(inode_table__basename(path));
		bool renamed = name_hash != inode->name_hash;
		int err = inode_table__set_path(&tracker->inodes, inode, path, name_hash);

		/* renamed where the kernel could not follow: file it under the new name */
		if (!err && renamed)
			tracker__watch_inode(tracker, inode, false);
		return err;
	}
	return 0;
}

/* One live mapping of the inode, through any process. */
static const struct mw_vma_entry *some_mapping(const struct mw_inode *inode, uint32_t *pid)
{
	const struct mw_process_inode *user;

	DL_FOREACH2(inode->users, user, users_next)
	{
		if (user->entries) {
			*pid = user->process->pid;
			return user->entries;
		}
	}
	return NULL;
}

size_t tracker__take_pending_checks(struct mw_tracker *tracker, struct mw_file_check *out,
				    size_t max)
{
	struct mw_inode *inode, *next;
	size_t taken = 0;

	DL_FOREACH_SAFE2(tracker->pending_checks, inode, next, check_next)
	{
		const struct mw_vma_entry *entry;
		uint32_t pid = 0;

		if (taken == max)
			break;
		DL_DELETE2(tracker->pending_checks, inode, check_prev, check_next);
		inode->check_pending = false;
		entry = some_mapping(inode, &pid);
		if (!entry)
			continue;
		out[taken++] = (struct mw_file_check){
			.dev = inode->id.dev,
			.ino = inode->id.ino,
			.pid = pid,
			.start = entry->start,
			.end = entry->end,
		};
	}
	return taken;
}
