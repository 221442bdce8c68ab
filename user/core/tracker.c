// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Tracker state and the event rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <utlist.h>
#include "slab.h"
#include "tracker_internal.h"

#define DEFAULT_PAGE_SIZE 4096
/* "recent growth": long enough to smooth a broker that maps a few files a minute */
#define DEFAULT_GROWTH_WINDOW_NS (120ULL * 1000000000ULL)
/* Syscall results above this are -errno, not addresses. */
#define MAX_ERRNO_ADDRESS ((uint64_t)-4095)

/* One per process and file it maps: as many as mappings on a host of small processes. */
static struct mw_slab process_inode_slab = MW_SLAB_INIT(sizeof(struct mw_process_inode));

static uint64_t page_round_up(const struct mw_tracker *tracker, uint64_t value)
{
	uint64_t page = tracker->options.page_size;

	return (value + page - 1) / page * page;
}

static void observe_unlink_to_unmap(struct mw_tracker *tracker, double seconds)
{
	struct mw_duration_histogram *histogram = &tracker->unlink_to_unmap;

	for (size_t i = 0; i < MW_DURATION_BUCKETS; i++) {
		if (seconds <= mw_duration_bucket_bounds[i]) {
			histogram->buckets[i]++;
			break;
		}
	}
	histogram->count++;
	histogram->sum += seconds;
}

void tracker__schedule_forget(struct mw_tracker *tracker, struct mw_inode *inode)
{
	/* to the tail, so the list stays oldest first */
	if (inode->forget_pending)
		DL_DELETE2(tracker->pending_forgets, inode, forget_prev, forget_next);
	inode->forget_pending = true;
	inode->unused_since_ns = tracker->now_ns;
	DL_APPEND2(tracker->pending_forgets, inode, forget_prev, forget_next);
}

struct mw_file_id inode__file_id(const struct mw_inode *inode)
{
	return (struct mw_file_id){
		.inode = inode->kernel_address,
		.ino = inode->id.ino,
		.dev = inode->id.dev,
		.generation = inode->generation,
	};
}

static void queue_check(struct mw_tracker *tracker, struct mw_inode *inode)
{
	if (inode->check_pending)
		return;
	inode->check_pending = true;
	DL_APPEND2(tracker->pending_checks, inode, check_prev, check_next);
}

void tracker__watch_inode(struct mw_tracker *tracker, struct mw_inode *inode, bool expect_present)
{
	struct mw_file_id file = inode__file_id(inode);

	if (!tracker->options.inode_watch)
		return;
	if (tracker->options.inode_watch(tracker->options.hook_context, &file, inode->name_hash,
					 expect_present) == 1 &&
	    expect_present && !inode->deleted) {
		/* unfiled for a while: a truncate then made no record */
		inode->resize_check_pending = true;
		queue_check(tracker, inode);
	}
}

/* Resize-remap bookkeeping of one process and inode as an entry comes or goes. */
static void entry_added(void *ctx, struct mw_vma_entry *entry)
{
	struct mw_process_inode *user = entry->owner;
	struct mw_tracker *tracker = ((struct mw_process *)ctx)->tracker;

	tracker->tracked_mappings++;
	((struct mw_process *)ctx)->report_empty = false;
	if (!user)
		return;
	DL_APPEND2(user->entries, entry, owner_prev, owner_next);
	user->entry_count++;
	if (user->entry_count == 1 || entry->size_generation > user->newest_generation) {
		user->newest_generation = entry->size_generation;
		user->entries_at_newest_generation = 1;
	} else if (entry->size_generation == user->newest_generation) {
		user->entries_at_newest_generation++;
	}
	user->inode->mapping_count++;
}

static void entry_removed(void *ctx, struct mw_vma_entry *entry, enum mw_vma_removal why)
{
	struct mw_process_inode *user = entry->owner;
	struct mw_tracker *tracker = ((struct mw_process *)ctx)->tracker;
	struct mw_inode *inode;

	tracker->tracked_mappings--;
	((struct mw_process *)ctx)->report_empty = false;
	if (!user)
		return;
	inode = user->inode;
	DL_DELETE2(user->entries, entry, owner_prev, owner_next);
	user->entry_count--;
	if (entry->size_generation == user->newest_generation)
		user->entries_at_newest_generation--;
	if (why == VMA_TREE_UNMAPPED && inode->deleted && inode->deletion_time_known) {
		uint64_t lived = tracker->now_ns > inode->deleted_ns
					 ? tracker->now_ns - inode->deleted_ns
					 : 0;

		observe_unlink_to_unmap(tracker, (double)lived / 1e9);
	}
	if (--inode->mapping_count == 0)
		tracker__schedule_forget(tracker, inode);
}

