/* SPDX-License-Identifier: GPL-2.0 */
/* The agent's orphans of one process against /proc's, mapping by mapping. */
#ifndef MAPWATCH_E2E_ORPHAN_MATCH_H
#define MAPWATCH_E2E_ORPHAN_MATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "vma.h"

struct orphan_key {
	uint64_t start;
	uint64_t end;
	uint64_t ino;
	const char *path; /* borrowed from the snapshot or the truth */
};

struct orphan_list {
	struct orphan_key *keys;
	size_t count;
};

/* The "orphans" of a snapshot process entry (NULL entry: none); fails the test on a bad field. */
void orphan_list__from_snapshot(json_t *entry, struct orphan_list *list);
void orphan_list__from_truth(const struct mw_vma *orphans, size_t count, struct orphan_list *list);
void orphan_list__free(struct orphan_list *list);

/*
 * Asserts both lists hold the same mappings: the same (start, end, inode)
 * set, and the same path for each. Logs every mapping found in only one.
 */
void orphan_list__expect_same(struct orphan_list *agent, struct orphan_list *truth);

#endif
