// SPDX-License-Identifier: MIT
/*
 * idxstore: drives the reference store and prints its ground truth as JSON.
 *
 *   idxstore run --dir DIR --policy remap|locked-unmap [options]
 *
 * Exit status: 0 done, 1 runtime error (one line on stderr), 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "idxstore/report.h"
#include "idxstore/store.h"
#include "idxstore/workload.h"

static const char usage[] =
	"usage: idxstore run --dir DIR --policy remap|locked-unmap [--partitions N]\n"
	"         [--segment-bytes B] [--index-interval B] [--index-max-bytes B]\n"
	"         [--retention-segments N] [--file-delete-delay S] [--readers N]\n"
	"         [--rolls N | --duration S] [--collect-delay S|never] [--hold] [--seed N]\n";

struct driver {
	int signal_fd;
	bool interrupted;
	struct store *store;
};

static int print_report(struct store *store)
{
	json_t *report = store__report(store);
	char *text = report ? json_dumps(report, JSON_COMPACT) : NULL;
	int ret = 0;

	/* One write of the whole line: a reader never sees half an object. */
	if (!text || printf("%s\n", text) < 0 || fflush(stdout) == EOF)
		ret = -EIO;
	free(text);
	json_decref(report);
	return ret;
}

/* Handles pending signals; returns false once SIGINT or SIGTERM arrived. */
static bool driver__poll_signals(struct driver *driver, int timeout_ms)
{
	struct signalfd_siginfo info;
	struct pollfd pollfd = { .fd = driver->signal_fd, .events = POLLIN };

	while (!driver->interrupted && poll(&pollfd, 1, timeout_ms) > 0) {
		if (read(driver->signal_fd, &info, sizeof(info)) != sizeof(info))
			break;
		if (info.ssi_signo == SIGUSR1)
			print_report(driver->store);
		else
			driver->interrupted = true;
		timeout_ms = 0;
	}
	return !driver->interrupted;
}

static bool driver__keep_going(void *arg)
{
	return driver__poll_signals(arg, 0);
}

static int parse_unsigned(const char *text, uint64_t max, uint64_t *value)
{
	char *end;
	unsigned long long parsed;

	if (!text[0] || text[0] == '-')
		return -EINVAL;
	errno = 0;
	parsed = strtoull(text, &end, 10);
	if (errno || *end || parsed > max)
		return -EINVAL;
	*value = parsed;
	return 0;
}

static int parse_seconds(const char *text, double *value)
{
	char *end;
	double parsed;

	errno = 0;
	parsed = strtod(text, &end);
	if (errno || *end || end == text || !isfinite(parsed) || parsed < 0 || parsed > 1e7)
		return -EINVAL;
	*value = parsed;
	return 0;
}

