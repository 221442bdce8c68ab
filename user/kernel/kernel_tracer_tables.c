// SPDX-License-Identifier: GPL-2.0
/* Userspace's side of the maps the programs share: counters, queries, inode filing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_query.h"
#include "kernel_tracer_internal.h"
#include "mapwatch.skel.h"
#include "mapwatch_name_slots.h"

int kernel_tracer__lost_events(struct mw_kernel_tracer *tracer, uint64_t *lost)
{
	int cpus = libbpf_num_possible_cpus();
	uint32_t zero = 0;
	uint64_t *per_cpu;
	int err = 0;

	if (cpus <= 0)
		return cpus ? cpus : -EINVAL;
	per_cpu = calloc(cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(tracer->skeleton->maps.lost_events), &zero, per_cpu)) {
		err = -errno;
		goto cleanup;
	}
	*lost = 0;
	for (int cpu = 0; cpu < cpus; cpu++)
		*lost += per_cpu[cpu];
cleanup:
	free(per_cpu);
	return err;
}

uint64_t kernel_tracer__inode_table_full(struct mw_kernel_tracer *tracer)
{
	/* .bss is mmap()ed: the programs' atomic adds are visible here */
	return __atomic_load_n(&tracer->skeleton->bss->inode_table_full, __ATOMIC_RELAXED);
}

uint64_t kernel_tracer__dirty_table_full(struct mw_kernel_tracer *tracer)
{
	return __atomic_load_n(&tracer->skeleton->bss->dirty_table_full, __ATOMIC_RELAXED);
}

int kernel_tracer__take_dirty_pids(struct mw_kernel_tracer *tracer, uint32_t *pids, size_t max,
				   size_t *count)
{
	int fd = bpf_map__fd(tracer->skeleton->maps.dirty_tgids);
	uint32_t key, next;
	uint32_t *previous = NULL;
	size_t taken = 0;

	/* collect first, delete after: deleting while walking restarts the walk */
	while (taken < max && bpf_map_get_next_key(fd, previous, &next) == 0) {
		pids[taken++] = next;
		key = next;
		previous = &key;
	}
	for (size_t i = 0; i < taken; i++) {
		if (bpf_map_delete_elem(fd, &pids[i]) && errno != ENOENT)
			return -errno;
	}
	*count = taken;
	return 0;
}

/* The caller's pids and samples, asked about a batch at a time. */
struct process_request {
	struct mw_process_query *query;
	const uint32_t *pids;
	struct mw_process_sample *samples;
};

static void ask_processes(void *context, size_t first, size_t count)
{
	struct process_request *request = context;

	memcpy(request->query->pids, request->pids + first, count * sizeof(*request->pids));
	request->query->count = (uint32_t)count;
}

static void answer_processes(void *context, size_t first, size_t count)
{
	struct process_request *request = context;

	memcpy(request->samples + first, request->query->samples,
	       count * sizeof(*request->samples));
}

int kernel_tracer__read_processes(struct mw_kernel_tracer *tracer, const uint32_t *pids,
				  size_t count, struct mw_process_sample *samples)
{
	struct process_request request = { &tracer->skeleton->bss->process_query, pids, samples };

	return kernel_query__run(bpf_program__fd(tracer->skeleton->progs.read_processes), count,
				 MW_PROCESS_QUERY_MAX, ask_processes, answer_processes, &request);
}

int kernel_tracer__audit_inodes(struct mw_kernel_tracer *tracer, struct mw_inode_audit *result)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);

	if (bpf_prog_test_run_opts(bpf_program__fd(tracer->skeleton->progs.audit_inodes), &run))
		return -errno;
	if (result)
		*result = tracer->skeleton->bss->inode_audit;
	return 0;
}

/*
 * name_slots as mapwatch_name_slots.h reaches it from here, through the
 * tracer (the programs' side: bpf/mapwatch.bpf.c).
 */
static int name_slots_fd(void *slots)
{
	struct mw_kernel_tracer *tracer = slots;

	return bpf_map__fd(tracer->skeleton->maps.name_slots);
}

static long name_slot_insert(void *slots, const struct mw_name_slot_key *key,
			     const struct mw_inode_key *inode)
{
	return bpf_map_update_elem(name_slots_fd(slots), key, inode, BPF_NOEXIST);
}

