// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "json_values.h"
#include "number_text.h"
#include "utf8_text.h"

bool json_values__set(json_t *object, const char *key, json_t *value)
{
	return value && json_object_set_new(object, key, value) == 0;
}

json_t *json_values__unsigned(uint64_t value)
{
	return json_integer(value > INT64_MAX ? INT64_MAX : (json_int_t)value);
}

json_t *json_values__text(const char *bytes, size_t max_length)
{
	char *clean = utf8_text__sanitize(bytes, max_length);
	json_t *value;

	if (!clean)
		return NULL;
	value = json_string(clean);
	free(clean);
	return value;
}

json_t *json_values__address(uint64_t value)
{
	char digits[17];

	digits[number_text__address(value, digits)] = '\0';
	return json_string(digits);
}

void json_values__format_device(uint32_t dev, char out[16])
{
	/* The kernel's encoding: major << 20 | minor. */
	snprintf(out, 16, "%02x:%02x", dev >> 20, dev & 0xfffff);
}

json_t *json_values__device(uint32_t dev)
{
	char buffer[16];

	json_values__format_device(dev, buffer);
	return json_string(buffer);
}

/* jansson's escapes: the two mandatory ones, the short control ones, \u00XX for the rest. */
static const char *escape_of(unsigned char byte, char buffer[8])
{
	switch (byte) {
	case '\\':
		return "\\\\";
	case '"':
		return "\\\"";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		snprintf(buffer, 8, "\\u%04X", byte);
		return buffer;
	}
}

int json_values__write_text(FILE *file, const char *bytes, size_t max_length)
{
	char *clean = utf8_text__sanitize(bytes, max_length), buffer[8];
	const char *run;
	bool written;
	int err = 0;

	if (!clean)
		return -ENOMEM;
	written = fputc_unlocked('"', file) != EOF;
	run = clean;
	for (const char *at = clean; *at && written; at++) {
		unsigned char byte = (unsigned char)*at;
		size_t length = (size_t)(at - run);

		/* UTF-8 continuation and lead bytes are all above 0x7f: written as they are */
		if (byte >= 0x20 && byte != '"' && byte != '\\')
			continue;
		written = fwrite_unlocked(run, 1, length, file) == length &&
			  fputs_unlocked(escape_of(byte, buffer), file) != EOF;
		run = at + 1;
	}
	written = written && fputs_unlocked(run, file) != EOF && fputc_unlocked('"', file) != EOF;
	/* errno of the write that failed (a full disk: ENOSPC), before free() */
	if (!written)
		err = errno ? -errno : -EIO;
	free(clean);
	return err;
}
