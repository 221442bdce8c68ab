// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names from the kernel reach the terminal escaped, and are measured in columns. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdlib.h>
#include "terminal_text.h"

static void expect_escaped(const char *bytes, size_t max_length, bool utf8, const char *expected)
{
	char *text = terminal_text__escape(bytes, max_length, utf8);

	cr_assert_not_null(text);
	cr_assert_str_eq(text, expected);
	free(text);
}

Test(terminal_text, control_bytes_are_spelled_as_proc_does)
{
	expect_escaped("a\nb", 16, false, "a\\012b");
	expect_escaped("\x1b[2J\r\t\x7f", 16, false, "\\033[2J\\015\\011\\177");
	expect_escaped("plain name-1.2_x", 16, false, "plain name-1.2_x");
	/* a comm fills its 16 bytes without a NUL: the length bounds it */
	expect_escaped("0123456789abcdefXYZ", 16, false, "0123456789abcdef");
	/* a backslash stays as it is, as in /proc/PID/maps */
	expect_escaped("a\\b", 16, false, "a\\b");
}

Test(terminal_text, without_utf8_every_high_byte_is_escaped)
{
	expect_escaped("caf\xc3\xa9", 16, false, "caf\\303\\251");
}

Test(terminal_text, utf8_keeps_characters_and_escapes_the_rest)
{
	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
	expect_escaped("caf\xc3\xa9", 16, true, "caf\xc3\xa9");
	/* U+009B is CSI to many terminals */
	expect_escaped("a\xc2\x9b"
		       "b",
		       16, true, "a\\302\\233b");
	/* not UTF-8: a lone continuation byte, a cut sequence, an overlong slash */
	expect_escaped("\x80x\xe6\x97", 16, true, "\\200x\\346\\227");
	expect_escaped("\xc0\xaf", 16, true, "\\300\\257");
	setlocale(LC_CTYPE, "C");
}

Test(terminal_text, width_fit_and_tail_count_columns)
{
	size_t width = 0;

	cr_assert_eq(terminal_text__width("abc", false), 3);
	cr_assert_eq(terminal_text__fit("abcdef", 4, false, &width), 4);
	cr_assert_eq(width, 4);
	cr_assert_eq(terminal_text__tail("abcdef", 2, false), 4);
	cr_assert_eq(terminal_text__tail("ab", 5, false), 0);
	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
	/* two wide characters: four columns, six bytes */
	cr_assert_eq(terminal_text__width("\xe6\x97\xa5\xe6\x9c\xac", true), 4);
	cr_assert_eq(terminal_text__fit("\xe6\x97\xa5\xe6\x9c\xac", 3, true, &width), 3);
	cr_assert_eq(width, 2, "a wide character never straddles the edge");
	cr_assert_eq(terminal_text__tail("x\xe6\x97\xa5", 2, true), 1);
	setlocale(LC_CTYPE, "C");
}