static int bad_usage(const char *format, const char *value)
{
	fprintf(stderr, "idxstore: ");
	fprintf(stderr, format, value);
	fprintf(stderr, " (see idxstore --help)\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "policy", required_argument, NULL, 'p' },
		{ "partitions", required_argument, NULL, 'P' },
		{ "segment-bytes", required_argument, NULL, 's' },
		{ "index-interval", required_argument, NULL, 'i' },
		{ "index-max-bytes", required_argument, NULL, 'm' },
		{ "retention-segments", required_argument, NULL, 'r' },
		{ "file-delete-delay", required_argument, NULL, 'f' },
		{ "readers", required_argument, NULL, 'R' },
		{ "rolls", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 't' },
		{ "collect-delay", required_argument, NULL, 'c' },
		{ "hold", no_argument, NULL, 'H' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct store_options store_options;
	struct workload_options workload_options;
	struct driver driver = { .signal_fd = -1 };
	bool have_policy = false, hold = false;
	char err[1024] = "";
	sigset_t signals;
	uint64_t number;
	int option, ret, status = 0;

	store_options__defaults(&store_options);
	workload_options__defaults(&workload_options);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "idxstore: expected the command \"run\" (see idxstore --help)\n");
		return 2;
	}
	optind = 2;
	opterr = 0;
	while ((option = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (option) {
		case 'd':
			store_options.dir = optarg;
			break;
		case 'p':
			/* unlocked-unmap is a test-only demonstration, not offered here. */
			if (resize_policy__parse(optarg, &store_options.policy) ||
			    store_options.policy == RESIZE_POLICY_UNLOCKED_UNMAP)
				return bad_usage(
					"--policy must be remap or locked-unmap, not \"%s\"",
					optarg);
			have_policy = true;
			break;
		case 'P':
			if (parse_unsigned(optarg, 1024, &number) || !number)
				return bad_usage("--partitions must be 1..1024, not \"%s\"",
						 optarg);
			store_options.partitions = (unsigned)number;
			break;
		case 's':
			if (parse_unsigned(optarg, UINT32_MAX, &number) || number < 64)
				return bad_usage(
					"--segment-bytes must be 64..4294967295, not \"%s\"",
					optarg);
			store_options.segment_bytes = number;
			break;
		case 'i':
			if (parse_unsigned(optarg, UINT32_MAX, &number))
				return bad_usage(
					"--index-interval must be a byte count, not \"%s\"",
					optarg);
			store_options.index_interval = (uint32_t)number;
			break;
		case 'm':
			if (parse_unsigned(optarg, 1ull << 31, &number) ||
			    number < INDEX_TIME_ENTRY_SIZE)
				return bad_usage(
					"--index-max-bytes must be 12..2147483648, not \"%s\"",
					optarg);
			store_options.index_max_bytes = number;
			break;
		case 'r':
			if (parse_unsigned(optarg, 1u << 20, &number))
				return bad_usage(
					"--retention-segments must be a count (0: keep all), not \"%s\"",
					optarg);
			store_options.retention_segments = (unsigned)number;
			break;
		case 'f':
			if (parse_seconds(optarg, &store_options.file_delete_delay))
				return bad_usage(
					"--file-delete-delay must be seconds >= 0, not \"%s\"",
					optarg);
			break;
		case 'R':
			if (parse_unsigned(optarg, 256, &number))
				return bad_usage("--readers must be 0..256, not \"%s\"", optarg);
			workload_options.readers = (unsigned)number;
			break;
		case 'n':
			if (parse_unsigned(optarg, UINT64_MAX, &number) || !number)
				return bad_usage("--rolls must be a positive count, not \"%s\"",
						 optarg);
			workload_options.rolls = number;
			break;
		case 't':
			if (parse_seconds(optarg, &workload_options.duration) ||
			    !workload_options.duration)
				return bad_usage("--duration must be seconds > 0, not \"%s\"",
						 optarg);
			break;
		case 'c':
			if (!strcmp(optarg, "never"))
				store_options.collect_delay = CLEANER_NEVER;
			else if (parse_seconds(optarg, &store_options.collect_delay))
				return bad_usage(
					"--collect-delay must be seconds >= 0 or \"never\", not \"%s\"",
					optarg);
			break;
		case 'H':
			hold = true;
			break;
		case 'S':
			if (parse_unsigned(optarg, UINT64_MAX, &workload_options.seed))
				return bad_usage("--seed must be a number, not \"%s\"", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return bad_usage("%s needs a value", argv[optind - 1]);
		default:
			return bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument \"%s\"", argv[optind]);
	if (!store_options.dir)
		return bad_usage("%s", "--dir is required");
	if (!have_policy)
		return bad_usage("%s", "--policy is required");
	if (workload_options.rolls && workload_options.duration)
		return bad_usage("%s", "give --rolls or --duration, not both");
	if (!workload_options.rolls && !workload_options.duration)
		workload_options.rolls = 10;

	/* Blocked before any thread starts, so every thread inherits the mask. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGUSR1);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &signals, NULL) ||
	    (driver.signal_fd = signalfd(-1, &signals, SFD_CLOEXEC)) < 0) {
		fprintf(stderr, "idxstore: signalfd: %s\n", strerror(errno));
		return 1;
	}

	ret = store__open(&driver.store, &store_options, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "idxstore: %s\n", err[0] ? err : strerror(-ret));
		return 1;
	}
	ret = workload__run(driver.store, &workload_options, driver__keep_going, &driver, NULL);
	if (ret) {
		fprintf(stderr, "idxstore: workload: %s\n", strerror(-ret));
		status = 1;
	} else {
		/* A stable state for observers: every scheduled deletion has happened. */
		store__drain_deletions(driver.store);
		if (print_report(driver.store)) {
			fprintf(stderr, "idxstore: cannot write the report\n");
			status = 1;
		}
		while (hold && driver__poll_signals(&driver, -1))
			;
	}
	ret = store__close(driver.store);
	if (ret && !status) {
		fprintf(stderr, "idxstore: closing the store: %s\n", strerror(-ret));
		status = 1;
	}
	close(driver.signal_fd);
	return status;
}
