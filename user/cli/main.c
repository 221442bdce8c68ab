// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include "commands.h"
#include "log_line.h"

int main(int argc, char **argv)
{
	struct mw_options options;
	char error[512];

	if (options__parse(&options, argc, argv, error, sizeof(error))) {
		/* it quotes what was typed, which may hold any byte */
		log_line__print("%s", error);
		return MW_EXIT_USAGE;
	}
	if (options.version) {
		printf("mapwatch %s\n", MAPWATCH_VERSION);
		return MW_EXIT_OK;
	}
	if (options.help) {
		options__print_usage(stdout, options.command);
		return MW_EXIT_OK;
	}
	switch (options.command) {
	case MW_COMMAND_AGENT:
		return command__agent(&options);
	case MW_COMMAND_TOP:
		return command__top(&options);
	case MW_COMMAND_SCAN:
		return command__scan(&options);
	case MW_COMMAND_TRACE:
		return command__trace(&options);
	case MW_COMMAND_RELEASE:
		return command__release(&options);
	default:
		options__print_usage(stderr, MW_COMMAND_NONE);
		return MW_EXIT_USAGE;
	}
}
