/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The JSON values both writers (snapshot, trace lines) build, spelled one way. */
#ifndef MAPWATCH_EXPORT_JSON_VALUES_H
#define MAPWATCH_EXPORT_JSON_VALUES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Adds @value under @key; false (and @value released) when either failed to allocate. */
bool json_values__set(json_t *object, const char *key, json_t *value);

/* A jansson integer holds int64_t: clamp rather than wrap the (theoretical) rest. */
json_t *json_values__unsigned(uint64_t value);

/* At most @max_length bytes of @bytes, invalid UTF-8 replaced by U+FFFD. */
json_t *json_values__text(const char *bytes, size_t max_length);

/*
 * The same text written as a JSON string, byte for byte as jansson's
 * json_dumpf would write it, without building a value: 0 or -errno.
 */
int json_values__write_text(FILE *file, const char *bytes, size_t max_length);

/* Spelled as /proc/PID/maps spells them: %08lx addresses, %02x:%02x devices. */
json_t *json_values__address(uint64_t value);
void json_values__format_device(uint32_t dev, char out[16]);
json_t *json_values__device(uint32_t dev);

#endif
