// SPDX-License-Identifier: GPL-2.0
/* Userspace's side of the maps the programs share: counters, map counts, seeding. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_tracer_internal.h"
#include "mapwatch.skel.h"

/* Entries per bpf_map_lookup_batch() call; grown if one hash bucket holds more. */
#define MW_MAP_COUNT_BATCH 4096u

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

int kernel_tracer__read_map_counts(struct mw_kernel_tracer *tracer,
				   kernel_tracer_map_count_fn visit, void *context)
{
	int fd = bpf_map__fd(tracer->skeleton->maps.map_counts);
	uint32_t capacity = MW_MAP_COUNT_BATCH;
	struct mw_map_count *values = NULL;
	uint32_t *keys = NULL;
	uint32_t in_batch = 0, out_batch = 0;
	bool first = true, done = false;
	int err = 0;

	while (!done) {
		uint32_t count = capacity;

		if (!keys) {
			keys = calloc(capacity, sizeof(*keys));
			values = calloc(capacity, sizeof(*values));
			if (!keys || !values) {
				err = -ENOMEM;
				goto cleanup;
			}
		}
		err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys, values,
					   &count, NULL);
		if (err && errno == ENOSPC && count == 0) {
			/* one bucket holds more than capacity entries */
			free(keys);
			free(values);
			keys = NULL;
			values = NULL;
			capacity *= 2;
			continue;
		}
		if (err && errno != ENOENT) {
			err = -errno;
			goto cleanup;
		}
		done = err != 0; /* ENOENT: this was the last batch */
		err = 0;
		for (uint32_t i = 0; i < count; i++) {
			err = visit(context, keys[i], values[i].map_count, values[i].timestamp_ns);
			if (err)
				goto cleanup;
		}
		in_batch = out_batch;
		first = false;
	}
cleanup:
	free(keys);
	free(values);
	return err;
}

int kernel_tracer__watch_inode(struct mw_kernel_tracer *tracer, uint32_t dev, uint64_t ino,
			       uint64_t name_hash)
{
	int inodes_fd = bpf_map__fd(tracer->skeleton->maps.tracked_inodes);
	int slots_fd = bpf_map__fd(tracer->skeleton->maps.name_slots);
	struct mw_inode_key key = { .ino = ino, .dev = dev };
	struct mw_tracked_inode tracked = { .name_hash = name_hash, .slot = MW_NAME_SLOTS };
	struct mw_name_slot_key slot_key = { .name_hash = name_hash };
	int err;

	if (bpf_map_lookup_elem(inodes_fd, &key, &tracked) == 0)
		return 0;
	for (uint32_t slot = 0; slot < MW_NAME_SLOTS; slot++) {
		slot_key.slot = slot;
		if (bpf_map_update_elem(slots_fd, &slot_key, &key, BPF_NOEXIST) == 0) {
			tracked.slot = slot;
			break;
		}
	}
	if (bpf_map_update_elem(inodes_fd, &key, &tracked, BPF_NOEXIST) == 0)
		return 0;
	/* EEXIST: the kernel saw it mapped meanwhile and claimed its own slot */
	err = errno == EEXIST ? 0 : -errno;
	if (tracked.slot < MW_NAME_SLOTS)
		bpf_map_delete_elem(slots_fd, &slot_key);
	return err;
}

int kernel_tracer__forget_inode(struct mw_kernel_tracer *tracer, uint32_t dev, uint64_t ino)
{
	int inodes_fd = bpf_map__fd(tracer->skeleton->maps.tracked_inodes);
	int slots_fd = bpf_map__fd(tracer->skeleton->maps.name_slots);
	struct mw_inode_key key = { .ino = ino, .dev = dev };
	struct mw_tracked_inode tracked;
	struct mw_name_slot_key slot_key = {};
	struct mw_inode_key holder;

	if (bpf_map_lookup_elem(inodes_fd, &key, &tracked))
		return -errno;
	if (tracked.slot < MW_NAME_SLOTS) {
		slot_key.name_hash = tracked.name_hash;
		slot_key.slot = tracked.slot;
		if (bpf_map_lookup_elem(slots_fd, &slot_key, &holder) == 0 &&
		    !memcmp(&holder, &key, sizeof(key)))
			bpf_map_delete_elem(slots_fd, &slot_key);
	}
	bpf_map_delete_elem(bpf_map__fd(tracer->skeleton->maps.multilink_inodes), &key);
	if (bpf_map_delete_elem(inodes_fd, &key) && errno != ENOENT)
		return -errno;
	return 0;
}

int kernel_tracer__track_process(struct mw_kernel_tracer *tracer, uint32_t tgid)
{
	uint8_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(tracer->skeleton->maps.tracked_tgids), &tgid, &one,
				BPF_ANY))
		return -errno;
	return 0;
}

int kernel_tracer__track_all_processes(struct mw_kernel_tracer *tracer)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	int err = 0;

	if (!proc)
		return -errno;
	while ((entry = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(entry->d_name, &end, 10);

		if (*end || pid == 0 || pid > UINT32_MAX)
			continue;
		/* A full map only costs unmap reports until the process's first file mmap. */
		err = kernel_tracer__track_process(tracer, (uint32_t)pid);
		if (err && err != -E2BIG)
			break;
		err = 0;
	}
	closedir(proc);
	return err;
}
