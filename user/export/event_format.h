/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One line per decoded kernel event, for `mapwatch trace` (text) and `trace --json`. */
#ifndef MAPWATCH_EXPORT_EVENT_FORMAT_H
#define MAPWATCH_EXPORT_EVENT_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "event.h"

/*
 * @realtime_offset: seconds to add to the event's CLOCK_MONOTONIC timestamp
 * to get the wall clock (CLOCK_REALTIME - CLOCK_MONOTONIC, sampled once).
 */

/*
 * "12:00:01.123456 mmap pid=42 comm=java addr=7f3fc1800000-7f3fc2200000 off=0
 * dev=fe:00 ino=9440471 size=10485760 nlink=1 name=... prot=rw- flags=shared
 * maps=812" in local time. Ranges end where /proc/PID/maps ends them, at the
 * page the kernel rounded the length up to. comm and names are escaped as
 * /proc escapes them (terminal_text__escape_field: \012, \040, \134; with
 * @utf8 false, every byte past ASCII too). A mapping of a file the kernel had
 * filed already comes without its name: the line has name_hash=, the hash of
 * its basename, instead of name=. The line is written with one call. Returns
 * 0 or -errno.
 */
int event_format__text(FILE *file, const union mw_event *event, double realtime_offset, bool utf8);

/*
 * The same as one compact JSON object and a newline; file mmaps have "name"
 * (null when the record carries none) and "name_hash" always. Returns 0 or -errno.
 */
int event_format__json(FILE *file, const union mw_event *event, double realtime_offset);

/* The JSON object alone (the caller json_decref()s it); NULL when out of memory. */
json_t *event_format__json_object(const union mw_event *event, double realtime_offset);

#endif
