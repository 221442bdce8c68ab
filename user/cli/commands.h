/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The commands of mapwatch. Each returns the process exit status. */
#ifndef MAPWATCH_CLI_COMMANDS_H
#define MAPWATCH_CLI_COMMANDS_H

#include "options.h"

/* Exit statuses: 0 ok, 1 a runtime failure (named on stderr), 2 bad usage. */
#define MW_EXIT_OK 0
#define MW_EXIT_FAILURE 1
#define MW_EXIT_USAGE 2
/* scan --check: it ran and found at least one orphaned mapping; release: some remain */
#define MW_EXIT_ORPHANS_FOUND 3
/* release: the process is not a JVM; nothing was done */
#define MW_EXIT_NOT_A_JVM 4

int command__agent(const struct mw_options *options);
int command__top(const struct mw_options *options);
int command__scan(const struct mw_options *options);
int command__trace(const struct mw_options *options);
int command__release(const struct mw_options *options);

#endif
