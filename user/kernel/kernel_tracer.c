// SPDX-License-Identifier: GPL-2.0
/* open -> configure -> load -> attach, and the ring buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_tracer_internal.h"
#include "log_line.h"
#include "mapwatch.skel.h"

/*
 * libbpf's messages: the first warning of a failed open or load becomes part
 * of the error line; all of them go to stderr only when asked for (-vv).
 */
static __thread char first_libbpf_warning[256];
static bool libbpf_debug;

static int on_libbpf_message(enum libbpf_print_level level, const char *format, va_list args)
{
	va_list copy;
	size_t length;

	if (libbpf_debug) {
		va_copy(copy, args);
		log_line__vprint_verbatim(format, copy);
		va_end(copy);
	}
	if (level != LIBBPF_WARN || first_libbpf_warning[0])
		return 0;
	vsnprintf(first_libbpf_warning, sizeof(first_libbpf_warning), format, args);
	length = strlen(first_libbpf_warning);
	while (length && first_libbpf_warning[length - 1] == '\n')
		first_libbpf_warning[--length] = '\0';
	return 0;
}

static bool is_power_of_two(uint32_t value)
{
	return value && !(value & (value - 1));
}

static int validate_options(const struct mw_kernel_options *options, char *error, size_t error_size)
{
	long page_size = sysconf(_SC_PAGESIZE);

	if (options->pid_count > MW_FILTER_PIDS_MAX) {
		snprintf(error, error_size, "too many --pid filters: %zu, at most %d",
			 options->pid_count, MW_FILTER_PIDS_MAX);
		return -E2BIG;
	}
	if (options->comm_count > MW_FILTER_COMMS_MAX) {
		snprintf(error, error_size, "too many --comm filters: %zu, at most %d",
			 options->comm_count, MW_FILTER_COMMS_MAX);
		return -E2BIG;
	}
	if (options->cgroup_count > MW_FILTER_CGROUPS_MAX) {
		snprintf(error, error_size, "too many --cgroup filters: %zu, at most %d",
			 options->cgroup_count, MW_FILTER_CGROUPS_MAX);
		return -E2BIG;
	}
	if (options->ring_buffer_bytes && (!is_power_of_two(options->ring_buffer_bytes) ||
					   options->ring_buffer_bytes < (uint32_t)page_size)) {
		snprintf(error, error_size,
			 "ring buffer size %u: must be a power of two of at least %ld bytes",
			 options->ring_buffer_bytes, page_size);
		return -EINVAL;
	}
	return 0;
}

/* A size the caller chose, else the map keeps the one mapwatch.bpf.c declares. */
static int set_max_entries(struct bpf_map *map, uint32_t entries)
{
	return entries ? bpf_map__set_max_entries(map, entries) : 0;
}

/* Everything that must be set between open and load. */
static int configure(struct mapwatch *skeleton, const struct mw_kernel_options *options,
		     const struct mw_kernel_facts *facts)
{
	uint32_t ring_bytes;
	int err;

	err = set_max_entries(skeleton->maps.events, options->ring_buffer_bytes);
	if (!err)
		err = set_max_entries(skeleton->maps.tracked_inodes, options->inode_entries);
	if (!err)
		err = set_max_entries(skeleton->maps.name_slots, options->inode_entries);
	if (!err)
		err = set_max_entries(skeleton->maps.dirty_tgids, options->dirty_process_entries);
	if (err)
		return err;
	ring_bytes = bpf_map__max_entries(skeleton->maps.events);

	skeleton->rodata->filter_pids_enabled = options->pid_count > 0;
	skeleton->rodata->filter_comms_count = options->comm_count;
	skeleton->rodata->filter_cgroups_count = options->cgroup_count;
	for (size_t i = 0; i < options->comm_count; i++) {
		/* the kernel keeps 15 characters of a comm */
		strncpy((char *)skeleton->rodata->filter_comms[i], options->comms[i],
			MW_COMM_LEN - 1);
	}
	skeleton->rodata->exit_has_group_dead = facts->exit_has_group_dead;
	/* a sixteenth of the ring: drained long before it fills, without a wakeup per record */
	skeleton->rodata->wakeup_shift = (uint32_t)__builtin_ctz(ring_bytes) - 4;
	return 0;
}

