// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "cgroup_path.h"
#include "clock.h"
#include "proc_seed.h"

static int seed_vma(const struct mw_vma *vma, void *context)
{
	return tracker__seed_vma(context, vma);
}

int proc_seed__process(struct mw_tracker *tracker, uint32_t pid, const char *comm,
		       uint64_t scan_started_ns, bool keep_empty)
{
	struct mw_proc_maps_stats stats = { 0 };
	struct mw_tracker_seed seed;
	int err;

	err = tracker__seed_begin(tracker, &seed, pid, comm, scan_started_ns);
	if (!err)
		err = proc_maps__for_each((pid_t)pid, MW_PROC_MAPS_FILES_ONLY, seed_vma, &seed,
					  &stats);
	seed.scan_ended_ns = clock__monotonic_ns();
	if (!err && (stats.map_count || keep_empty))
		return tracker__seed_end(&seed, stats.map_count);
	tracker__seed_abandon(&seed);
	return err == -ENOENT ? -ESRCH : err;
}

struct seed_context {
	struct mw_tracker *tracker;
	const struct mw_process_filter *filter;
	uint64_t scan_started_ns;
	struct mw_tracker_seed seed;
	char cgroup[PATH_MAX];
	int cgroup_err; /* 0: cgroup holds it; -ENOENT: the file has no v2 line */
	bool names_later;
};

static int begin_process(const struct mw_proc_process *process, void *context)
{
	struct seed_context *seeding = context;
	int err;

	/* a process --pid or --comm leaves out costs no read of its cgroup */
	if (!process_filter__may_match(seeding->filter, (uint32_t)process->pid, process->comm))
		return 0;
	/* read for every process kept: what it is attributed to, and what --cgroup decides on */
	seeding->cgroup_err = seeding->names_later
				      ? -EAGAIN
				      : cgroup_path__of_process(process->pid, seeding->cgroup,
								sizeof(seeding->cgroup));
	if (!process_filter__matches(seeding->filter, (uint32_t)process->pid, process->comm,
				     seeding->cgroup_err ? NULL : seeding->cgroup))
		return 0;
	/* this process's own read: a record before it is in what is read */
	err = tracker__seed_begin(seeding->tracker, &seeding->seed, (uint32_t)process->pid,
				  process->comm, clock__monotonic_ns());
	return err ? err : 1;
}

static int hand_vma(const struct mw_vma *vma, void *context)
{
	struct seed_context *seeding = context;

	return tracker__seed_vma(&seeding->seed, vma);
}

static int end_process(const struct mw_proc_process *process, void *context)
{
	struct seed_context *seeding = context;
	int err;

	seeding->seed.scan_ended_ns = clock__monotonic_ns();
	err = tracker__seed_end(&seeding->seed, process->stats.map_count);

	if (err >= 0)
		err = tracker__learn_cgroup(seeding->tracker, (uint32_t)process->pid,
					    seeding->cgroup_err, seeding->cgroup);
	return err < 0 ? err : 0;
}

static void abandon_process(const struct mw_proc_process *process, void *context)
{
	struct seed_context *seeding = context;

	(void)process;
	tracker__seed_abandon(&seeding->seed);
}

/* On a worker thread, before a read: the filter alone, which nothing changes during the scan. */
static bool may_begin(pid_t pid, const char *comm, void *context)
{
	const struct seed_context *seeding = context;

	return process_filter__may_match(seeding->filter, (uint32_t)pid, comm);
}

/* A file this scan already stated through another process: the tracker holds it. */
static bool known_file(void *context, uint32_t dev, uint64_t ino, struct mw_file_status *status)
{
	struct seed_context *seeding = context;
	struct mw_seeded_file file;

	if (!tracker__seeded_file(seeding->tracker, dev, ino, seeding->scan_started_ns, &file))
		return false;
	*status = (struct mw_file_status){
		.dev = dev,
		.mode = S_IFREG,
		.nlink = file.nlink,
		.size = (off_t)file.size,
		.blocks = (blkcnt_t)(file.disk_bytes / 512),
	};
	return true;
}

int proc_seed__all(struct mw_tracker *tracker, const struct mw_process_filter *filter,
		   bool names_later, uint64_t scan_started_ns, struct mw_proc_scan_stats *stats)
{
	const struct mw_proc_scan_handlers handlers = {
		.begin = begin_process,
		.vma = hand_vma,
		.end = end_process,
		.abandon = abandon_process,
		/* a tracker that keeps only what it reports leaves files to the walk's cache */
		.known_file = tracker__keeps_every_file(tracker) ? known_file : NULL,
		.comm_later = names_later,
		/* the tracker's files are not asked for, so workers can read ahead */
		.read_ahead = !tracker__keeps_every_file(tracker),
		.may_begin = may_begin,
	};
	/* on the heap: it holds a PATH_MAX cgroup */
	struct seed_context *seeding = calloc(1, sizeof(*seeding));
	int err;

	if (!seeding)
		return -ENOMEM;
	seeding->tracker = tracker;
	seeding->filter = filter;
	seeding->scan_started_ns = scan_started_ns;
	seeding->names_later = names_later;
	err = proc_scan__each(MW_PROC_MAPS_FILES_ONLY, &handlers, seeding, stats);
	free(seeding);
	return err;
}
