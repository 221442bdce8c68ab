/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The detail view's small bar charts: a map count or an orphan count over time, as text. */
#ifndef MAPWATCH_TOP_CHART_H
#define MAPWATCH_TOP_CHART_H

#include <stdbool.h>
#include <stddef.h>

/*
 * @count values as bars @rows lines high and @width columns wide, one value a
 * column, the newest on the right (the oldest are cut when there are more
 * values than columns). A value at @low draws nothing, at @high a full bar.
 * Eighth blocks on a UTF-8 terminal, '#' and '.' otherwise. Fills @lines with
 * @rows malloc'ed strings, top line first; returns 0, or -ENOMEM with no line
 * left allocated (those filled are NULL again, so a caller frees all alike).
 */
int top_chart__draw(const double *values, size_t count, double low, double high, size_t rows,
		    size_t width, bool utf8, char **lines);

#endif
