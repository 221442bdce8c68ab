// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void log_line__vprint_verbatim(const char *format, va_list args)
{
	bool utf8 = terminal_text__use_locale();
	char *text = NULL;

	if (vasprintf(&text, format, args) < 0) {
		fputs("mapwatch: out of memory\n", stderr);
		return;
	}
	/* each run between layout bytes escaped on its own, the layout kept */
	for (const char *run = text; *run;) {
		size_t length = strcspn(run, "\n\t");
		char *safe = terminal_text__escape(run, length, utf8);

		fputs(safe ? safe : "(out of memory)", stderr);
		free(safe);
		run += length;
		if (*run)
			fputc(*run++, stderr);
	}
	free(text);
}
