// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "cgroup_path.h"
#include "clock.h"
#include "collector.h"
#include "event.h"
#include "kernel_options.h"
#include "kernel_tracer.h"
#include "orphan_cache.h"
#include "orphan_measure.h"
#include "page_cache_reader.h"
#include "process_cgroups.h"
#include "proc_maps.h"
#include "proc_scan.h"
#include "proc_seed.h"
#include "process_filter.h"
#include "seeded_tracker.h"
#include "tracker.h"
#include "unfiled_inodes.h"

/*
 * Non-urgent records wait in the ring buffer without a wakeup (a wakeup per
 * record costs ~1 us); this is how long they can wait at most.
 */
#define DRAIN_PERIOD_SECONDS 0.05
#define CHECK_BATCH 256
#define DIRTY_BATCH 1024
/*
 * An inode no mapping holds stays filed this long: mapped again meanwhile
 * (an index resized, a library loaded by the next process), it costs the
 * traced process no new filing and the agent no map update.
 */
#define FORGET_DELAY_NS (10ULL * 1000000000ULL)
/* The page cache of an orphaned file, measured at most once a second however short the interval. */
#define CACHE_MIN_AGE_NS 1000000000ULL
/* Tracked inodes whose kernel filing is confirmed per interval: bounded cost, all in turn. */
#define VERIFY_BATCH 256
/* Files the kernel's table had no room for, checked from /proc per interval: all in turn. */
#define UNFILED_BATCH 4096

struct mw_collector {
	struct mw_options options;
	struct mw_kernel_tracer *kernel;
	/* the tracker, and the kernel's filters for what /proc shows */
	struct mw_seeded_tracker seeded;
	uint64_t events_by_type[MW_EVENT_TYPE_COUNT];
	uint64_t events_malformed;
	uint64_t events_lost;
	uint64_t dirty_table_full; /* as last seen: growth means every process is re-read */
	uint64_t reconcile_corrections;
	struct mw_unfiled_inodes *unfiled;
	uint64_t inodes_refused; /* by the kernel's full table, to our own inserts */
	uint32_t *rescan_pids;
	size_t rescan_count;
	size_t rescan_capacity;
	struct mw_orphan_cache *cache; /* page cache of orphaned files, between snapshots */
	/* NULL: the kernel refused it (why in page_cache_error), cachestat(2) measures every file */
	struct mw_page_cache_reader *page_cache;
	char page_cache_error[256];
	struct mw_file_check *rechecks; /* dev and ino only */
	size_t recheck_count;
	size_t recheck_capacity;
	void (*orphans_hook)(void *context);
	void *orphans_context;
	uint64_t files_orphaned_told; /* tracker__files_orphaned as the hook last heard it */
};

static int hook_inode_watch(void *context, const struct mw_file_id *file, uint64_t name_hash,
			    bool expect_present)
{
	struct mw_collector *collector = context;
	int inserted = kernel_tracer__watch_inode(collector->kernel, file, name_hash);

	if (inserted == 1 && expect_present)
		collector->reconcile_corrections++;
	/* A full table: no hook sees this file's deletion, the interval's checks do. */
	if (inserted == -E2BIG && unfiled_inodes__add(collector->unfiled, file, name_hash) == 1)
		collector->inodes_refused++;
	else if (inserted >= 0)
		unfiled_inodes__remove(collector->unfiled, file->dev, file->ino);
	return inserted;
}

static void hook_inode_forget(void *context, const struct mw_file_id *file)
{
	struct mw_collector *collector = context;

	unfiled_inodes__remove(collector->unfiled, file->dev, file->ino);
	(void)kernel_tracer__forget_inode(collector->kernel, file);
}

static void queue_rescan(struct mw_collector *collector, uint32_t pid)
{
	for (size_t i = 0; i < collector->rescan_count; i++)
		if (collector->rescan_pids[i] == pid)
			return;
	if (collector->rescan_count == collector->rescan_capacity) {
		size_t capacity = collector->rescan_capacity ? 2 * collector->rescan_capacity : 64;
		uint32_t *grown = realloc(collector->rescan_pids, capacity * sizeof(*grown));

		if (!grown)
			return; /* the next lost-event repair or exec will ask again */
		collector->rescan_pids = grown;
		collector->rescan_capacity = capacity;
	}
	collector->rescan_pids[collector->rescan_count++] = pid;
}

