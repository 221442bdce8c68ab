/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The keys of `mapwatch top`, as changes to its view state; no drawing, no collecting. */
#ifndef MAPWATCH_TOP_KEYS_H
#define MAPWATCH_TOP_KEYS_H

#include "top_choices.h"

/*
 * Applies one key, as curses' getch() returns it. At a prompt (/ and d) keys
 * are typed text until Enter applies it or Esc drops it.
 */
void top_keys__handle(struct mw_top_choices *state, int key);

#endif
