// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "orphan_match.h"

/*
 * Addresses are spelled as /proc/PID/maps spells them: lower-case hex, no 0x.
 * @index 0 is a range's start, 1 its end.
 */
static uint64_t parse_address(json_t *range, size_t index)
{
	const char *text = json_string_value(json_array_get(range, index));
	char *end;
	uint64_t value;

	cr_assert_not_null(text, "a range has no address at %zu", index);
	errno = 0;
	value = strtoull(text, &end, 16);
	cr_assert(text[0] && !*end && !errno, "range address \"%s\" is not hex", text);
	return value;
}

/* One key per orphaned mapping: each orphan is a file, its mappings its ranges. */
void orphan_list__from_snapshot(json_t *entry, struct orphan_list *list)
{
	json_t *orphans = entry ? json_object_get(entry, "orphans") : NULL, *orphan, *range;
	size_t index, i, total = 0;

	list->count = 0;
	list->keys = NULL;
	if (!entry)
		return;
	cr_assert(json_is_array(orphans), "a process entry has no \"orphans\" array");
	json_array_foreach(orphans, index, orphan)
		total += json_array_size(json_object_get(orphan, "ranges"));
	list->keys = calloc(total + 1, sizeof(*list->keys));
	cr_assert_not_null(list->keys);
	json_array_foreach(orphans, index, orphan)
	{
		cr_assert(json_is_integer(json_object_get(orphan, "ino")), "an orphan has no ino");
		cr_assert_not_null(json_string_value(json_object_get(orphan, "path")),
				   "an orphan has no path");
		json_array_foreach(json_object_get(orphan, "ranges"), i, range)
		{
			struct orphan_key *key = &list->keys[list->count++];

			key->start = parse_address(range, 0);
			key->end = parse_address(range, 1);
			key->ino = (uint64_t)json_integer_value(json_object_get(orphan, "ino"));
			key->path = json_string_value(json_object_get(orphan, "path"));
		}
	}
}

void orphan_list__from_truth(const struct mw_vma *orphans, size_t count, struct orphan_list *list)
{
	list->count = count;
	list->keys = calloc(count + 1, sizeof(*list->keys));
	cr_assert_not_null(list->keys);
	for (size_t i = 0; i < count; i++) {
		list->keys[i].start = orphans[i].start;
		list->keys[i].end = orphans[i].end;
		list->keys[i].ino = orphans[i].ino;
		list->keys[i].path = orphans[i].path;
	}
}

void orphan_list__free(struct orphan_list *list)
{
	free(list->keys);
	list->keys = NULL;
	list->count = 0;
}

static int compare_keys(const void *left, const void *right)
{
	const struct orphan_key *a = left, *b = right;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

static void log_key(const char *where, const struct orphan_key *key)
{
	cr_log_error("only in %s: %" PRIx64 "-%" PRIx64 " ino %" PRIu64 " %s", where, key->start,
		     key->end, key->ino, key->path);
}

void orphan_list__expect_same(struct orphan_list *agent, struct orphan_list *truth)
{
	size_t a = 0, t = 0, differences = 0, path_differences = 0;

	/* qsort must not be handed NULL, even for zero elements. */
	if (agent->count)
		qsort(agent->keys, agent->count, sizeof(*agent->keys), compare_keys);
	if (truth->count)
		qsort(truth->keys, truth->count, sizeof(*truth->keys), compare_keys);
	while (a < agent->count || t < truth->count) {
		int order = a == agent->count	? 1
			    : t == truth->count ? -1
						: compare_keys(&agent->keys[a], &truth->keys[t]);

		if (order < 0) {
			log_key("the agent", &agent->keys[a++]);
			differences++;
		} else if (order > 0) {
			log_key("/proc", &truth->keys[t++]);
			differences++;
		} else {
			if (strcmp(agent->keys[a].path, truth->keys[t].path)) {
				cr_log_error("%" PRIx64 ": agent path %s, /proc path %s",
					     agent->keys[a].start, agent->keys[a].path,
					     truth->keys[t].path);
				path_differences++;
			}
			a++;
			t++;
		}
	}
	cr_expect_eq(differences, 0,
		     "%zu orphaned mappings are on one side only (agent %zu, /proc %zu)",
		     differences, agent->count, truth->count);
	cr_expect_eq(path_differences, 0, "%zu orphan paths differ from /proc", path_differences);
}