/* Has the process read again from /proc at the next refresh, once until then. */
static void ask_rescan(struct mw_tracker *tracker, struct mw_process *process)
{
	if (!process->reread_asked && tracker->options.process_rescan) {
		process->reread_asked = true;
		tracker->options.process_rescan(tracker->options.hook_context, process->pid);
	}
}

/* Read again at the next refresh: the kernel's merge is not ours to guess. */
static void entry_uncertain(void *ctx)
{
	struct mw_process *process = ctx;

	ask_rescan(process->tracker, process);
}

static const struct mw_vma_tree_hooks process_map_hooks = {
	.added = entry_added,
	.removed = entry_removed,
	.uncertain = entry_uncertain,
};

int tracker__create(const struct mw_tracker_options *options, struct mw_tracker **out)
{
	struct mw_tracker *tracker = calloc(1, sizeof(*tracker));

	if (!tracker)
		return -ENOMEM;
	if (options)
		tracker->options = *options;
	if (!tracker->options.page_size)
		tracker->options.page_size = DEFAULT_PAGE_SIZE;
	if (!tracker->options.growth_window_ns)
		tracker->options.growth_window_ns = DEFAULT_GROWTH_WINDOW_NS;
	*out = tracker;
	return 0;
}

static void free_process(struct mw_process *process)
{
	struct mw_process_inode *user, *next;

	process->tracker->seed_cache_serial++;
	HASH_ITER(hh, process->inodes, user, next) {
		HASH_DEL(process->inodes, user);
		DL_DELETE2(user->inode->users, user, users_prev, users_next);
		slab__free(&process_inode_slab, user);
	}
	free(process->cgroup);
	free(process->history);
	free(process);
}

void tracker__destroy(struct mw_tracker *tracker)
{
	struct mw_process *process, *next;

	if (!tracker)
		return;
	HASH_ITER(hh, tracker->processes, process, next) {
		HASH_DEL(tracker->processes, process);
		/* No hooks: the tracker is going, nothing outside needs telling. */
		vma_tree__destroy(&process->map);
		free_process(process);
	}
	inode_table__destroy(&tracker->inodes);
	free(tracker->seed_cache);
	free(tracker);
}

struct mw_process *tracker__find_process(struct mw_tracker *tracker, uint32_t pid)
{
	struct mw_process *process;

	HASH_FIND(hh, tracker->processes, &pid, sizeof(pid), process);
	return process;
}

struct mw_process *tracker__get_process(struct mw_tracker *tracker, uint32_t pid, const char *comm)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	if (process)
		return process;
	process = calloc(1, sizeof(*process));
	if (!process)
		return NULL;
	process->pid = pid;
	process->tracker = tracker;
	strncpy(process->comm, comm ? comm : "", MW_COMM_LEN - 1);
	vma_tree__init(&process->map, &process_map_hooks, process);
	HASH_ADD(hh, tracker->processes, pid, sizeof(process->pid), process);
	return process;
}

void tracker__drop_process(struct mw_tracker *tracker, struct mw_process *process,
			   enum mw_vma_removal why)
{
	vma_tree__clear(&process->map, why);
	tracker->tracked_mappings -= process->counted_mappings;
	HASH_DEL(tracker->processes, process);
	free_process(process);
}

struct mw_process_inode *process__find_inode(struct mw_process *process, struct mw_inode *inode)
{
	struct mw_process_inode *user;

	HASH_FIND(hh, process->inodes, &inode->id, sizeof(inode->id), user);
	return user ? user : process__add_inode(process, inode);
}

struct mw_process_inode *process__add_inode(struct mw_process *process, struct mw_inode *inode)
{
	struct mw_process_inode *user = slab__alloc(&process_inode_slab);

	if (!user)
		return NULL;
	memset(user, 0, sizeof(*user));
	user->id = inode->id;
	user->process = process;
	user->inode = inode;
	HASH_ADD(hh, process->inodes, id, sizeof(user->id), user);
	DL_APPEND2(inode->users, user, users_prev, users_next);
	return user;
}

static void forget_inode(struct mw_tracker *tracker, struct mw_inode *inode)
{
	struct mw_process_inode *user, *next_user;

	tracker->seed_cache_serial++;
	DL_FOREACH_SAFE2(inode->users, user, next_user, users_next)
	{
		HASH_DEL(user->process->inodes, user);
		slab__free(&process_inode_slab, user);
	}
	if (inode->check_pending)
		DL_DELETE2(tracker->pending_checks, inode, check_prev, check_next);
	if (tracker->verify_next == inode)
		tracker->verify_next = inode->all_next;
	if (tracker->options.inode_forget) {
		struct mw_file_id file = inode__file_id(inode);

		tracker->options.inode_forget(tracker->options.hook_context, &file);
	}
	inode_table__remove(&tracker->inodes, inode);
}

