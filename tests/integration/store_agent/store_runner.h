/* SPDX-License-Identifier: GPL-2.0 */
/* The reference store's driver, idxstore, held alive after its workload. */
#ifndef MAPWATCH_E2E_STORE_RUNNER_H
#define MAPWATCH_E2E_STORE_RUNNER_H

#include <jansson.h>
#include <limits.h>
#include <sys/types.h>

struct store_runner {
	pid_t pid; /* 0 when not running */
	int report_fd; /* idxstore's stdout */
	char dir[128]; /* /tmp/PREFIX-XXXXXX */
	char stderr_path[PATH_MAX];
};

/*
 * Runs `idxstore run --policy @policy --collect-delay never --hold` with sizes
 * small enough that every partition rolls and deletes segments, in a fresh
 * directory, and returns its ground truth: the JSON line it prints once the
 * workload is done and every scheduled deletion has happened. From then on
 * the store's mappings stay still until store_runner__stop(). The caller
 * json_decref()s the result.
 */
json_t *store_runner__run_and_hold(struct store_runner *store, const char *policy);

/* An integer field of a report; fails the test when it is missing. */
json_int_t store_report__field(json_t *report, const char *name);

/* Ends the store (SIGTERM), expects a clean exit, removes its directory. Safe to call twice. */
void store_runner__stop(struct store_runner *store);

#endif
