/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The disk space orphaned files hold: kernel records give a file's size but
 * not its blocks, so each orphaned file is stat'ed once through
 * /proc/PID/map_files, and again only after its size changed.
 */
#ifndef MAPWATCH_AGENT_ORPHAN_MEASURE_H
#define MAPWATCH_AGENT_ORPHAN_MEASURE_H

#include "tracker.h"

/* Measures the orphaned files the tracker has not; their full paths come with it. */
void orphan_measure__run(struct mw_tracker *tracker, uint64_t now_ns);

#endif
