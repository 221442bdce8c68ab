/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Mapped files the kernel's inode table (--max-inodes) had no room for. No
 * hook sees their deletion, so the collector checks them from /proc, a
 * bounded batch per interval, every one in turn, and files them in the
 * kernel once there is room again.
 */
#ifndef MAPWATCH_AGENT_UNFILED_INODES_H
#define MAPWATCH_AGENT_UNFILED_INODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mapwatch_events.h"

struct mw_unfiled_inodes;

/* NULL when out of memory. */
struct mw_unfiled_inodes *unfiled_inodes__create(void);
/* Safe on NULL. */
void unfiled_inodes__destroy(struct mw_unfiled_inodes *set);

/* Adds the file (by {dev, ino}) to try again under name_hash: 1 when new, 0 when known, -ENOMEM. */
int unfiled_inodes__add(struct mw_unfiled_inodes *set, const struct mw_file_id *file,
			uint64_t name_hash);
/* Drops {dev, ino}; nothing when it is not there. */
void unfiled_inodes__remove(struct mw_unfiled_inodes *set, uint32_t dev, uint64_t ino);
size_t unfiled_inodes__count(const struct mw_unfiled_inodes *set);

/* Returns true to drop the entry from the set (filed at last, or no longer mapped). */
typedef bool (*unfiled_inodes_visit_fn)(void *context, const struct mw_file_id *file,
					uint64_t name_hash);
/*
 * Calls visit for up to max entries, going on after the last one the
 * previous call visited, and once round the set at most. Returns how many
 * it visited.
 */
size_t unfiled_inodes__visit(struct mw_unfiled_inodes *set, size_t max,
			     unfiled_inodes_visit_fn visit, void *context);

#endif