/* Forgets, oldest first, the unused inodes that went unused at or before cutoff_ns. */
static size_t forget_unused_before(struct mw_tracker *tracker, uint64_t cutoff_ns)
{
	struct mw_inode *inode, *next;
	size_t forgotten = 0;

	DL_FOREACH_SAFE2(tracker->pending_forgets, inode, next, forget_next)
	{
		if (!inode->mapping_count && inode->unused_since_ns > cutoff_ns)
			break;
		DL_DELETE2(tracker->pending_forgets, inode, forget_prev, forget_next);
		inode->forget_pending = false;
		if (inode->mapping_count)
			continue;
		forget_inode(tracker, inode);
		forgotten++;
	}
	return forgotten;
}

void tracker__forget_unused_inodes(struct mw_tracker *tracker)
{
	if (!tracker->options.forget_delay_ns)
		forget_unused_before(tracker, UINT64_MAX);
}

size_t tracker__sweep_unused_inodes(struct mw_tracker *tracker, uint64_t now_ns)
{
	uint64_t delay = tracker->options.forget_delay_ns;

	return forget_unused_before(tracker, now_ns > delay ? now_ns - delay : 0);
}

size_t tracker__verify_kernel_inodes(struct mw_tracker *tracker, size_t max)
{
	size_t visited = 0, missing = 0;

	while (visited < max && inode_table__count(&tracker->inodes)) {
		struct mw_inode *inode =
			tracker->verify_next ? tracker->verify_next : tracker->inodes.all;
		bool was_pending = inode->check_pending;

		tracker->verify_next = inode->all_next;
		visited++;
		if (!inode->mapping_count)
			continue;
		tracker__watch_inode(tracker, inode, true);
		if (inode->check_pending && !was_pending)
			missing++;
		if (!tracker->verify_next)
			break; /* one round at most per call */
	}
	return missing;
}

void tracker__record_map_count(struct mw_tracker *tracker, struct mw_process *process,
			       uint64_t map_count, uint64_t timestamp_ns)
{
	uint64_t window_ns = tracker->options.growth_window_ns;

	process->map_count = map_count;
	if (!process->history && !process->first_count_known) {
		process->first_count_known = true;
		process->first_count = map_count;
		process->first_count_ns = timestamp_ns;
		return;
	}
	if (!process->history) {
		/* without memory for it, growth is not forecast until there is */
		process->history = calloc(1, sizeof(*process->history));
		if (!process->history)
			return;
		map_count_history__add(process->history, process->first_count_ns,
				       process->first_count, window_ns);
	}
	map_count_history__add(process->history, timestamp_ns, map_count, window_ns);
}

void inode__mark_deleted(struct mw_tracker *tracker, struct mw_inode *inode, bool time_known,
			 uint64_t timestamp_ns, bool own_record)
{
	inode->nlink = 0;
	if (inode->deleted) {
		/*
		 * A /proc read can see a deletion before its UNLINK record is drained:
		 * the record, when it comes, still gives the exact time. Nothing else
		 * does: a check that finds an old orphan deleted knows no time.
		 */
		if (own_record && time_known && !inode->deletion_time_known) {
			inode->deletion_time_known = true;
			inode->deleted_ns = timestamp_ns;
		}
		return;
	}
	inode->deleted = true;
	if (inode->users)
		tracker->files_orphaned++;
	inode__changed(inode);
	inode->deletion_time_known = time_known;
	inode->deleted_ns = time_known ? timestamp_ns : 0;
}

void inode__changed(struct mw_inode *inode)
{
	struct mw_process_inode *user;

	DL_FOREACH2(inode->users, user, users_next)
	user->process->report_empty = false;
}

/* The current size, from whichever source saw it last. */
static void learn_size(struct mw_inode *inode, uint64_t size, uint64_t timestamp_ns)
{
	if (inode->size_known && timestamp_ns < inode->size_seen_ns)
		return; /* a record drained after a newer stat */
	inode->size_seen_ns = timestamp_ns;
	if (inode->size_known && inode->size == size)
		return;
	inode->size = size;
	inode->size_known = true;
	inode__changed(inode);
	/* its blocks as measured belong to the old size */
	inode->disk_bytes_known = false;
	inode->disk_bytes_asked = false;
}

void inode__learn_disk_bytes(struct mw_inode *inode, uint64_t size, uint64_t disk_bytes)
{
	/* blocks counted at another size than the one now known belong to neither */
	if (inode->size_known && inode->size != size)
		return;
	inode->disk_bytes = disk_bytes;
	inode->disk_bytes_known = true;
}

void inode__record_size(struct mw_inode *inode, uint64_t size, uint64_t timestamp_ns)
{
	/* a size learnt for the first time is no size change */
	if (inode->record_size_known && inode->record_size != size)
		inode->size_generation++;
	inode->record_size = size;
	inode->record_size_known = true;
	learn_size(inode, size, timestamp_ns);
}

