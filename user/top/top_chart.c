// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "top_chart.h"

#define STEPS 8 /* eighths of a line */

/* U+2581 LOWER ONE EIGHTH BLOCK to U+2588 FULL BLOCK, three bytes each in UTF-8. */
static const char *const blocks[STEPS + 1] = {
	" ",
	"\xe2\x96\x81",
	"\xe2\x96\x82",
	"\xe2\x96\x83",
	"\xe2\x96\x84",
	"\xe2\x96\x85",
	"\xe2\x96\x86",
	"\xe2\x96\x87",
	"\xe2\x96\x88",
};

static const char *glyph(size_t eighths, bool utf8)
{
	if (utf8)
		return blocks[eighths];
	return eighths == STEPS ? "#" : eighths ? "." : " ";
}

static size_t height_in_eighths(double value, double low, double high, size_t rows)
{
	double fraction = high > low ? (value - low) / (high - low) : 0;

	if (!(fraction > 0))
		return 0;
	if (fraction > 1)
		fraction = 1;
	return (size_t)lround(fraction * (double)(rows * STEPS));
}

int top_chart__draw(const double *values, size_t count, double low, double high, size_t rows,
		    size_t width, bool utf8, char **lines)
{
	size_t first = count > width ? count - width : 0;
	size_t blank = count > width ? 0 : width - count;

	for (size_t row = 0; row < rows; row++) {
		size_t base = (rows - 1 - row) * STEPS, used = 0;
		char *line = malloc(width * 3 + 1);

		if (!line) {
			for (size_t i = 0; i < row; i++) {
				free(lines[i]);
				lines[i] = NULL;
			}
			return -ENOMEM;
		}
		memset(line, ' ', blank);
		used = blank;
		for (size_t i = first; i < count; i++) {
			size_t eighths = height_in_eighths(values[i], low, high, rows);
			size_t cell = eighths > base ? eighths - base : 0;
			const char *text = glyph(cell > STEPS ? STEPS : cell, utf8);
			size_t length = strlen(text);

			memcpy(line + used, text, length);
			used += length;
		}
		line[used] = '\0';
		lines[row] = line;
	}
	return 0;
}
