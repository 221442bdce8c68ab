/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A line on standard error: an error, or one of the agent's few notices
 * (started, an output failing, working again). Such lines quote paths and
 * names as given or as found, so they are escaped the way every
 * human-readable output is (terminal_text.h): a file name cannot clear root's
 * terminal or forge a second line in a log. Everything mapwatch writes to
 * standard error goes through here, but for its usage text.
 */
#ifndef MAPWATCH_LIB_LOG_LINE_H
#define MAPWATCH_LIB_LOG_LINE_H

#include <stdarg.h>

/* "mapwatch: " and the formatted text, escaped, and a newline. */
__attribute__((format(printf, 1, 2))) void log_line__print(const char *format, ...);

/*
 * Text that is laid out in lines already and names its source itself:
 * libbpf's messages and the verifier's log (-vv). Written as formatted,
 * with no prefix and no newline added; newlines and tabs stay, every other
 * byte is escaped as above.
 */
__attribute__((format(printf, 1, 0))) void log_line__vprint_verbatim(const char *format,
								     va_list args);

#endif