void inode__stat_size(struct mw_inode *inode, uint64_t size, uint64_t timestamp_ns)
{
	/* the first size known: records compare theirs with it */
	if (!inode->record_size_known) {
		inode->record_size = size;
		inode->record_size_known = true;
	}
	learn_size(inode, size, timestamp_ns);
}

/* The record names the file the tracker knows under that number, as far as either side can tell. */
static bool same_file(const struct mw_inode *inode, const struct mw_file_id *file)
{
	return !inode->kernel_address || !file->inode ||
	       (inode->kernel_address == file->inode && inode->generation == file->generation);
}

static void learn_identity(struct mw_inode *inode, const struct mw_file_id *file)
{
	if (!file->inode)
		return;
	inode->kernel_address = file->inode;
	inode->generation = file->generation;
}

/* An inode new to the tracker, from an MMAP record (the kernel has it filed). */
static struct mw_inode *add_mapped_inode(struct mw_tracker *tracker,
					 const struct mw_mmap_event *event)
{
	const struct mw_file_id *file = &event->file;
	struct mw_inode *inode = inode_table__add(&tracker->inodes, file->dev, file->ino,
						  event->name, event->name_hash);

	if (!inode)
		return NULL;
	learn_identity(inode, file);
	if (file->maps_dev)
		inode->maps_dev = file->maps_dev;
	inode__record_size(inode, file->size, event->header.timestamp_ns);
	inode->nlink = file->nlink;
	tracker__schedule_forget(tracker, inode); /* kept if the mapping goes in */
	/* Mapped through an fd after its last name went: we never saw when. */
	if (file->nlink == 0)
		inode__mark_deleted(tracker, inode, false, 0, false);
	/*
	 * The kernel filed it when it made the record; if our forget of an
	 * earlier file with this number removed that filing, file it again and
	 * check it: its unlink may have gone unseen meanwhile.
	 */
	tracker__watch_inode(tracker, inode, true);
	return inode;
}

/* The inode an MMAP event names, added or brought up to date. */
static struct mw_inode *mapped_inode(struct mw_tracker *tracker, const struct mw_mmap_event *event)
{
	const struct mw_file_id *file = &event->file;
	bool named = !(event->header.flags & MW_MMAP_INODE_FILED);
	struct mw_inode *inode = inode_table__find(&tracker->inodes, file->dev, file->ino);

	if (!inode)
		return add_mapped_inode(tracker, event);
	if (!same_file(inode, file)) {
		/* An inode number freed and reused: a new file, nothing of the old one holds. */
		inode->deleted = false;
		inode->deletion_time_known = false;
		inode->disk_bytes_known = false;
		inode->disk_bytes_asked = false;
		inode->record_size_known = false;
		inode->size_seen_ns = 0;
		inode->nlink = file->nlink;
		if (named &&
		    inode_table__set_path(&tracker->inodes, inode, event->name, event->name_hash))
			return NULL;
	} else if (named && inode_table__set_basename(&tracker->inodes, inode, event->name,
						      event->name_hash)) {
		return NULL;
	}
	learn_identity(inode, file);
	if (file->maps_dev)
		inode->maps_dev = file->maps_dev;
	inode__record_size(inode, file->size, event->header.timestamp_ns);
	if (file->nlink == 0) {
		inode__mark_deleted(tracker, inode, false, 0, false);
	} else {
		inode->deleted = false;
		inode->nlink = file->nlink;
	}
	return inode;
}

/* The flags the kernel gives the new VMA that the maps text does not show. */
static uint32_t mmap_vma_flags(const struct mw_mmap_event *event, bool shared)
{
	uint32_t flags = 0;

	if (event->map_flags & MAP_NORESERVE)
		flags |= MW_VMA_NORESERVE;
	if (event->map_flags & MAP_LOCKED)
		flags |= MW_VMA_LOCKED;
	if (shared && !(event->header.flags & MW_MMAP_FD_WRITABLE))
		flags |= MW_VMA_READONLY_FD;
	if (!shared && (event->prot & PROT_WRITE) && !(flags & MW_VMA_NORESERVE))
		flags |= MW_VMA_ACCOUNT;
	return flags;
}