static void hook_process_rescan(void *context, uint32_t pid)
{
	queue_rescan(context, pid);
}

/* Re-reads one process from /proc; the differences are corrections. */
static int rescan_process(struct mw_collector *collector, uint32_t pid)
{
	char comm[MW_COMM_LEN], cgroup[PATH_MAX];
	uint64_t started = clock__monotonic_ns();
	bool known;
	int err, cgroup_err;

	/* an exec may have come from a runtime that moved it into a container first */
	cgroup_err = cgroup_path__of_process((pid_t)pid, cgroup, sizeof(cgroup));
	known = tracker__has_process(collector->seeded.tracker, pid);
	err = proc_scan__read_comm((pid_t)pid, comm);
	if (!err && !process_filter__matches(collector->seeded.filter, pid, comm,
					     cgroup_err ? NULL : cgroup)) {
		/* renamed, exec'd or moved out of the filters: the kernel follows it no more */
		if (known)
			(void)tracker__remove_process(collector->seeded.tracker, pid, started);
		return 0;
	}
	/* a kernel thread, or a zombie, that we did not follow: nothing to follow */
	if (!err)
		err = proc_seed__process(collector->seeded.tracker, pid, comm, started, known);
	if (err == -ESRCH || err == -ENOENT) {
		if (!tracker__remove_process(collector->seeded.tracker, pid, started))
			collector->reconcile_corrections++;
		return 0;
	}
	if (err < 0)
		return err;
	if (tracker__learn_cgroup(collector->seeded.tracker, pid, cgroup_err, cgroup) == -ENOMEM)
		return -ENOMEM;
	if (err > 0)
		collector->reconcile_corrections += (uint64_t)err;
	/* a process a lost record hid from us */
	else if (!known && tracker__process_mapping_count(collector->seeded.tracker, pid))
		collector->reconcile_corrections++;
	return 0;
}

/*
 * The kernel's reader of page cache figures, after the tracer (whose libbpf
 * message handler keeps a refusal off stderr): without it, cachestat(2)
 * measures every file and the snapshots say so.
 */
static void open_page_cache_reader(struct mw_collector *collector)
{
	if (!page_cache_reader__open(&collector->page_cache, collector->page_cache_error,
				     sizeof(collector->page_cache_error)))
		collector->page_cache_error[0] = '\0';
}

const char *collector__page_cache_error(struct mw_collector *collector)
{
	return collector->page_cache ? NULL : collector->page_cache_error;
}

/*
 * Everything the kernel side needs, in order: the set of files its table
 * refused, the tracer, the page cache reader and the cache of its figures.
 */
static int open_kernel_side(struct mw_collector *collector, char *error, size_t error_size)
{
	struct mw_kernel_setup *setup;
	int err;

	collector->unfiled = unfiled_inodes__create();
	/* on the heap: it holds PATH_MAX per cgroup */
	setup = malloc(sizeof(*setup));
	if (!collector->unfiled || !setup) {
		free(setup);
		snprintf(error, error_size, "out of memory");
		return -ENOMEM;
	}
	err = kernel_options__from(&collector->options, setup, error, error_size);
	if (!err)
		err = kernel_tracer__open(&collector->kernel, &setup->kernel, error, error_size);
	free(setup);
	if (err)
		return err;
	open_page_cache_reader(collector);
	err = orphan_cache__create(CACHE_MIN_AGE_NS, collector->page_cache, &collector->cache);
	if (err)
		snprintf(error, error_size, "out of memory");
	return err;
}

/*
 * The tracker's hooks keep the kernel's table of inodes in step with it: the
 * tracker first, then the kernel side, then /proc read (the programs are
 * attached already: whatever changes after a process's maps are read reaches us).
 */
