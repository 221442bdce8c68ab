/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A line on standard error: an error, or one of the agent's few notices
 * (started, an output failing, working again). Such lines quote paths and
 * names as given or as found, so they are escaped the way every
 * human-readable output is (terminal_text.h): a file name cannot clear root's
 * terminal or forge a second line in a log.
 */
#ifndef MAPWATCH_LIB_LOG_LINE_H
#define MAPWATCH_LIB_LOG_LINE_H

/* "mapwatch: " and the formatted text, escaped, and a newline. */
__attribute__((format(printf, 1, 2))) void log_line__print(const char *format, ...);

#endif