static int apply_mmap(struct mw_tracker *tracker, struct mw_process *process,
		      const struct mw_mmap_event *event)
{
	uint64_t length = page_round_up(tracker, event->length);
	struct mw_vma_entry entry = { 0 };
	struct mw_process_inode *user;
	struct mw_inode *inode;
	uint32_t sharing = event->map_flags & (MAP_SHARED | MAP_PRIVATE);
	int err;

	if (event->addr >= MAX_ERRNO_ADDRESS || length == 0 || event->addr + length < event->addr)
		return 0;
	if (!(event->header.flags & MW_MMAP_FILE))
		return vma_tree__remove_range(&process->map, event->addr, event->addr + length,
					      VMA_TREE_UNMAPPED);
	inode = mapped_inode(tracker, event);
	if (!inode)
		return -ENOMEM;
	user = process__find_inode(process, inode);
	if (!user)
		return -ENOMEM;
	/* Whatever the new mapping replaces is no longer live for the rule below. */
	err = vma_tree__remove_range(&process->map, event->addr, event->addr + length,
				     VMA_TREE_UNMAPPED);
	if (err)
		return err;
	if (user->entry_count > 0 &&
	    (user->newest_generation < inode->size_generation
		     ? user->entry_count
		     : user->entry_count - user->entries_at_newest_generation))
		process->resize_remaps++;
	entry.start = event->addr;
	entry.end = event->addr + length;
	entry.offset = event->offset;
	entry.dev = inode->id.dev;
	entry.ino = inode->id.ino;
	entry.prot = event->prot;
	/* MAP_SHARED_VALIDATE has the MAP_SHARED bit too. */
	entry.shared = sharing != MAP_PRIVATE;
	entry.flags = mmap_vma_flags(event, entry.shared) | process->lock_future;
	entry.file_ref = event->file_ref;
	entry.size_generation = inode->size_generation;
	entry.owner = user;
	return vma_tree__insert(&process->map, &entry, true);
}

static int apply_mremap(struct mw_tracker *tracker, struct mw_process *process,
			const struct mw_mremap_event *event)
{
	uint64_t old_length = page_round_up(tracker, event->old_length);
	uint64_t new_length = page_round_up(tracker, event->new_length);

	if (event->new_addr >= MAX_ERRNO_ADDRESS)
		return 0;
	/*
	 * A move from nowhere we know onto mappings we know: a record is
	 * stamped when the call returns, so a /proc read that ended before the
	 * stamp may show the move made already, and applying it again would
	 * unmap what it moved. Or the source was anonymous memory. Only /proc
	 * can tell: it is read again, and the map left as it is until then.
	 */
	if (old_length && event->new_addr != event->old_addr && tracker->options.process_rescan &&
	    !vma_tree__any_in(&process->map, event->old_addr, event->old_addr + old_length) &&
	    vma_tree__any_in(&process->map, event->new_addr, event->new_addr + new_length)) {
		ask_rescan(tracker, process);
		return 0;
	}
	return vma_tree__mremap(&process->map, event->old_addr, old_length, event->new_addr,
				new_length, event->mremap_flags);
}

static int apply_fork(struct mw_tracker *tracker, struct mw_process *parent,
		      const struct mw_fork_event *event)
{
	struct mw_process *child = tracker__find_process(tracker, event->child_pid);
	struct mw_vma_entry *entry;
	bool guessed;
	int err;

	if (child == parent)
		return 0; /* malformed: dropping the child would free the parent */
	if (child && event->header.timestamp_ns < child->ignore_before_ns)
		return 0; /* the child's own scan already shows what it inherited */
	if (child)
		tracker__drop_process(tracker, child, VMA_TREE_REPLACED);
	child = tracker__get_process(tracker, event->child_pid, event->header.comm);
	if (!child)
		return -ENOMEM;
	/* where the parent was: a runtime moves it into its container before exec, which rescans */
	if (parent->cgroup && process__assign_cgroup(child, parent->cgroup))
		return -ENOMEM;
	child->cgroup_missing = parent->cgroup_missing;
	if (event->header.map_count)
		tracker__record_map_count(tracker, child, event->header.map_count,
					  event->header.timestamp_ns);
	/* vfork: the child borrows the parent's memory until it execs or exits. */
	if (event->header.flags & MW_FORK_SHARED_MM)
		return 0;
	/*
	 * The copy is our view of the parent as this record finds it, which may
	 * not be what the kernel copied: with other threads in the parent, a
	 * change made just after the copy may be recorded before this record,
	 * and one made just before it after; a parent awaiting a re-read is
	 * known to be wrong; a VMA read from /proc may carry MADV_DONTFORK,
	 * which /proc does not show. The child is then read from /proc too,
	 * the copy standing until then.
	 */
	guessed = (event->header.flags & MW_FORK_MM_SHARED_BY_OTHERS) || parent->reread_asked ||
		  parent->awaiting_rescan;
	child->map.anon_serial = parent->map.anon_serial;
	for (entry = vma_tree__first(&parent->map); entry; entry = vma_tree__next(entry)) {
		struct mw_vma_entry copy = *entry;
		struct mw_process_inode *user = entry->owner;

		guessed |= entry->seeded;
		/* MADV_DONTFORK: not copied; a child holds no lock of its parent's */
		if (entry->flags & MW_VMA_DONTCOPY)
			continue;
		copy.flags &= ~(MW_VMA_LOCKED | MW_VMA_LOCKONFAULT);
		/* each VMA of the child gets anonymous memory of its own: its pieces merge no more */
		if (copy.anon)
			copy.anon = vma_tree__new_anon(&child->map);

		if (user) {
			copy.owner = process__find_inode(child, user->inode);
			if (!copy.owner)
				return -ENOMEM;
		}
		err = vma_tree__insert(&child->map, &copy, false);
		if (err)
			return err;
	}
	if (guessed)
		ask_rescan(tracker, child);
	return 0;
}

