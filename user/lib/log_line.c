// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "log_line.h"
#include "terminal_text.h"

void log_line__print(const char *format, ...)
{
	char *text = NULL, *safe;
	va_list args;
	int length;

	va_start(args, format);
	length = vasprintf(&text, format, args);
	va_end(args);
	if (length < 0) {
		fputs("mapwatch: out of memory\n", stderr);
		return;
	}
	safe = terminal_text__escape(text, SIZE_MAX, terminal_text__use_locale());
	fprintf(stderr, "mapwatch: %s\n", safe ? safe : "out of memory");
	free(safe);
	free(text);
}
