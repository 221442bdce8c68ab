/* SPDX-License-Identifier: MIT */
/*
 * The delayed collector of the remap policy: it plays the JVM garbage
 * collector that eventually unmaps a MappedByteBuffer nobody references.
 * A retired mapping is unmapped once its delay is over AND its grace period
 * has passed (no reader can still be searching it). With delay "never" the
 * mapping lives until the collector is stopped: the leak in its pure form.
 */
#ifndef IDXSTORE_COLLECTOR_H
#define IDXSTORE_COLLECTOR_H

#include <stddef.h>

#include "idxstore/grace.h"
#include "idxstore/mapped_file.h"

#define COLLECTOR_NEVER (-1.0)

struct collector;

/* @delay_seconds >= 0, or COLLECTOR_NEVER. Starts the collector thread. */
int collector__start(struct collector **out, struct grace_domain *grace, double delay_seconds);
/* Unmaps everything still pending and joins the thread. */
void collector__stop(struct collector *collector);

/*
 * Takes over a mapping already unpublished by the caller: holds a reference
 * on @file, and frees @metadata (may be NULL) after unmapping.
 */
int collector__retire(struct collector *collector, struct mapped_file *file, void *addr,
		      size_t length, void *metadata);

size_t collector__pending(struct collector *collector);

#endif
