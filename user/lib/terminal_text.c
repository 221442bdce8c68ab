// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "terminal_text.h"

bool terminal_text__use_locale(void)
{
	/* the character set only: numbers keep their '.', as --interval spells them */
	if (!setlocale(LC_CTYPE, ""))
		return false;
	return !strcmp(nl_langinfo(CODESET), "UTF-8");
}

static bool is_control(uint32_t code_point)
{
	return code_point < 0x20 || (code_point >= 0x7f && code_point < 0xa0);
}

/*
 * One character of valid UTF-8 at @text: its length in bytes and code point,
 * or 0 when the bytes there are not valid UTF-8 (or the string ends).
 */
static size_t next_character(const char *text, size_t available, wchar_t *character)
{
	mbstate_t state = { 0 };
	size_t length;

	if (!available || !*text)
		return 0;
	length = mbrtowc(character, text, available, &state);
	if (length == (size_t)-1 || length == (size_t)-2 || length == 0)
		return 0;
	return length;
}

static char *escape(const char *bytes, size_t max_length, bool utf8, const char *also)
{
	size_t length = strnlen(bytes, max_length), used = 0;
	/* the worst case: every byte spelled \ooo */
	char *out = malloc(4 * length + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < length;) {
		unsigned char byte = (unsigned char)bytes[i];
		size_t character_length = 1;
		wchar_t character = byte;
		bool printable;

		if (utf8 && byte >= 0x80) {
			character_length = next_character(bytes + i, length - i, &character);
			printable = character_length > 0 && !is_control((uint32_t)character) &&
				    wcwidth(character) >= 0;
			if (!character_length)
				character_length = 1;
		} else {
			printable = byte >= 0x20 && byte < 0x7f && !strchr(also, byte);
		}
		for (size_t j = 0; j < character_length; j++) {
			if (printable)
				out[used++] = bytes[i + j];
			else
				used += (size_t)sprintf(out + used, "\\%03o",
							(unsigned char)bytes[i + j]);
		}
		i += character_length;
	}
	out[used] = '\0';
	return out;
}

char *terminal_text__escape(const char *bytes, size_t max_length, bool utf8)
{
	return escape(bytes, max_length, utf8, "");
}

char *terminal_text__escape_field(const char *bytes, size_t max_length, bool utf8)
{
	return escape(bytes, max_length, utf8, " \\");
}

/* The columns of the character at @text (escaped text: always printable) and its bytes. */
static size_t character_columns(const char *text, bool utf8, size_t *bytes)
{
	wchar_t character;
	int columns;

	*bytes = 1;
	if (!utf8 || (unsigned char)text[0] < 0x80)
		return 1;
	*bytes = next_character(text, strlen(text), &character);
	if (!*bytes) {
		*bytes = 1;
		return 1;
	}
	columns = wcwidth(character);
	return columns > 0 ? (size_t)columns : 0;
}

size_t terminal_text__width(const char *text, bool utf8)
{
	size_t width = 0, bytes;

	for (const char *at = text; *at; at += bytes)
		width += character_columns(at, utf8, &bytes);
	return width;
}

size_t terminal_text__fit(const char *text, size_t columns, bool utf8, size_t *width_out)
{
	size_t width = 0, used = 0, bytes;

	while (text[used]) {
		size_t next = character_columns(text + used, utf8, &bytes);

		if (width + next > columns)
			break;
		width += next;
		used += bytes;
	}
	if (width_out)
		*width_out = width;
	return used;
}

size_t terminal_text__tail(const char *text, size_t columns, bool utf8)
{
	size_t width = terminal_text__width(text, utf8), start = 0, bytes;

	while (width > columns && text[start]) {
		width -= character_columns(text + start, utf8, &bytes);
		start += bytes;
	}
	return start;
}
