// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Attaches tracepoint_floor.bpf.c (empty programs on every tracepoint
 * mapwatch hooks), says "attached" and holds them until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "tracepoint_floor.skel.h"

int main(void)
{
	struct tracepoint_floor *floor_programs = tracepoint_floor__open_and_load();
	sigset_t signals;
	int signal_number;

	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &signals, NULL);
	if (!floor_programs || tracepoint_floor__attach(floor_programs)) {
		fprintf(stderr, "floor_tracer: cannot load or attach the empty programs\n");
		tracepoint_floor__destroy(floor_programs);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	sigwait(&signals, &signal_number);
	tracepoint_floor__destroy(floor_programs);
	return 0;
}