int collector__open(struct mw_collector **out, const struct mw_options *options, char *error,
		    size_t error_size)
{
	struct mw_tracker_options tracker_options = {
		.page_size = (uint64_t)sysconf(_SC_PAGESIZE),
		.forget_delay_ns = FORGET_DELAY_NS,
		.inode_watch = hook_inode_watch,
		.inode_forget = hook_inode_forget,
		.process_rescan = hook_process_rescan,
		.snapshot_ranges = options->ranges,
	};
	struct mw_collector *collector;
	int err;

	*out = NULL;
	collector = calloc(1, sizeof(*collector));
	if (!collector) {
		snprintf(error, error_size, "out of memory");
		return -ENOMEM;
	}
	collector->options = *options;
	tracker_options.hook_context = collector;
	err = seeded_tracker__create(&collector->seeded, &tracker_options, error, error_size);
	if (!err)
		err = open_kernel_side(collector, error, error_size);
	if (!err)
		err = seeded_tracker__seed(&collector->seeded, &collector->options, NULL, error,
					   error_size);
	if (err) {
		collector__destroy(collector);
		return err;
	}
	*out = collector;
	return 0;
}

void collector__destroy(struct mw_collector *collector)
{
	if (!collector)
		return;
	kernel_tracer__destroy(collector->kernel);
	seeded_tracker__destroy(&collector->seeded);
	unfiled_inodes__destroy(collector->unfiled);
	orphan_cache__destroy(collector->cache);
	page_cache_reader__destroy(collector->page_cache);
	free(collector->rescan_pids);
	free(collector->rechecks);
	free(collector);
}

/* Ring buffer callback: check, copy, hand to the core. Nothing else. */
static int consume_record(void *context, const void *data, size_t size)
{
	struct mw_collector *collector = context;
	union mw_event event;

	if (event__decode(data, size, &event)) {
		collector->events_malformed++;
		return 0;
	}
	collector->events_by_type[event.header.type]++;
	/* a deletion only the audit saw: our view was wrong until now */
	if (event.header.type == MW_EVENT_UNLINK && (event.header.flags & MW_UNLINK_AUDIT))
		collector->reconcile_corrections++;
	return tracker__apply(collector->seeded.tracker, &event);
}

/*
 * The path of a mapped file as /proc/PID/maps spells it. The kernel appends
 * " (deleted)" once, to unlinked files only: a live file may be named so.
 */
static void read_mapping_path(uint32_t pid, uint64_t start, uint64_t end, bool unlinked, char *path,
			      size_t size)
{
	if (proc_maps__mapping_path((pid_t)pid, start, end, unlinked, path, size))
		path[0] = '\0';
}

/* A stat names the file {dev (kernel encoding), ino}. */
static bool same_file(const struct stat *status, uint32_t dev, uint64_t ino)
{
	return status->st_ino == ino &&
	       (uint32_t)(major(status->st_dev) << 20 | minor(status->st_dev)) == dev;
}

/* A check to ask again once the processes queued for a re-read have been read. */
static void queue_recheck(struct mw_collector *collector, uint32_t dev, uint64_t ino)
{
	if (collector->recheck_count == collector->recheck_capacity) {
		size_t capacity =
			collector->recheck_capacity ? 2 * collector->recheck_capacity : 64;
		struct mw_file_check *grown =
			realloc(collector->rechecks, capacity * sizeof(*grown));

		if (!grown)
			return; /* the next lost-event repair checks every file again */
		collector->rechecks = grown;
		collector->recheck_capacity = capacity;
	}
	collector->rechecks[collector->recheck_count++] =
		(struct mw_file_check){ .dev = dev, .ino = ino };
}