static bool name_slot_holds(void *slots, const struct mw_name_slot_key *key,
			    const struct mw_inode_key *inode)
{
	struct mw_inode_key holder;

	return bpf_map_lookup_elem(name_slots_fd(slots), key, &holder) == 0 &&
	       mw_inode_key_equal(&holder, inode);
}

static long name_slot_remove(void *slots, const struct mw_name_slot_key *key)
{
	return bpf_map_delete_elem(name_slots_fd(slots), key);
}

static struct mw_name_slot_access name_slots(struct mw_kernel_tracer *tracer)
{
	return (struct mw_name_slot_access){
		.counts = tracer->skeleton->bss->name_counts,
		.slots = tracer,
		.insert = name_slot_insert,
		.holds = name_slot_holds,
		.remove = name_slot_remove,
	};
}

/* No name, no slot: the kernel files only names it could read, never hash 0. */
static uint32_t claim_name_slot(struct mw_kernel_tracer *tracer, uint64_t name_hash,
				const struct mw_inode_key *key)
{
	struct mw_name_slot_access access = name_slots(tracer);

	return name_hash ? mw_name_slot_claim(&access, name_hash, key) : MW_NAME_SLOTS;
}

static void release_name_slot(struct mw_kernel_tracer *tracer, uint64_t name_hash, uint32_t slot,
			      const struct mw_inode_key *key)
{
	struct mw_name_slot_access access = name_slots(tracer);

	mw_name_slot_release(&access, name_hash, slot, key);
}

int kernel_tracer__watch_inode(struct mw_kernel_tracer *tracer, const struct mw_file_id *file,
			       uint64_t name_hash)
{
	int inodes_fd = bpf_map__fd(tracer->skeleton->maps.tracked_inodes);
	struct mw_inode_key key = { .ino = file->ino, .dev = file->dev };
	struct mw_tracked_inode tracked;
	int err;

	if (bpf_map_lookup_elem(inodes_fd, &key, &tracked) == 0) {
		/*
		 * An entry the kernel knows the address of follows renames by
		 * itself (d_move renames the dentry it holds), and is newer than
		 * any name userspace has: a record drained late would move it back.
		 */
		if (tracked.inode || !name_hash || tracked.name_hash == name_hash ||
		    (tracked.flags & MW_TRACKED_DELETED))
			return 0;
		/* seeded, address unknown: renamed where the kernel could not see it */
		release_name_slot(tracer, tracked.name_hash, tracked.slot, &key);
		tracked.name_hash = name_hash;
		tracked.slot = (uint16_t)claim_name_slot(tracer, name_hash, &key);
		if (bpf_map_update_elem(inodes_fd, &key, &tracked, BPF_EXIST))
			release_name_slot(tracer, tracked.name_hash, tracked.slot, &key);
		return 0;
	}
	tracked = (struct mw_tracked_inode){
		.inode = file->inode,
		.generation = file->inode ? file->generation : 0,
		.name_hash = name_hash,
	};
	tracked.slot = (uint16_t)claim_name_slot(tracer, name_hash, &key);
	if (bpf_map_update_elem(inodes_fd, &key, &tracked, BPF_NOEXIST) == 0)
		return 1;
	/* EEXIST: the kernel saw it mapped meanwhile and filed it itself */
	err = errno == EEXIST ? 0 : -errno;
	release_name_slot(tracer, tracked.name_hash, tracked.slot, &key);
	return err;
}

int kernel_tracer__forget_inode(struct mw_kernel_tracer *tracer, const struct mw_file_id *file)
{
	int inodes_fd = bpf_map__fd(tracer->skeleton->maps.tracked_inodes);
	struct mw_inode_key key = { .ino = file->ino, .dev = file->dev };
	struct mw_tracked_inode tracked;

	if (bpf_map_lookup_elem(inodes_fd, &key, &tracked))
		return -errno;
	/*
	 * A new file with this inode number was mapped and filed by the kernel
	 * since: its record is on its way; the entry is its, not ours to drop.
	 */
	if (file->inode && tracked.inode &&
	    (tracked.inode != file->inode || tracked.generation != file->generation))
		return 1;
	release_name_slot(tracer, tracked.name_hash, tracked.slot, &key);
	if (bpf_map_delete_elem(bpf_map__fd(tracer->skeleton->maps.multilink_inodes), &key) == 0)
		__atomic_sub_fetch(&tracer->skeleton->bss->multilink_count, 1, __ATOMIC_SEQ_CST);
	if (bpf_map_delete_elem(inodes_fd, &key) && errno != ENOENT)
		return -errno;
	return 0;
}
