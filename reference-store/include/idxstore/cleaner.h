/* SPDX-License-Identifier: MIT */
/*
 * The delayed cleaner of the remap policy: it plays the JVM garbage
 * collector that eventually unmaps a MappedByteBuffer nobody references.
 * A retired mapping is unmapped once its delay is over AND its grace period
 * has passed (no reader can still be searching it). With delay "never" the
 * mapping lives until the cleaner is stopped: the leak in its pure form.
 */
#ifndef IDXSTORE_CLEANER_H
#define IDXSTORE_CLEANER_H

#include <stddef.h>

#include "idxstore/grace.h"
#include "idxstore/mapped_file.h"

#define CLEANER_NEVER (-1.0)

struct cleaner;

/* @delay_seconds >= 0, or CLEANER_NEVER. Starts the cleaner thread. */
int cleaner__start(struct cleaner **out, struct grace_domain *grace, double delay_seconds);
/* Unmaps everything still pending and joins the thread. */
void cleaner__stop(struct cleaner *cleaner);

/*
 * Takes over a mapping already unpublished by the caller: holds a reference
 * on @file, and frees @metadata (may be NULL) after unmapping.
 */
int cleaner__retire(struct cleaner *cleaner, struct mapped_file *file, void *addr, size_t length,
		    void *metadata);

size_t cleaner__pending(struct cleaner *cleaner);

#endif
