// SPDX-License-Identifier: MIT
/*
 * Lookup throughput of the two resize policies under roll churn, side by side.
 *
 *   bench_store [--readers N] [--duration S] [--repeats N] [--roll-rate R]
 *
 * Each repeat runs both policies (alternating which goes first) on a fresh
 * directory for --duration seconds: one writer appends, rolls and deletes
 * segments while N readers look up offsets and timestamps. The table shows the
 * median of the repeats; the last line is locked-unmap's share of remap.
 *
 * Like with like: both policies get the same readers and the same churn. The
 * writer is paced to --roll-rate rolls per second (0: flat out), a rate both
 * policies sustain, because an unpaced writer rolls at whatever speed its
 * policy allows and takes that much CPU from the readers. The rolls/s column
 * shows the churn each policy actually got. Readers of both policies enter a
 * grace read section per lookup (the segment lists are lock-free); locked-unmap
 * readers take the index's read lock inside it as well.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_table.h"
#include "idxstore/store.h"
#include "idxstore/workload.h"

#define MAX_REPEATS 101

struct sample {
	double lookups_per_second;
	double rolls_per_second;
};

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	return remove(path);
}

static int run_once(enum resize_policy policy, unsigned readers, double duration, double roll_rate,
		    unsigned repeat, struct sample *sample)
{
	char where[] = "/tmp/bench-store-XXXXXX", err[512] = "";
	struct store_options options;
	struct workload_options workload;
	struct store *store;
	double elapsed;
	int ret;

	if (!mkdtemp(where))
		return -errno;
	store_options__defaults(&options);
	options.dir = where;
	options.policy = policy;
	options.partitions = 4;
	options.segment_bytes = 64 * 1024;
	options.index_interval = 256;
	options.index_max_bytes = 1 << 20;
	options.retention_segments = 3;
	options.file_delete_delay = 0.05;
	options.collect_delay = 0.1; /* a GC that does run, so the mappings do not pile up */
	workload_options__defaults(&workload);
	workload.readers = readers;
	workload.duration = duration;
	workload.roll_rate = roll_rate;
	workload.seed = repeat + 1;

	ret = store__open(&store, &options, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bench_store: %s\n", err);
		nftw(where, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		return ret;
	}
	ret = workload__run(store, &workload, NULL, NULL, &elapsed);
	if (!ret && store__stats(store)->lookup_errors) {
		fprintf(stderr, "bench_store: %s: wrong lookup answers\n",
			resize_policy__name(policy));
		ret = -EIO;
	}
	sample->lookups_per_second = (double)store__stats(store)->lookups / elapsed;
	sample->rolls_per_second = (double)store__stats(store)->rolls / elapsed;
	if (store__close(store) && !ret)
		ret = -EIO;
	nftw(where, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}

static int compare_doubles(const void *left, const void *right)
{
	double a = *(const double *)left, b = *(const double *)right;

	return (a > b) - (a < b);
}

static double median(double *values, unsigned count)
{
	qsort(values, count, sizeof(*values), compare_doubles);
	return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "readers", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "repeats", required_argument, NULL, 'n' },
		{ "roll-rate", required_argument, NULL, 'R' },
		{ 0 },
	};
	static const enum resize_policy policies[] = { RESIZE_POLICY_REMAP,
						       RESIZE_POLICY_LOCKED_UNMAP };
	double lookups[2][MAX_REPEATS], rolls[2][MAX_REPEATS], result[2], churn[2];
	double paired[MAX_REPEATS];
	unsigned readers = 4, repeats = 7;
	double duration = 0.5, roll_rate = 40;
	char *end;
	int option;

	while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (option) {
		case 'r':
			readers = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !readers || readers > 256) {
				fprintf(stderr, "bench_store: --readers must be 1..256\n");
				return 2;
			}
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || !(duration > 0 && duration < 3600)) {
				fprintf(stderr, "bench_store: --duration must be seconds > 0\n");
				return 2;
			}
			break;
		case 'n':
			repeats = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !repeats || repeats > MAX_REPEATS) {
				fprintf(stderr, "bench_store: --repeats must be 1..%d\n",
					MAX_REPEATS);
				return 2;
			}
			break;
		case 'R':
			roll_rate = strtod(optarg, &end);
			if (*end || !(roll_rate >= 0 && roll_rate < 1e6)) {
				fprintf(stderr, "bench_store: --roll-rate must be rolls/s >= 0\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr,
				"usage: bench_store [--readers N] [--duration S] [--repeats N] "
				"[--roll-rate R]\n");
			return 2;
		}
	}

	for (unsigned repeat = 0; repeat < repeats; repeat++) {
		for (unsigned turn = 0; turn < 2; turn++) {
			/* Alternate the order so neither policy always runs on a warmer machine. */
			unsigned which = (turn + repeat) % 2;
			struct sample sample = { 0 };
			int ret = run_once(policies[which], readers, duration, roll_rate, repeat,
					   &sample);

			if (ret) {
				fprintf(stderr, "bench_store: %s run failed: %s\n",
					resize_policy__name(policies[which]), strerror(-ret));
				return 1;
			}
			lookups[which][repeat] = sample.lookups_per_second;
			rolls[which][repeat] = sample.rolls_per_second;
		}
	}
	/* Each repeat ran both back to back: their ratio cancels slow drifts of a shared machine. */
	for (unsigned repeat = 0; repeat < repeats; repeat++)
		paired[repeat] = lookups[1][repeat] / lookups[0][repeat];
	for (unsigned which = 0; which < 2; which++) {
		result[which] = median(lookups[which], repeats);
		churn[which] = median(rolls[which], repeats);
	}
	bench__note(
		"reference store: %u readers, median of %u runs of %.2f s, writer %s; "
		"baseline remap (old Linux policy), measured locked-unmap (the fix); rolls/s %.1f and %.1f",
		readers, repeats, duration, roll_rate > 0 ? "paced" : "unpaced", churn[0],
		churn[1]);
	bench__table_header();
	bench__table_row("reference store lookups, locked-unmap vs remap", "1/s", result[0],
			 result[1], BENCH_NONE, "of remap", median(paired, repeats), ">=0.90x",
			 median(paired, repeats) >= 0.90);
	return 0;
}