/* The kernel could not settle an unlink/rename/truncate itself: look at the files. */
static void answer_pending_checks(struct mw_collector *collector)
{
	struct mw_file_check checks[CHECK_BATCH];
	size_t count;

	while ((count = tracker__take_pending_checks(collector->seeded.tracker, checks,
						     CHECK_BATCH))) {
		uint64_t now = clock__monotonic_ns();

		for (size_t i = 0; i < count; i++) {
			char path[PATH_MAX];
			struct stat status;

			if (proc_maps__stat_mapping((pid_t)checks[i].pid, checks[i].start,
						    checks[i].end, &status) ||
			    !same_file(&status, checks[i].dev, checks[i].ino)) {
				/*
				 * The mapping went or holds another file: our view of the
				 * process is wrong. Read it again, then ask again.
				 */
				queue_rescan(collector, checks[i].pid);
				queue_recheck(collector, checks[i].dev, checks[i].ino);
				continue;
			}
			read_mapping_path(checks[i].pid, checks[i].start, checks[i].end,
					  status.st_nlink == 0, path, sizeof(path));
			(void)tracker__set_file_status(collector->seeded.tracker, checks[i].dev,
						       checks[i].ino, (uint32_t)status.st_nlink,
						       (uint64_t)status.st_size,
						       path[0] ? path : NULL, now);
			/* the stat says what the file holds on disk too */
			(void)tracker__set_disk_bytes(collector->seeded.tracker, checks[i].dev,
						      checks[i].ino, (uint64_t)status.st_size,
						      (uint64_t)status.st_blocks * 512);
		}
		if (count < CHECK_BATCH)
			break;
	}
}

int collector__drain(struct mw_collector *collector)
{
	int err = kernel_tracer__drain(collector->kernel, consume_record, collector);
	uint64_t orphaned;

	if (err < 0)
		return err;
	answer_pending_checks(collector);
	orphaned = tracker__files_orphaned(collector->seeded.tracker);
	if (orphaned != collector->files_orphaned_told && collector->orphans_hook) {
		collector->files_orphaned_told = orphaned;
		collector->orphans_hook(collector->orphans_context);
	}
	return 0;
}

void collector__on_orphans(struct mw_collector *collector, void (*hook)(void *context),
			   void *context)
{
	collector->orphans_hook = hook;
	collector->orphans_context = context;
	collector->files_orphaned_told = tracker__files_orphaned(collector->seeded.tracker);
}

int collector__ring_buffer_fd(struct mw_collector *collector)
{
	return kernel_tracer__ring_buffer_fd(collector->kernel);
}

int collector__kernel_access(struct mw_collector *collector)
{
	uint64_t lost;

	return kernel_tracer__lost_events(collector->kernel, &lost);
}

bool collector__file_deleted(struct mw_collector *collector, uint32_t dev, uint64_t ino)
{
	return tracker__file_deleted(collector->seeded.tracker, dev, ino);
}

static int on_ring_buffer(struct mw_event_loop *loop, int fd, void *context)
{
	(void)loop;
	(void)fd;
	return collector__drain(context);
}

static int on_drain_timer(struct mw_event_loop *loop, int fd, void *context)
{
	(void)loop;
	event_loop__ack_timer(fd);
	return collector__drain(context);
}

int collector__attach_to_loop(struct mw_collector *collector, struct mw_event_loop *loop)
{
	int err = event_loop__add(loop, collector__ring_buffer_fd(collector), on_ring_buffer,
				  collector);

	if (err)
		return err;
	return event_loop__add_timer(loop, DRAIN_PERIOD_SECONDS, on_drain_timer, collector, NULL);
}

