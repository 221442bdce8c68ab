/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MAPWATCH_AGENT_OUTPUT_CHECK_H
#define MAPWATCH_AGENT_OUTPUT_CHECK_H

#include <stddef.h>
#include "options.h"

/*
 * Proves, before anything is loaded, that a file can be written atomically
 * next to path: creates and removes a temporary file in its directory. On
 * failure writes the cause and the fix into error and returns -errno.
 */
int output_check__writable(const char *option, const char *path, char *error, size_t error_size);

/* Both outputs a command was asked to write (--snapshot, --textfile), in that order. */
int output_check__options(const struct mw_options *options, char *error, size_t error_size);

#endif
