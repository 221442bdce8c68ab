/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * comm and path names are bytes, not text: JSON and the Prometheus format
 * both demand UTF-8. Invalid bytes become U+FFFD so one odd file name cannot
 * make a whole snapshot or scrape unreadable.
 */
#ifndef MAPWATCH_LIB_UTF8_TEXT_H
#define MAPWATCH_LIB_UTF8_TEXT_H

#include <stddef.h>

/*
 * A malloc'ed, NUL-terminated, valid UTF-8 copy of the first @max_length
 * bytes of @bytes (less if a NUL comes first). NULL when out of memory.
 */
char *utf8_text__sanitize(const char *bytes, size_t max_length);

#endif
