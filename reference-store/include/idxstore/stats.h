/* SPDX-License-Identifier: MIT */
/* The store's ground truth: counts it knows about itself, reported by idxstore as JSON. */
#ifndef IDXSTORE_STATS_H
#define IDXSTORE_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct idxstore_stats {
	_Atomic uint64_t resizes; /* index size changes (trim, grow back on reopen) */
	/* new mappings made while an older mapping of the same, since resized, file was live */
	_Atomic uint64_t remaps;
	_Atomic uint64_t live_mappings; /* index mappings currently mapped */
	_Atomic uint64_t deleted_mappings_live; /* of those, mappings whose file is unlinked */
	_Atomic uint64_t lookups;
	_Atomic uint64_t lookup_misses; /* target no longer in the log (deleted meanwhile) */
	_Atomic uint64_t lookup_errors; /* errors or answers that break an index invariant */
	_Atomic uint64_t segments; /* segments in the logs now */
	_Atomic uint64_t rolls;
	_Atomic uint64_t deletions; /* segments whose files were unlinked */
};

#endif
