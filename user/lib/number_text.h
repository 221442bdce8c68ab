/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Numbers spelled by hand for the writers that print hundreds of thousands of
 * them (a report or snapshot of a process with that many orphaned mappings):
 * printf's parsing of its format was most of what writing one cost.
 */
#ifndef MAPWATCH_LIB_NUMBER_TEXT_H
#define MAPWATCH_LIB_NUMBER_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* As "%" PRIu64 spells it; returns the length written (at most 20), no NUL. */
size_t number_text__unsigned(uint64_t value, char out[20]);

/* As "%08" PRIx64 spells it, the way /proc/PID/maps prints addresses; at most 16, no NUL. */
size_t number_text__address(uint64_t value, char out[16]);

#endif