static void apply_exec(struct mw_tracker *tracker, struct mw_process *process,
		       const struct mw_exec_event *event)
{
	vma_tree__clear(&process->map, VMA_TREE_UNMAPPED);
	process->lock_future = 0; /* a new address space */
	memcpy(process->comm, event->header.comm, MW_COMM_LEN);
	process->comm[MW_COMM_LEN - 1] = '\0';
	process->awaiting_rescan = true;
	if (tracker->options.process_rescan)
		tracker->options.process_rescan(tracker->options.hook_context, process->pid);
}

static int apply_file_event(struct mw_tracker *tracker, const union mw_event *event)
{
	const struct mw_file_id *file =
		event->header.type == MW_EVENT_RENAME ? &event->rename.file : &event->file.file;
	struct mw_inode *inode = inode_table__find(&tracker->inodes, file->dev, file->ino);

	if (!inode)
		return 0; /* no mapping of it is tracked */
	switch (event->header.type) {
	case MW_EVENT_TRUNCATE:
		inode__record_size(inode, file->size, event->header.timestamp_ns);
		return 0;
	case MW_EVENT_UNLINK:
		/* the audit's records know only that it is gone, not since when */
		if (event->header.flags & MW_UNLINK_LAST)
			inode__mark_deleted(tracker, inode, true, event->header.timestamp_ns,
					    !(event->header.flags & MW_UNLINK_AUDIT));
		else if (!inode->deleted)
			inode->nlink = file->nlink;
		return 0;
	default: /* MW_EVENT_RENAME */
		return inode_table__set_basename(&tracker->inodes, inode, event->rename.name,
						 event->rename.name_hash);
	}
}

void tracker__check_every_file(struct mw_tracker *tracker)
{
	struct mw_inode *inode;

	INODE_TABLE_FOREACH(&tracker->inodes, inode)
	{
		if (!inode->deleted)
			queue_check(tracker, inode);
	}
}

int tracker__check_file(struct mw_tracker *tracker, uint32_t dev, uint64_t ino)
{
	struct mw_inode *inode = inode_table__find(&tracker->inodes, dev, ino);

	if (!inode || !inode->mapping_count)
		return -ENOENT;
	if (!inode->deleted)
		queue_check(tracker, inode);
	return 0;
}

static void apply_check(struct mw_tracker *tracker, const struct mw_check_event *event)
{
	struct mw_inode *inode;

	/*
	 * The kernel could not read the path whole, so it cannot name a bucket:
	 * every live inode may be the one. Rare (a path longer than the kernel reads).
	 */
	if (event->header.flags & MW_CHECK_PATH_UNREADABLE) {
		tracker__check_every_file(tracker);
		return;
	}
	DL_FOREACH2(inode_table__by_name(&tracker->inodes, event->name_hash), inode, bucket_next)
	{
		/* a truncate(path) the kernel could not pin on one of its slots */
		if (event->header.flags & MW_CHECK_TRUNCATE)
			inode->resize_check_pending = true;
		queue_check(tracker, inode);
	}
}

/*
 * remap_file_pages(): a new VMA of the same file over part of a shared one,
 * made as mmap(MAP_SHARED | MAP_FIXED) would make it: flags afresh but the lock.
 */
static int remap_pages(struct mw_process *process, uint64_t start, uint64_t end, uint64_t offset)
{
	struct mw_vma_entry *entry = vma_tree__find(&process->map, start);
	struct mw_vma_entry copy;
	struct mw_process_inode *user;

	if (!entry || !entry->shared || end > entry->end)
		return 0; /* the kernel refuses it, or not a file mapping we follow */
	copy = *entry;
	user = entry->owner;
	copy.start = start;
	copy.end = end;
	copy.offset = offset;
	copy.flags = (copy.flags & (MW_VMA_READONLY_FD | MW_VMA_LOCKED)) | process->lock_future;
	copy.anon = 0;
	if (user)
		copy.size_generation = user->inode->size_generation;
	return vma_tree__insert(&process->map, &copy, true);
}

