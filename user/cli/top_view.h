/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The terminal side of `mapwatch top`: curses on, a frame's lines onto the
 * screen, keys off it. What the lines say is top_frame's business.
 */
#ifndef MAPWATCH_CLI_TOP_VIEW_H
#define MAPWATCH_CLI_TOP_VIEW_H

#include <stddef.h>
#include "top_frame.h"

/* Curses on stdin and stdout: keys unbuffered and unechoed, no cursor. */
void top_view__open(void);
void top_view__close(void);

/* Takes the terminal's new size; SIGWINCH comes through the event loop, not to curses. */
void top_view__resize(void);

void top_view__size(size_t *width, size_t *height);

void top_view__draw(const struct top_frame *frame);

/* The next key, or ERR when none is waiting. */
int top_view__key(void);

#endif
