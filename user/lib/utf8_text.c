// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "utf8_text.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Length of the well-formed UTF-8 sequence at @text, 0 if it is not one (RFC 3629). */
static size_t sequence_length(const unsigned char *text, size_t left)
{
	unsigned char lead = text[0];
	uint32_t code_point;
	size_t length;

	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
		code_point = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		code_point = lead & 0x0f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		code_point = lead & 0x07;
	} else {
		return 0;
	}
	if (length > left)
		return 0;
	for (size_t i = 1; i < length; i++) {
		if ((text[i] & 0xc0) != 0x80)
			return 0;
		code_point = code_point << 6 | (text[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond Unicode */
	if (length == 3 && (code_point < 0x800 || (code_point >= 0xd800 && code_point <= 0xdfff)))
		return 0;
	if (length == 4 && (code_point < 0x10000 || code_point > 0x10ffff))
		return 0;
	return length;
}

char *utf8_text__sanitize(const char *bytes, size_t max_length)
{
	const unsigned char *text = (const unsigned char *)bytes;
	size_t length = strnlen(bytes, max_length), used = 0;
	char *out = malloc(length * 3 + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < length;) {
		size_t sequence = sequence_length(text + i, length - i);

		if (sequence == 0) {
			memcpy(out + used, REPLACEMENT, 3);
			used += 3;
			i++;
		} else {
			memcpy(out + used, text + i, sequence);
			used += sequence;
			i += sequence;
		}
	}
	out[used] = '\0';
	return out;
}