/* madvise() advice that changes VMA flags: what each sets and clears. */
static bool advice_flags(uint64_t advice, uint32_t *set, uint32_t *clear)
{
	static const struct {
		uint32_t advice, set, clear;
	} table[] = {
		{ MADV_DONTFORK, MW_VMA_DONTCOPY, 0 },
		{ MADV_DOFORK, 0, MW_VMA_DONTCOPY },
		{ MADV_DONTDUMP, MW_VMA_DONTDUMP, 0 },
		{ MADV_DODUMP, 0, MW_VMA_DONTDUMP },
		{ MADV_HUGEPAGE, MW_VMA_HUGEPAGE, MW_VMA_NOHUGEPAGE },
		{ MADV_NOHUGEPAGE, MW_VMA_NOHUGEPAGE, MW_VMA_HUGEPAGE },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].advice == advice) {
			*set = table[i].set;
			*clear = table[i].clear;
			return true;
		}
	}
	return false;
}

/*
 * mlockall(flags), munlockall() as flags 0: the lock of every VMA with
 * MCL_CURRENT (cleared without), and of every one mapped from then on with
 * MCL_FUTURE.
 */
static int lock_all(struct mw_process *process, uint64_t flags)
{
	uint32_t lock = MW_VMA_LOCKED | (flags & MCL_ONFAULT ? MW_VMA_LOCKONFAULT : 0);
	uint32_t every = MW_VMA_LOCKED | MW_VMA_LOCKONFAULT;

	process->lock_future = flags & MCL_FUTURE ? lock : 0;
	if (flags & MCL_CURRENT)
		return vma_tree__change_flags(&process->map, 0, UINT64_MAX, lock, every & ~lock);
	if (flags & MCL_FUTURE)
		return 0; /* the VMAs there are keep their locks */
	return vma_tree__change_flags(&process->map, 0, UINT64_MAX, 0, every);
}

static int apply_range(struct mw_tracker *tracker, struct mw_process *process,
		       const struct mw_range_event *event)
{
	uint64_t start = event->addr, end = event->addr + page_round_up(tracker, event->length);
	uint32_t set = 0, clear = 0;

	if (end < start)
		return 0;
	switch (event->op) {
	case MW_RANGE_MADVISE:
		if (!advice_flags(event->value, &set, &clear))
			return 0;
		break;
	case MW_RANGE_MLOCK:
		set = MW_VMA_LOCKED;
		if (event->value & MLOCK_ONFAULT)
			set |= MW_VMA_LOCKONFAULT;
		else
			clear = MW_VMA_LOCKONFAULT;
		break;
	case MW_RANGE_MUNLOCK:
		clear = MW_VMA_LOCKED | MW_VMA_LOCKONFAULT;
		break;
	case MW_RANGE_REMAP_PAGES:
		return remap_pages(process, start, end, event->value * tracker->options.page_size);
	case MW_RANGE_MLOCKALL:
	case MW_RANGE_MUNLOCKALL:
		return lock_all(process, event->op == MW_RANGE_MLOCKALL ? event->value : 0);
	default:
		return 0;
	}
	return vma_tree__change_flags(&process->map, start, end, set, clear);
}

/* Events about one process's address space; a /proc scan may already show them. */
static bool process_scoped(uint32_t type)
{
	return type == MW_EVENT_MMAP || type == MW_EVENT_MUNMAP || type == MW_EVENT_MREMAP ||
	       type == MW_EVENT_MPROTECT || type == MW_EVENT_FORK || type == MW_EVENT_EXEC ||
	       type == MW_EVENT_EXIT || type == MW_EVENT_RANGE;
}

