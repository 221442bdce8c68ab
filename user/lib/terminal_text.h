/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * comm and paths are bytes anyone can choose: printed raw, an escape byte in a
 * file name would move the cursor or recolour root's terminal, a newline would
 * forge a line. Every name a person reads (top's cells, scan's table, trace's
 * lines, error lines) goes through terminal_text__escape, which spells control
 * bytes the way /proc does (\012 for a newline); top also measures it here in
 * terminal columns.
 */
#ifndef MAPWATCH_LIB_TERMINAL_TEXT_H
#define MAPWATCH_LIB_TERMINAL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Takes the character set from the environment (LC_ALL, LC_CTYPE, LANG) and
 * says whether the terminal shows UTF-8.
 */
bool terminal_text__use_locale(void);

/*
 * A malloc'ed copy of the first @max_length bytes of @bytes (less if a NUL
 * comes first) that is safe to draw: C0 controls, DEL and C1 controls become
 * \ooo per byte. With @utf8 (the terminal's locale is UTF-8) printable
 * characters stay as they are and bytes that are not valid UTF-8 are escaped
 * too; without it every byte above 0x7e is. NULL when out of memory.
 */
char *terminal_text__escape(const char *bytes, size_t max_length, bool utf8);

/*
 * The same, with space and backslash spelled \040 and \134 as well (as
 * /proc/mounts does): for a name inside a line of space-separated fields.
 */
char *terminal_text__escape_field(const char *bytes, size_t max_length, bool utf8);

/* Terminal columns taken by @text, which came from terminal_text__escape. */
size_t terminal_text__width(const char *text, bool utf8);

/*
 * The longest start of @text that fits in @columns: its length in bytes; its
 * width in *@width_out.
 */
size_t terminal_text__fit(const char *text, size_t columns, bool utf8, size_t *width_out);

/* Where the shortest end of @text starts that still fills at most @columns. */
size_t terminal_text__tail(const char *text, size_t columns, bool utf8);

#endif
