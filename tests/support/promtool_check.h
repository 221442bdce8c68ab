/* SPDX-License-Identifier: GPL-2.0 */
/* Every textfile the agent writes in a scenario run, as Prometheus's own tooling reads it. */
#ifndef MAPWATCH_PROMTOOL_CHECK_H
#define MAPWATCH_PROMTOOL_CHECK_H

/*
 * Runs `promtool check metrics` on @path and fails the test on a parse error
 * or on any lint finding but the two the contract's names cause.
 */
void promtool_check__textfile(const char *path);

#endif /* MAPWATCH_PROMTOOL_CHECK_H */