static int apply_event(struct mw_tracker *tracker, const union mw_event *event)
{
	const struct mw_event_header *header = &event->header;
	struct mw_process *process = tracker__find_process(tracker, header->pid);

	if (process && process_scoped(header->type) &&
	    header->timestamp_ns < process->ignore_before_ns) {
		/*
		 * The parent's scan shows the parent, not the child it forked
		 * before: the child is read from /proc instead.
		 */
		if (header->type == MW_EVENT_FORK && event->fork.child_pid != header->pid &&
		    tracker->options.process_rescan)
			tracker->options.process_rescan(tracker->options.hook_context,
							event->fork.child_pid);
		return 0;
	}
	if (header->type == MW_EVENT_EXIT) {
		if (process)
			tracker__drop_process(tracker, process, VMA_TREE_UNMAPPED);
		return 0;
	}
	if (process && process_scoped(header->type) &&
	    header->timestamp_ns < process->read_ended_ns && tracker->options.process_rescan) {
		/*
		 * Made while /proc was being read: the read may show it already. A
		 * child copies the parent as /proc showed it, which may hold what the
		 * parent mapped after the fork: the child is read instead. Anything
		 * else is applied, and the process read again to be sure.
		 */
		if (header->type == MW_EVENT_FORK) {
			if (event->fork.child_pid != header->pid)
				tracker->options.process_rescan(tracker->options.hook_context,
								event->fork.child_pid);
			return 0;
		}
		ask_rescan(tracker, process);
	}
	/*
	 * A deletion, rename, truncate or check comes from whoever made the
	 * syscall, in the filters or not: it is about a file, not its process.
	 */
	if (!process && process_scoped(header->type)) {
		char comm[MW_COMM_LEN];

		memcpy(comm, header->comm, MW_COMM_LEN);
		comm[MW_COMM_LEN - 1] = '\0';
		process = tracker__get_process(tracker, header->pid, comm);
		if (!process)
			return -ENOMEM;
	}
	if (process && header->map_count)
		tracker__record_map_count(tracker, process, header->map_count,
					  header->timestamp_ns);

	switch (header->type) {
	case MW_EVENT_MMAP:
		return apply_mmap(tracker, process, &event->mmap);
	case MW_EVENT_MUNMAP:
		return vma_tree__remove_range(&process->map, event->munmap.addr,
					      event->munmap.addr +
						      page_round_up(tracker, event->munmap.length),
					      VMA_TREE_UNMAPPED);
	case MW_EVENT_MREMAP:
		return apply_mremap(tracker, process, &event->mremap);
	case MW_EVENT_MPROTECT:
		return vma_tree__mprotect_pkey(
			&process->map, event->mprotect.addr,
			event->mprotect.addr + page_round_up(tracker, event->mprotect.length),
			event->mprotect.prot, event->mprotect.pkey);
	case MW_EVENT_RANGE:
		return apply_range(tracker, process, &event->range);
	case MW_EVENT_TRUNCATE:
	case MW_EVENT_UNLINK:
	case MW_EVENT_RENAME:
		return apply_file_event(tracker, event);
	case MW_EVENT_CHECK:
		apply_check(tracker, &event->check);
		return 0;
	case MW_EVENT_FORK:
		return apply_fork(tracker, process, &event->fork);
	case MW_EVENT_EXEC:
		apply_exec(tracker, process, &event->exec);
		return 0;
	default:
		return 0;
	}
}

int tracker__apply(struct mw_tracker *tracker, const union mw_event *event)
{
	int err;

	tracker->now_ns = event->header.timestamp_ns;
	err = apply_event(tracker, event);
	tracker__forget_unused_inodes(tracker);
	return err;
}

int tracker__remove_process(struct mw_tracker *tracker, uint32_t pid, uint64_t timestamp_ns)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	if (!process)
		return -ENOENT;
	tracker->now_ns = timestamp_ns;
	tracker__drop_process(tracker, process, VMA_TREE_UNMAPPED);
	tracker__forget_unused_inodes(tracker);
	return 0;
}

int tracker__set_map_count(struct mw_tracker *tracker, uint32_t pid, uint64_t map_count,
			   uint64_t timestamp_ns)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	if (!process)
		return -ENOENT;
	tracker__record_map_count(tracker, process, map_count, timestamp_ns);
	return 0;
}

int tracker__set_comm(struct mw_tracker *tracker, uint32_t pid, const char *comm)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	if (!process)
		return -ENOENT;
	strncpy(process->comm, comm, MW_COMM_LEN - 1);
	process->comm[MW_COMM_LEN - 1] = '\0';
	return 0;
}

size_t tracker__process_mapping_count(struct mw_tracker *tracker, uint32_t pid)
{
	struct mw_process *process = tracker__find_process(tracker, pid);

	return process ? vma_tree__count(&process->map) + process->counted_mappings : 0;
}

bool tracker__has_process(struct mw_tracker *tracker, uint32_t pid)
{
	return tracker__find_process(tracker, pid) != NULL;
}

bool tracker__keeps_every_file(const struct mw_tracker *tracker)
{
	return !tracker->options.keep_reported_mappings_only;
}

size_t tracker__pids(const struct mw_tracker *tracker, uint32_t *out, size_t max)
{
	const struct mw_process *process;
	size_t i = 0;

	for (process = tracker->processes; process; process = process->hh.next) {
		if (i < max)
			out[i] = process->pid;
		i++;
	}
	return i;
}

size_t tracker__tracked_mappings(const struct mw_tracker *tracker)
{
	return tracker->tracked_mappings;
}

uint64_t tracker__files_orphaned(const struct mw_tracker *tracker)
{
	return tracker->files_orphaned;
}

size_t tracker__tracked_inodes(const struct mw_tracker *tracker)
{
	return inode_table__count(&tracker->inodes);
}

bool tracker__file_deleted(struct mw_tracker *tracker, uint32_t dev, uint64_t ino)
{
	struct mw_inode *inode = inode_table__find(&tracker->inodes, dev, ino);

	return inode && inode->deleted;
}

uint64_t tracker__name_hash(const char *basename)
{
	return inode_table__name_hash(basename);
}
