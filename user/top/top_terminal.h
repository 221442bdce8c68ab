/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The terminal side of `mapwatch top`: curses on, a frame's lines onto the
 * screen, keys off it. What the lines say is top_screen's business.
 */
#ifndef MAPWATCH_TOP_TERMINAL_H
#define MAPWATCH_TOP_TERMINAL_H

#include <stddef.h>
#include "top_screen.h"

/* Curses on stdin and stdout: keys unbuffered and unechoed, no cursor. */
void top_terminal__open(void);
void top_terminal__close(void);

/* Takes the terminal's new size; SIGWINCH comes through the event loop, not to curses. */
void top_terminal__resize(void);

void top_terminal__size(size_t *width, size_t *height);

void top_terminal__draw(const struct mw_top_screen *frame);

/* The next key, or ERR when none is waiting. */
int top_terminal__key(void);

#endif
