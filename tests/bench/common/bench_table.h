/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one table every benchmark prints, a row per figure: workload, unit,
 * baseline, floor (the kernel's own price, where measured), mapwatch, peer,
 * ratio, goal, met. Lines starting with "# " are
 * notes (run-benchmarks.sh prints them under the table). And the statistics
 * the rows are made of.
 */
#ifndef MAPWATCH_BENCH_TABLE_H
#define MAPWATCH_BENCH_TABLE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A column that does not apply: printed as "-". */
#define BENCH_NONE NAN
/* A row without a goal. */
#define BENCH_NO_GOAL (-1)

uint64_t bench__now_ns(void);
double bench__mean(const double *values, size_t count);
/* Sorts values in place. */
double bench__percentile(double *values, size_t count, double percentile);

void bench__table_header(void);
void bench__table_row(const char *workload, const char *unit, double baseline, double mapwatch,
		      double peer, const char *ratio_of, double ratio, const char *goal, int met);
/* A row with the floor column: what empty programs on the same hooks cost. */
void bench__table_row_floored(const char *workload, const char *unit, double baseline,
			      double floor_value, double mapwatch, double peer,
			      const char *ratio_of, double ratio, const char *goal, int met);
/* A row that only reports: no ratio, no goal. */
void bench__report_row(const char *workload, const char *unit, double baseline, double mapwatch,
		       double peer);
/*
 * @handler for SIGINT, SIGTERM, SIGHUP and SIGQUIT, without SA_RESTART: a
 * blocked wait returns, so the benchmark unwinds to its clean-up.
 */
void bench__catch_signals(void (*handler)(int));

/* A whole positive decimal count, as the benchmarks' options take them. */
bool bench__parse_count(const char *text, long *value);

/* A "# " note line, printf style. */
__attribute__((format(printf, 1, 2))) void bench__note(const char *format, ...);

#endif
