// SPDX-License-Identifier: MIT
#include <unistd.h>

#include "idxstore/report.h"

json_t *store__report(struct store *store)
{
	const struct store_options *options = store__options(store);
	struct idxstore_stats *stats = store__stats(store);

	return json_pack(
		"{s:i, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"pid", (int)getpid(), "policy", resize_policy__name(options->policy), "dir",
		options->dir, "partitions", (int)options->partitions, "resizes",
		(json_int_t)atomic_load(&stats->resizes), "remaps",
		(json_int_t)atomic_load(&stats->remaps), "mappings_awaiting_collection",
		(json_int_t)store__mappings_awaiting_collection(store), "live_mappings",
		(json_int_t)atomic_load(&stats->live_mappings), "deleted_mappings_live",
		(json_int_t)atomic_load(&stats->deleted_mappings_live), "lookups",
		(json_int_t)atomic_load(&stats->lookups), "lookup_misses",
		(json_int_t)atomic_load(&stats->lookup_misses), "lookup_errors",
		(json_int_t)atomic_load(&stats->lookup_errors), "segments",
		(json_int_t)atomic_load(&stats->segments), "rolls",
		(json_int_t)atomic_load(&stats->rolls), "deletions",
		(json_int_t)atomic_load(&stats->deletions));
}
