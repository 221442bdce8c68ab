/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Collecting, separate from drawing: the BPF tracer, the tracker, seeding
 * from /proc and the repairs (lost events, exec, pending checks). The agent
 * exports what it collects; top draws it.
 */
#ifndef MAPWATCH_AGENT_COLLECTOR_H
#define MAPWATCH_AGENT_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event_loop.h"
#include "options.h"
#include "snapshot.h"

struct mw_collector;

/*
 * Loads and attaches the BPF programs, then seeds from /proc (events first, so
 * nothing that happens during the scan is missed). On failure error holds a
 * line for the user.
 */
int collector__open(struct mw_collector **out, const struct mw_options *options, char *error,
		    size_t error_size);
void collector__destroy(struct mw_collector *collector);

/* Watches the ring buffer and drains it on a short timer as well. */
int collector__attach_to_loop(struct mw_collector *collector, struct mw_event_loop *loop);

/*
 * @hook runs after a drain in which mapped files were seen to lose their last
 * name (orphans appeared): the agent brings its next export forward.
 */
void collector__on_orphans(struct mw_collector *collector, void (*hook)(void *context),
			   void *context);

/* Drains events now, answers pending checks. */
int collector__drain(struct mw_collector *collector);
/* Readable when an urgent record waits: drain then (collector__attach_to_loop does). */
int collector__ring_buffer_fd(struct mw_collector *collector);
/* 0 when the kernel side's maps answer with the capabilities in effect now, else -errno. */
int collector__kernel_access(struct mw_collector *collector);
/* Whether the collector's view has the file {dev, ino} deleted now (a mapping of it orphaned). */
bool collector__file_deleted(struct mw_collector *collector, uint32_t dev, uint64_t ino);

/*
 * Once per interval: counts lost events and re-reads the processes they
 * touched, rescans processes after exec, takes the kernel's map counts.
 */
int collector__refresh(struct mw_collector *collector);

/*
 * Why the kernel's page cache reader did not load (a line for the user), or
 * NULL when it did: without it the page cache is measured with cachestat(2).
 */
const char *collector__page_cache_error(struct mw_collector *collector);

/* Processes followed now: after collector__open, those seeding found. */
size_t collector__process_count(struct mw_collector *collector);

/* The current view; out must be zeroed; the caller clears it. */
int collector__snapshot(struct mw_collector *collector, struct mw_snapshot *out);

#endif
