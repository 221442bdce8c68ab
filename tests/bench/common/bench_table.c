// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_table.h"

uint64_t bench__now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

double bench__mean(const double *values, size_t count)
{
	double sum = 0;

	for (size_t i = 0; i < count; i++)
		sum += values[i];
	return count ? sum / (double)count : 0;
}

static int compare_doubles(const void *left, const void *right)
{
	double a = *(const double *)left, b = *(const double *)right;

	return a < b ? -1 : a > b;
}

double bench__percentile(double *values, size_t count, double percentile)
{
	size_t index;

	if (!count)
		return 0;
	qsort(values, count, sizeof(*values), compare_doubles);
	index = (size_t)ceil(percentile / 100.0 * (double)count);
	return values[index ? index - 1 : 0];
}

#define ROW_FORMAT "%-50s %-5s %11s %11s %11s %11s %-20s %-15s %s\n"

void bench__table_header(void)
{
	printf(ROW_FORMAT, "workload", "unit", "baseline", "floor", "mapwatch", "peer", "ratio",
	       "goal", "met");
}

static void format_value(char *out, size_t size, double value)
{
	if (isnan(value))
		snprintf(out, size, "-");
	else if (fabs(value) >= 100 || value == floor(value))
		snprintf(out, size, "%.0f", value);
	else
		snprintf(out, size, "%.2f", value);
}

static const char *met_text(int met)
{
	if (met == BENCH_NO_GOAL)
		return "-";
	return met ? "yes" : "NO";
}

void bench__table_row_floored(const char *workload, const char *unit, double baseline,
			      double floor_value, double mapwatch, double peer,
			      const char *ratio_of, double ratio, const char *goal, int met)
{
	char columns[4][32], ratio_text[48];

	format_value(columns[0], sizeof(columns[0]), baseline);
	format_value(columns[1], sizeof(columns[1]), floor_value);
	format_value(columns[2], sizeof(columns[2]), mapwatch);
	format_value(columns[3], sizeof(columns[3]), peer);
	if (isnan(ratio))
		snprintf(ratio_text, sizeof(ratio_text), "-");
	else
		snprintf(ratio_text, sizeof(ratio_text), "%.2fx %s", ratio, ratio_of);
	printf(ROW_FORMAT, workload, unit, columns[0], columns[1], columns[2], columns[3],
	       ratio_text, goal ? goal : "-", met_text(met));
	fflush(stdout);
}

void bench__table_row(const char *workload, const char *unit, double baseline, double mapwatch,
		      double peer, const char *ratio_of, double ratio, const char *goal, int met)
{
	bench__table_row_floored(workload, unit, baseline, BENCH_NONE, mapwatch, peer, ratio_of,
				 ratio, goal, met);
}

void bench__report_row(const char *workload, const char *unit, double baseline, double mapwatch,
		       double peer)
{
	bench__table_row(workload, unit, baseline, mapwatch, peer, "", BENCH_NONE, NULL,
			 BENCH_NO_GOAL);
}

void bench__note(const char *format, ...)
{
	va_list args;

	fputs("# ", stdout);
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	fputc('\n', stdout);
	fflush(stdout);
}

bool bench__parse_count(const char *text, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	return !errno && end != text && !*end && *value > 0;
}

void bench__catch_signals(void (*handler)(int))
{
	struct sigaction action = { .sa_handler = handler };
	int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaction(signals[i], &action, NULL);
}
