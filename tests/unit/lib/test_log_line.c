// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every stderr line: mapwatch's own with its prefix, libbpf's as laid out; both escaped. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "log_line.h"

static void print_verbatim(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	log_line__vprint_verbatim(format, args);
	va_end(args);
}

static void use_c_locale(void)
{
	/* the escapes below are those of a terminal that is not UTF-8 */
	setenv("LC_ALL", "C", 1);
	cr_redirect_stderr();
}

Test(log_line, a_line_is_prefixed_escaped_and_ended, .init = use_c_locale)
{
	log_line__print("cannot write %s %s: %s", "textfile", "/tmp/a\nmapwatch: forged\x1b[2J",
			"No space left on device");
	fflush(stderr);
	cr_assert_stderr_eq_str("mapwatch: cannot write textfile "
				"/tmp/a\\012mapwatch: forged\\033[2J: No space left on device\n");
}

Test(log_line, verbatim_text_keeps_its_layout_and_escapes_the_rest, .init = use_c_locale)
{
	print_verbatim("libbpf: %s", "prog 'x': load failed\n");
	print_verbatim("-- BEGIN --\n; if (x)\t@ a.c:1\n0: R1=ctx%s", "\x1b]0;title\x07\n");
	print_verbatim("%s", "no newline yet");
	print_verbatim("%s", ", then one\n");
	fflush(stderr);
	cr_assert_stderr_eq_str("libbpf: prog 'x': load failed\n"
				"-- BEGIN --\n; if (x)\t@ a.c:1\n0: R1=ctx\\033]0;title\\007\n"
				"no newline yet, then one\n");
}