/* Map counts and names of every known process, from the kernel, now. */
static int sample_processes(struct mw_collector *collector)
{
	size_t count = tracker__pids(collector->seeded.tracker, NULL, 0);
	struct mw_process_sample *samples;
	uint64_t now = clock__monotonic_ns();
	uint32_t *pids;
	int err;

	if (!count)
		return 0;
	pids = calloc(count, sizeof(*pids));
	samples = calloc(count, sizeof(*samples));
	err = pids && samples ? 0 : -ENOMEM;
	if (!err) {
		tracker__pids(collector->seeded.tracker, pids, count);
		err = kernel_tracer__read_processes(collector->kernel, pids, count, samples);
	}
	for (size_t i = 0; !err && i < count; i++) {
		/*
		 * Gone, or exiting. Its EXIT record may have been lost, or applied
		 * before a re-read that still saw its mappings: this ends it either way.
		 */
		if (!samples[i].alive) {
			if (!tracker__remove_process(collector->seeded.tracker, pids[i], now))
				collector->reconcile_corrections++;
			continue;
		}
		if (samples[i].map_count)
			(void)tracker__set_map_count(collector->seeded.tracker, pids[i],
						     samples[i].map_count, now);
		/* exec'd or renamed out of --comm: the kernel's records stopped at that moment */
		if (samples[i].comm[0] &&
		    !options__process_matches(&collector->options, pids[i], samples[i].comm)) {
			(void)tracker__remove_process(collector->seeded.tracker, pids[i], now);
			continue;
		}
		if (samples[i].comm[0])
			(void)tracker__set_comm(collector->seeded.tracker, pids[i],
						samples[i].comm);
	}
	free(pids);
	free(samples);
	return err;
}

/*
 * A file the kernel had no room for: filed if there is room now, and checked
 * from /proc either way, since its deletion may have come first. Dropped from
 * the set once filed or no longer mapped.
 */
static bool recheck_unfiled(void *context, const struct mw_file_id *file, uint64_t name_hash)
{
	struct mw_collector *collector = context;
	int filed = kernel_tracer__watch_inode(collector->kernel, file, name_hash);

	if (tracker__check_file(collector->seeded.tracker, file->dev, file->ino) == -ENOENT)
		return true;
	return filed >= 0;
}

/*
 * Bounded checks that the kernel's view and ours agree: the kernel's link
 * count of every tracked inode (deletions it finds come as records, applied
 * by the drain), a batch of our inodes against its table, and a batch of the
 * files it could not take.
 */
static int audit(struct mw_collector *collector)
{
	int err = kernel_tracer__audit_inodes(collector->kernel, NULL);

	if (err)
		return err;
	unfiled_inodes__visit(collector->unfiled, UNFILED_BATCH, recheck_unfiled, collector);
	tracker__verify_kernel_inodes(collector->seeded.tracker, VERIFY_BATCH);
	return collector__drain(collector);
}

/*
 * A lost FORK leaves a child no record will ever name (unless it maps or
 * exits): after a loss, read every process /proc lists that we do not know.
 * With @every, the known ones too: the kernel could not say which lost records.
 */
static void queue_processes(struct mw_collector *collector, bool every)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;

	if (!proc)
		return;
	while ((entry = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);

		if (*end || pid == 0 || pid > UINT32_MAX)
			continue;
		if (every || !tracker__has_process(collector->seeded.tracker, (uint32_t)pid))
			queue_rescan(collector, (uint32_t)pid);
	}
	closedir(proc);
}

