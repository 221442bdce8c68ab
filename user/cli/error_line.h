/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one line mapwatch prints on standard error for an error. Such lines
 * quote paths and names as given or as found, so they are escaped the way
 * every human-readable output is (terminal_text.h): a file name cannot clear
 * root's terminal or forge a second line.
 */
#ifndef MAPWATCH_CLI_ERROR_LINE_H
#define MAPWATCH_CLI_ERROR_LINE_H

/* "mapwatch: " and the formatted text, escaped, and a newline. */
__attribute__((format(printf, 1, 2))) void error_line__print(const char *format, ...);

#endif
