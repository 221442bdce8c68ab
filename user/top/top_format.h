/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Numbers as top's narrow columns show them. */
#ifndef MAPWATCH_TOP_FORMAT_H
#define MAPWATCH_TOP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "42s", "12m05s", "3h07m", "2d04h", "412d": at most 6 characters, whole seconds. */
void top_format__age(double seconds, char *out, size_t size);

/* @value in decimal, or "1.2M" style when the digits do not fit in @width. */
void top_format__count(uint64_t value, size_t width, char *out, size_t size);

#endif