int collector__refresh(struct mw_collector *collector)
{
	uint32_t dirty[DIRTY_BATCH];
	size_t dirty_count = 0;
	uint64_t lost = 0, dirty_full;
	size_t failed_count = 0, failed_capacity;
	uint32_t *failed;
	bool every;
	int err;

	err = collector__drain(collector);
	if (err)
		return err;
	if (kernel_tracer__lost_events(collector->kernel, &lost))
		lost = collector->events_lost;
	dirty_full = kernel_tracer__dirty_table_full(collector->kernel);
	every = dirty_full != collector->dirty_table_full;
	collector->dirty_table_full = dirty_full;
	if (every || lost != collector->events_lost) {
		/*
		 * A lost unlink or rename is marked dirty under the deleting process, not
		 * the mapping one: check every tracked file's links as well.
		 */
		collector->events_lost = lost;
		tracker__check_every_file(collector->seeded.tracker);
		answer_pending_checks(collector);
		queue_processes(collector, every);
	}
	do {
		err = kernel_tracer__take_dirty_pids(collector->kernel, dirty, DIRTY_BATCH,
						     &dirty_count);
		if (err)
			break;
		for (size_t i = 0; i < dirty_count; i++)
			queue_rescan(collector, dirty[i]);
	} while (dirty_count == DIRTY_BATCH);

	/* Rescans may queue more (a check whose mapping went); take the list first. */
	/* a walk that failed half way left a view that is no repair: read it again next time */
	failed_capacity = collector->rescan_count;
	failed = calloc(failed_capacity ? failed_capacity : 1, sizeof(*failed));
	while (collector->rescan_count) {
		uint32_t pid = collector->rescan_pids[--collector->rescan_count];

		if (rescan_process(collector, pid) < 0 && failed && failed_count < failed_capacity)
			failed[failed_count++] = pid;
	}
	for (size_t i = 0; i < failed_count; i++)
		queue_rescan(collector, failed[i]);
	free(failed);
	/* the checks whose mapping was wrong, through the views just read */
	if (collector->recheck_count) {
		for (size_t i = 0; i < collector->recheck_count; i++)
			(void)tracker__check_file(collector->seeded.tracker,
						  collector->rechecks[i].dev,
						  collector->rechecks[i].ino);
		collector->recheck_count = 0;
		answer_pending_checks(collector);
	}
	(void)audit(collector);
	(void)sample_processes(collector);
	process_cgroups__read_unknown(collector->seeded.tracker);
	tracker__sweep_unused_inodes(collector->seeded.tracker, clock__monotonic_ns());
	return 0;
}

/*
 * Kernel records carry basenames only. The first time an orphan is shown, its
 * full path is read the way /proc/PID/maps prints it and kept by the tracker.
 */
static void resolve_orphan_paths(struct mw_collector *collector, struct mw_snapshot *snapshot)
{
	for (size_t i = 0; i < snapshot->process_count; i++) {
		struct mw_process_report *process = &snapshot->processes[i];

		for (size_t j = 0; j < process->orphan_count; j++) {
			struct mw_orphan *orphan = &process->orphans[j];
			const struct mw_orphan_range *range = orphan->ranges;
			char path[PATH_MAX], *copy;
			struct stat status;

			/* a file past the cap of listed ranges waits until it is listed */
			if ((orphan->path && strchr(orphan->path, '/')) || !orphan->range_count)
				continue;
			/* a view the process has changed since: the next repair corrects it */
			if (proc_maps__stat_mapping((pid_t)process->pid, range->start, range->end,
						    &status) ||
			    !same_file(&status, orphan->dev, orphan->ino))
				continue;
			read_mapping_path(process->pid, range->start, range->end,
					  status.st_nlink == 0, path, sizeof(path));
			if (!path[0] || !(copy = strdup(path)))
				continue;
			(void)tracker__set_file_status(collector->seeded.tracker, orphan->st_dev,
						       orphan->ino, (uint32_t)status.st_nlink,
						       (uint64_t)status.st_size, path,
						       clock__monotonic_ns());
			free(orphan->path);
			orphan->path = copy;
		}
	}
}

int collector__snapshot(struct mw_collector *collector, struct mw_snapshot *out)
{
	int err;

	orphan_measure__run(collector->seeded.tracker, clock__monotonic_ns());
	err = tracker__snapshot(collector->seeded.tracker, clock__monotonic_ns(),
				clock__realtime_offset_seconds(), collector->seeded.max_map_count,
				out);

	if (err)
		return err;
	resolve_orphan_paths(collector, out);
	orphan_cache__fill(collector->cache, out, clock__monotonic_ns());
	out->source = "agent";
	out->has_agent_counters = true;
	memcpy(out->events_by_type, collector->events_by_type, sizeof(out->events_by_type));
	out->events_lost = collector->events_lost;
	out->events_malformed = collector->events_malformed;
	out->reconcile_corrections = collector->reconcile_corrections;
	out->kernel_table_full = kernel_tracer__inode_table_full(collector->kernel) +
				 collector->dirty_table_full + collector->inodes_refused;
	return 0;
}

size_t collector__process_count(struct mw_collector *collector)
{
	return tracker__pids(collector->seeded.tracker, NULL, 0);
}
