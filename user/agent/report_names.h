/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The comm and cgroup of the processes a one-shot report shows, read after
 * the walk: a scan of a thousand processes otherwise opens and reads two
 * more files for each, most of which no output names.
 */
#ifndef MAPWATCH_AGENT_REPORT_NAMES_H
#define MAPWATCH_AGENT_REPORT_NAMES_H

#include <stddef.h>
#include "snapshot.h"

/*
 * Names every report any output may show: those with an orphaned, resize-
 * remapped or stale mapping (JSON, text), the first @first in snapshot
 * order (the textfile's --top), and the @nearest with the most mappings
 * (the text report's list). A process gone meanwhile keeps an empty comm and no cgroup.
 * Returns 0 or -ENOMEM.
 */
int report_names__fill(struct mw_snapshot *snapshot, size_t first, size_t nearest);

#endif