/* Between load and attach, so no event of another process slips through. */
static int fill_filters(struct mapwatch *skeleton, const struct mw_kernel_options *options,
			char *error, size_t error_size)
{
	int fd = bpf_map__fd(skeleton->maps.filter_pids);
	uint8_t one = 1;

	for (size_t i = 0; i < options->pid_count; i++) {
		if (bpf_map_update_elem(fd, &options->pids[i], &one, BPF_ANY))
			return -errno;
	}
	fd = bpf_map__fd(skeleton->maps.filter_cgroups);
	for (uint32_t i = 0; i < options->cgroup_count; i++) {
		const char *directory = options->cgroup_directories[i];
		int cgroup = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int err = cgroup < 0 || bpf_map_update_elem(fd, &i, &cgroup, BPF_ANY) ? -errno : 0;

		if (cgroup >= 0)
			close(cgroup);
		if (err) {
			snprintf(error, error_size, "--cgroup %s: %s (not a cgroup v2 directory?)",
				 directory, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int on_ring_buffer_record(void *context, void *data, size_t size)
{
	struct mw_kernel_tracer *tracer = context;

	if (size < sizeof(struct mw_event_header))
		return 0; /* not one of ours: skip rather than stop the stream */
	return tracer->consume(tracer->consume_context, data, size);
}

static void describe_failure(char *error, size_t error_size, const char *step, int err)
{
	if (first_libbpf_warning[0])
		snprintf(error, error_size, "%s BPF programs failed: %s (%s)", step, strerror(-err),
			 first_libbpf_warning);
	else
		snprintf(error, error_size, "%s BPF programs failed: %s", step, strerror(-err));
}

int kernel_tracer__open(struct mw_kernel_tracer **out, const struct mw_kernel_options *options,
			char *error, size_t error_size)
{
	static const struct mw_kernel_options no_options;
	struct mw_kernel_tracer *tracer = NULL;
	struct mw_kernel_facts facts = { 0 };
	const char *step = "opening";
	int err;

	*out = NULL;
	if (error_size)
		error[0] = '\0';
	if (!options)
		options = &no_options;
	err = validate_options(options, error, error_size);
	if (err)
		return err;
	/* before the pre-flight, whose BTF parse may warn too */
	libbpf_debug = options->libbpf_debug;
	first_libbpf_warning[0] = '\0';
	libbpf_set_print(on_libbpf_message);
	err = kernel_preflight__check(error, error_size, &facts);
	if (err)
		return err;
	first_libbpf_warning[0] = '\0';

	tracer = calloc(1, sizeof(*tracer));
	if (!tracer) {
		err = -ENOMEM;
		goto cleanup;
	}
	tracer->skeleton = mapwatch__open();
	if (!tracer->skeleton) {
		err = -errno;
		goto cleanup;
	}
	step = "configuring";
	err = configure(tracer->skeleton, options, &facts);
	if (err)
		goto cleanup;
	step = "loading";
	err = mapwatch__load(tracer->skeleton);
	if (err)
		goto cleanup;
	step = "configuring";
	err = fill_filters(tracer->skeleton, options, error, error_size);
	if (err)
		goto cleanup;
	step = "opening the ring buffer of";
	tracer->ring_buffer = ring_buffer__new(bpf_map__fd(tracer->skeleton->maps.events),
					       on_ring_buffer_record, tracer, NULL);
	if (!tracer->ring_buffer) {
		err = -errno;
		goto cleanup;
	}
	step = "attaching";
	err = mapwatch__attach(tracer->skeleton);
	if (err)
		goto cleanup;
	*out = tracer;
	return 0;

cleanup:
	if (err > 0)
		err = -err;
	if (!err)
		err = -EINVAL;
	/* a step that said more than its errno keeps its own line */
	if (!error_size || !error[0])
		describe_failure(error, error_size, step, err);
	kernel_tracer__destroy(tracer);
	return err;
}

void kernel_tracer__destroy(struct mw_kernel_tracer *tracer)
{
	if (!tracer)
		return;
	ring_buffer__free(tracer->ring_buffer);
	mapwatch__destroy(tracer->skeleton);
	free(tracer);
}

int kernel_tracer__ring_buffer_fd(struct mw_kernel_tracer *tracer)
{
	return ring_buffer__epoll_fd(tracer->ring_buffer);
}

int kernel_tracer__drain(struct mw_kernel_tracer *tracer, kernel_tracer_record_fn consume,
			 void *context)
{
	int result;

	tracer->consume = consume;
	tracer->consume_context = context;
	result = ring_buffer__consume(tracer->ring_buffer);
	tracer->consume = NULL;
	tracer->consume_context = NULL;
	return result;
}

uint64_t kernel_tracer__name_hash(const char *basename)
{
	return mw_name_hash(basename);
}
