// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "json_values.h"
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
	char buffer[24];

	snprintf(buffer, sizeof(buffer), "%08" PRIx64, value);
	return json_string(buffer);
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
