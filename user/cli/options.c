// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "listen_address.h"
#include "options.h"

/* The kernel's ceiling for pid_max (PID_MAX_LIMIT on 64-bit). */
#define PID_LIMIT 4194304
#define TOP_LIMIT 1000000
#define ITERATIONS_LIMIT 1000000
/* Ring buffer: a power of two from a page to 1 GiB; kernel inode table: up to 16 M entries. */
#define RING_BUFFER_MIN_BYTES 4096ULL
#define RING_BUFFER_MAX_BYTES (1ULL << 30)
#define MAX_INODES_LIMIT (1ULL << 24)
#define RANGES_LIMIT (1ULL << 24)
/* release: the Cleaner unmaps soon after the GC; an hour is beyond any need */
#define WAIT_LIMIT_SECONDS 3600.0
#define WAIT_DEFAULT_SECONDS 10.0

enum option_id {
	OPTION_PID = 'p',
	OPTION_COMM = 'c',
	OPTION_INTERVAL = 'i',
	OPTION_VERBOSE = 'v',
	OPTION_HELP = 'h',
	OPTION_BATCH = 'b',
	OPTION_ITERATIONS = 'n',
	OPTION_TEXTFILE = 256,
	OPTION_SNAPSHOT,
	OPTION_TOP,
	OPTION_JSON,
	OPTION_VERSION,
	OPTION_CGROUP,
	OPTION_RING_BUFFER_SIZE,
	OPTION_MAX_INODES,
	OPTION_CHECK,
	OPTION_BY_FILE,
	OPTION_RANGES,
	OPTION_LISTEN,
	OPTION_WAIT,
};

/* Which options each command takes, as a bit per option_id below. */
#define ALLOW(option) (1u << (option))
enum option_bit {
	BIT_PID,
	BIT_COMM,
	BIT_INTERVAL,
	BIT_TEXTFILE,
	BIT_SNAPSHOT,
	BIT_TOP,
	BIT_JSON,
	BIT_BATCH,
	BIT_ITERATIONS,
	BIT_CGROUP,
	BIT_RING_BUFFER_SIZE,
	BIT_MAX_INODES,
	BIT_CHECK,
	BIT_BY_FILE,
	BIT_RANGES,
	BIT_LISTEN,
	BIT_WAIT,
};

#define FILTERS (ALLOW(BIT_PID) | ALLOW(BIT_COMM) | ALLOW(BIT_CGROUP))
/* what the commands that load the BPF programs size */
#define KERNEL_SIZES (ALLOW(BIT_RING_BUFFER_SIZE) | ALLOW(BIT_MAX_INODES))

static const struct {
	const char *name;
	unsigned int allowed;
	double default_interval;
	size_t default_top;
	/*
	 * Orphaned mappings listed as ranges per process (0: all). The agent
	 * rewrites its snapshot every interval: it lists the first thousand of a
	 * process and counts the rest; scan, asked once, lists every one.
	 */
	size_t default_ranges;
} commands[] = {
	[MW_COMMAND_AGENT] = { "agent",
			       FILTERS | KERNEL_SIZES | ALLOW(BIT_INTERVAL) | ALLOW(BIT_TEXTFILE) |
				       ALLOW(BIT_SNAPSHOT) | ALLOW(BIT_TOP) | ALLOW(BIT_RANGES) |
				       ALLOW(BIT_LISTEN),
			       15.0, 50, 1000 },
	[MW_COMMAND_TOP] = { "top",
			     FILTERS | KERNEL_SIZES | ALLOW(BIT_INTERVAL) | ALLOW(BIT_TOP) |
				     ALLOW(BIT_BATCH) | ALLOW(BIT_ITERATIONS),
			     1.0, 0, 1000 },
	[MW_COMMAND_SCAN] = { "scan",
			      FILTERS | ALLOW(BIT_TEXTFILE) | ALLOW(BIT_SNAPSHOT) | ALLOW(BIT_TOP) |
				      ALLOW(BIT_JSON) | ALLOW(BIT_CHECK) | ALLOW(BIT_BY_FILE) |
				      ALLOW(BIT_RANGES),
			      0.0, 50, 0 },
	[MW_COMMAND_TRACE] = { "trace", FILTERS | KERNEL_SIZES | ALLOW(BIT_JSON), 0.0, 0, 0 },
	/* one process, by pid; its orphans listed in full */
	[MW_COMMAND_RELEASE] = { "release", ALLOW(BIT_PID) | ALLOW(BIT_WAIT), 0.0, 0, 0 },
};

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, OPTION_PID },
	{ "comm", required_argument, NULL, OPTION_COMM },
	{ "interval", required_argument, NULL, OPTION_INTERVAL },
	{ "textfile", required_argument, NULL, OPTION_TEXTFILE },
	{ "snapshot", required_argument, NULL, OPTION_SNAPSHOT },
	{ "top", required_argument, NULL, OPTION_TOP },
	{ "json", no_argument, NULL, OPTION_JSON },
	{ "batch", no_argument, NULL, OPTION_BATCH },
	{ "iterations", required_argument, NULL, OPTION_ITERATIONS },
	{ "cgroup", required_argument, NULL, OPTION_CGROUP },
	{ "ring-buffer-size", required_argument, NULL, OPTION_RING_BUFFER_SIZE },
	{ "max-inodes", required_argument, NULL, OPTION_MAX_INODES },
	{ "check", no_argument, NULL, OPTION_CHECK },
	{ "by-file", no_argument, NULL, OPTION_BY_FILE },
	{ "ranges", required_argument, NULL, OPTION_RANGES },
	{ "listen", required_argument, NULL, OPTION_LISTEN },
	{ "wait", required_argument, NULL, OPTION_WAIT },
	{ "verbose", no_argument, NULL, OPTION_VERBOSE },
	{ "help", no_argument, NULL, OPTION_HELP },
	{ "version", no_argument, NULL, OPTION_VERSION },
	{ 0 },
};

__attribute__((format(printf, 3, 4))) static int fail(char *error, size_t error_size,
						      const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(error, error_size, format, args);
	va_end(args);
	return -EINVAL;
}

const char *options__command_name(enum mw_command command)
{
	if (command > MW_COMMAND_NONE && command <= MW_COMMAND_RELEASE)
		return commands[command].name;
	return "mapwatch";
}

static int parse_unsigned(const char *text, unsigned long long max, unsigned long long *value)
{
	char *end;

	if (!*text || *text == '-' || *text == '+')
		return -EINVAL;
	errno = 0;
	*value = strtoull(text, &end, 10);
	if (errno || *end || *value > max)
		return -EINVAL;
	return 0;
}

/* A count with an optional binary suffix: 65536, 64K, 8M, 1G. */
static int parse_size(const char *text, unsigned long long max, unsigned long long *value)
{
	static const char suffixes[] = "KMG";
	size_t length = strlen(text);
	const char *suffix;
	char digits[32];
	int shift = 0;

	if (length && (suffix = strchr(suffixes, text[length - 1]))) {
		shift = 10 * (int)(suffix - suffixes + 1);
		length--;
	}
	if (!length || length >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, text, length);
	digits[length] = '\0';
	if (parse_unsigned(digits, max >> shift, value))
		return -EINVAL;
	*value <<= shift;
	return 0;
}

/* Decimal seconds, fractions allowed: strtod's hex, infinities and exponents are not. */
static int parse_seconds(const char *text, double *value)
{
	char *end;

	if (!*text || strspn(text, "0123456789.") != strlen(text))
		return -EINVAL;
	errno = 0;
	*value = strtod(text, &end);
	if (errno || *end || !isfinite(*value))
		return -EINVAL;
	return 0;
}

static enum mw_command command_from_name(const char *name)
{
	for (size_t i = MW_COMMAND_AGENT; i <= MW_COMMAND_RELEASE; i++)
		if (!strcmp(name, commands[i].name))
			return (enum mw_command)i;
	return MW_COMMAND_NONE;
}

static int option_bit(int id)
{
	switch (id) {
	case OPTION_PID:
		return BIT_PID;
	case OPTION_COMM:
		return BIT_COMM;
	case OPTION_INTERVAL:
		return BIT_INTERVAL;
	case OPTION_TEXTFILE:
		return BIT_TEXTFILE;
	case OPTION_SNAPSHOT:
		return BIT_SNAPSHOT;
	case OPTION_TOP:
		return BIT_TOP;
	case OPTION_JSON:
		return BIT_JSON;
	case OPTION_BATCH:
		return BIT_BATCH;
	case OPTION_ITERATIONS:
		return BIT_ITERATIONS;
	case OPTION_CGROUP:
		return BIT_CGROUP;
	case OPTION_RING_BUFFER_SIZE:
		return BIT_RING_BUFFER_SIZE;
	case OPTION_MAX_INODES:
		return BIT_MAX_INODES;
	case OPTION_CHECK:
		return BIT_CHECK;
	case OPTION_BY_FILE:
		return BIT_BY_FILE;
	case OPTION_RANGES:
		return BIT_RANGES;
	case OPTION_LISTEN:
		return BIT_LISTEN;
	case OPTION_WAIT:
		return BIT_WAIT;
	default:
		return -1;
	}
}

static int parse_one(struct mw_options *options, int id, const char *argument, const char *spelled,
		     char *error, size_t error_size)
{
	unsigned long long number;

	switch (id) {
	case OPTION_PID:
		if (parse_unsigned(argument, PID_LIMIT, &number) || number == 0)
			return fail(error, error_size, "--pid: '%s' is not a process id (1..%d)",
				    argument, PID_LIMIT);
		if (options->pid_count == MW_FILTER_PIDS_MAX)
			return fail(error, error_size, "--pid: at most %d pids",
				    MW_FILTER_PIDS_MAX);
		options->pids[options->pid_count++] = (uint32_t)number;
		return 0;
	case OPTION_COMM:
		if (!*argument || strlen(argument) >= MW_COMM_LEN)
			return fail(
				error, error_size,
				"--comm: '%s' is not a command name (1..%d characters, as in /proc/PID/comm)",
				argument, MW_COMM_LEN - 1);
		if (options->comm_count == MW_FILTER_COMMS_MAX)
			return fail(error, error_size, "--comm: at most %d names",
				    MW_FILTER_COMMS_MAX);
		strcpy(options->comms[options->comm_count++], argument);
		return 0;
	case OPTION_INTERVAL:
		if (parse_seconds(argument, &options->interval_seconds) ||
		    options->interval_seconds < MW_INTERVAL_MIN_SECONDS ||
		    options->interval_seconds > MW_INTERVAL_MAX_SECONDS)
			return fail(error, error_size,
				    "--interval: '%s' is not a number of seconds from %g to %g",
				    argument, MW_INTERVAL_MIN_SECONDS, MW_INTERVAL_MAX_SECONDS);
		return 0;
	case OPTION_TEXTFILE:
	case OPTION_SNAPSHOT:
		if (!*argument)
			return fail(error, error_size, "%s: the path is empty", spelled);
		if (argument[strlen(argument) - 1] == '/')
			return fail(error, error_size, "%s: '%s' names a directory, not a file",
				    spelled, argument);
		if (id == OPTION_TEXTFILE)
			options->textfile_path = argument;
		else
			options->snapshot_path = argument;
		return 0;
	case OPTION_TOP:
		if (parse_unsigned(argument, TOP_LIMIT, &number))
			return fail(error, error_size,
				    "--top: '%s' is not a count from 0 (no cap) to %d", argument,
				    TOP_LIMIT);
		options->top = (size_t)number;
		return 0;
	case OPTION_RANGES:
		if (parse_size(argument, RANGES_LIMIT, &number))
			return fail(error, error_size,
				    "--ranges: '%s' is not a count from 0 (all) to 16M", argument);
		options->ranges = (size_t)number;
		return 0;
	case OPTION_LISTEN: {
		struct mw_listen_address address;

		if (listen_address__parse(argument, &address, error, error_size))
			return -EINVAL;
		options->listen = argument;
		return 0;
	}
	case OPTION_WAIT:
		if (parse_seconds(argument, &options->wait_seconds) ||
		    options->wait_seconds > WAIT_LIMIT_SECONDS)
			return fail(error, error_size,
				    "--wait: '%s' is not a number of seconds from 0 to %g",
				    argument, WAIT_LIMIT_SECONDS);
		return 0;
	case OPTION_JSON:
		options->json = true;
		return 0;
	case OPTION_BATCH:
		options->batch = true;
		return 0;
	case OPTION_ITERATIONS:
		if (parse_unsigned(argument, ITERATIONS_LIMIT, &number) || number == 0)
			return fail(error, error_size,
				    "%s: '%s' is not a number of frames from 1 to %d", spelled,
				    argument, ITERATIONS_LIMIT);
		options->iterations = (size_t)number;
		return 0;
	case OPTION_CGROUP:
		if (argument[0] != '/')
			return fail(
				error, error_size,
				"--cgroup: '%s' is not a cgroup path (absolute, as in /proc/PID/cgroup, "
				"or under /sys/fs/cgroup)",
				argument);
		if (options->cgroup_count == MW_FILTER_CGROUPS_MAX)
			return fail(error, error_size, "--cgroup: at most %d cgroups",
				    MW_FILTER_CGROUPS_MAX);
		options->cgroups[options->cgroup_count++] = argument;
		return 0;
	case OPTION_RING_BUFFER_SIZE:
		if (parse_size(argument, RING_BUFFER_MAX_BYTES, &number) ||
		    number < RING_BUFFER_MIN_BYTES || (number & (number - 1)))
			return fail(error, error_size,
				    "--ring-buffer-size: '%s' is not a power of two from 4K to 1G",
				    argument);
		options->ring_buffer_bytes = (uint32_t)number;
		return 0;
	case OPTION_MAX_INODES:
		if (parse_size(argument, MAX_INODES_LIMIT, &number) || number < 16)
			return fail(error, error_size,
				    "--max-inodes: '%s' is not a count from 16 to 16M", argument);
		options->max_inodes = (uint32_t)number;
		return 0;
	case OPTION_CHECK:
		options->check = true;
		return 0;
	case OPTION_BY_FILE:
		options->by_file = true;
		return 0;
	case OPTION_VERBOSE:
		options->verbosity++;
		return 0;
	case OPTION_HELP:
		options->help = true;
		return 0;
	case OPTION_VERSION:
		options->version = true;
		return 0;
	default:
		return fail(error, error_size, "unknown option");
	}
}

int options__parse(struct mw_options *options, int argc, char **argv, char *error,
		   size_t error_size)
{
	int first = 1, id, err;

	memset(options, 0, sizeof(*options));
	error[0] = '\0';
	if (argc < 2)
		return fail(
			error, error_size,
			"no command given: use agent, top, scan, trace or release (see mapwatch --help)");

	if (argv[1][0] != '-') {
		options->command = command_from_name(argv[1]);
		if (options->command == MW_COMMAND_NONE)
			return fail(error, error_size,
				    "unknown command '%s': use agent, top, scan, trace or release",
				    argv[1]);
		options->interval_seconds = commands[options->command].default_interval;
		options->top = commands[options->command].default_top;
		options->ranges = commands[options->command].default_ranges;
		options->wait_seconds = WAIT_DEFAULT_SECONDS;
		first = 2;
	}

	/* getopt_long permutes argv and keeps state; parse a private copy from the start. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int index = -1;
		const char *spelled;
		int bit;

		id = getopt_long(argc - first + 1, argv + first - 1, ":p:c:i:vhbn:", long_options,
				 &index);
		if (id == -1)
			break;
		spelled = index >= 0 ? long_options[index].name : NULL;
		if (id == '?')
			return fail(error, error_size, "unknown option '%s'",
				    argv[first - 1 + optind - 1]);
		if (id == ':')
			return fail(error, error_size, "option '%s' needs a value",
				    argv[first - 1 + optind - 1]);
		char long_name[64];

		/* as typed: argv holds the value, not the option, after "-n 2" */
		if (spelled)
			snprintf(long_name, sizeof(long_name), "--%s", spelled);
		else
			snprintf(long_name, sizeof(long_name), "-%c", id);
		bit = option_bit(id);
		if (bit >= 0 && (options->command == MW_COMMAND_NONE ||
				 !(commands[options->command].allowed & (1u << bit)))) {
			if (options->command == MW_COMMAND_NONE)
				return fail(
					error, error_size,
					"option '%s' needs a command before it (agent, top, scan, trace or release)",
					long_name);
			return fail(error, error_size, "'%s' does not take option '%s'",
				    commands[options->command].name, long_name);
		}
		err = parse_one(options, id, optarg, long_name, error, error_size);
		if (err)
			return err;
	}
	if (first - 1 + optind < argc)
		return fail(error, error_size, "unexpected argument '%s'",
			    argv[first - 1 + optind]);
	if (options->command == MW_COMMAND_NONE && !options->help && !options->version)
		return fail(
			error, error_size,
			"no command given: use agent, top, scan, trace or release (see mapwatch --help)");
	if (options->command == MW_COMMAND_RELEASE && options->pid_count != 1 && !options->help)
		return fail(error, error_size,
			    "release needs exactly one --pid: the JVM to collect");
	if (options->by_file && options->json)
		return fail(error, error_size,
			    "--by-file prints a table; with --json the snapshot's orphans carry "
			    "dev and ino to group by");
	if (options->textfile_path && options->snapshot_path &&
	    !strcmp(options->textfile_path, options->snapshot_path))
		return fail(error, error_size, "--textfile and --snapshot name the same file '%s'",
			    options->textfile_path);
	return 0;
}

bool options__process_matches(const struct mw_options *options, uint32_t pid, const char *comm)
{
	bool pid_ok = options->pid_count == 0, comm_ok = options->comm_count == 0;

	for (size_t i = 0; i < options->pid_count && !pid_ok; i++)
		pid_ok = options->pids[i] == pid;
	for (size_t i = 0; i < options->comm_count && !comm_ok; i++)
		comm_ok = !strncmp(options->comms[i], comm, MW_COMM_LEN);
	return pid_ok && comm_ok;
}

void options__print_usage(FILE *stream, enum mw_command command)
{
	static const char common[] =
		"  -p, --pid PID          only this process (repeatable)\n"
		"  -c, --comm NAME        only processes with this command name (repeatable)\n"
		"      --cgroup PATH      only processes in this cgroup v2 subtree (repeatable)\n"
		"  -v, --verbose          more detail on stderr (repeat for more)\n"
		"  -h, --help             this help\n";
	static const char kernel_sizes[] =
		"      --ring-buffer-size BYTES  kernel-to-agent ring buffer, a power of two\n"
		"                         (default 8M; K, M, G suffixes)\n"
		"      --max-inodes N     mapped files the kernel follows at once (default 128K)\n";

	switch (command) {
	case MW_COMMAND_AGENT:
		fprintf(stream,
			"usage: mapwatch agent [options]\n"
			"Follows every file mapping on the host from the kernel and writes, every interval,\n"
			"the Prometheus textfile and the JSON snapshot, until SIGINT or SIGTERM.\n\n"
			"  -i, --interval SECONDS export interval, fractions allowed (default 15)\n"
			"      --textfile PATH    Prometheus textfile to write atomically (default\n"
			"                         /var/lib/prometheus/node-exporter/mapwatch.prom when\n"
			"                         that directory exists, else mapwatch.prom here)\n"
			"      --snapshot PATH    JSON snapshot to write atomically\n"
			"      --top N            cap on per-process and per-container series, 0 for none\n"
			"                         (default 50)\n"
			"      --ranges N         orphaned mappings the snapshot lists per process, the\n"
			"                         rest counted; 0 lists all (default 1000)\n"
			"      --listen ADDR:PORT also serve the textfile's metrics over HTTP at /metrics\n"
			"                         (off by default; e.g. 127.0.0.1:9437, [::1]:9437)\n"
			"%s%s",
			kernel_sizes, common);
		return;
	case MW_COMMAND_TOP:
		fprintf(stream,
			"usage: mapwatch top [options]\n"
			"Interactive view of processes by orphaned mappings and map counts.\n\n"
			"  -i, --interval SECONDS refresh interval (default 1)\n"
			"      --top N            show at most N processes, 0 for all (default 0)\n"
			"  -b, --batch            plain-text frames on stdout, $COLUMNS or 80 wide (like top -b)\n"
			"  -n, --iterations N     stop after N frames\n"
			"%s%s\n"
			"keys: s or < > sort by another column, R reverse, Up Down PgUp PgDn Home End\n"
			"select, / filter by name, Enter orphaned files of the selection, f every\n"
			"orphaned file across processes with the disk space it holds, Esc back,\n"
			"Space pause, d set the refresh interval (+ - double or halve it), q quit\n",
			kernel_sizes, common);
		return;
	case MW_COMMAND_SCAN:
		fprintf(stream,
			"usage: mapwatch scan [options]\n"
			"One-shot walk of /proc, no BPF: orphaned mappings and map counts now.\n\n"
			"      --json             print the JSON snapshot instead of a table\n"
			"      --snapshot PATH    also write the JSON snapshot atomically\n"
			"      --textfile PATH    also write the Prometheus textfile atomically\n"
			"      --top N            cap on per-process and per-container series, 0 for none\n"
			"                         (default 50)\n"
			"      --check            exit 3 when an orphaned mapping is found (cron, Nagios)\n"
			"      --by-file          one line per orphaned file, across processes\n"
			"      --ranges N         orphaned mappings listed per process, the rest\n"
			"                         counted; 0 lists all (default 0)\n"
			"%s\n"
			"exit status: 0 it ran (whatever it found, without --check), 3 --check found an\n"
			"orphaned mapping, 1 a failure (a --pid that names no process too), 2 bad usage\n",
			common);
		return;
	case MW_COMMAND_TRACE:
		fprintf(stream,
			"usage: mapwatch trace [options]\n"
			"Streams decoded kernel events, one per line, until SIGINT or SIGTERM.\n\n"
			"      --json             JSON lines instead of text\n"
			"%s%s",
			kernel_sizes, common);
		return;
	case MW_COMMAND_RELEASE:
		fprintf(stream,
			"usage: mapwatch release --pid PID\n"
			"Asks a JVM for a garbage collection (jcmd GC.run, through HotSpot's attach\n"
			"mechanism, also in a container), so the MappedByteBuffers of deleted files it no\n"
			"longer uses are unmapped, and reports its orphaned files before and after.\n"
			"Refuses any process that is not a JVM (maps no libjvm.so) and touches nothing else.\n\n"
			"cost: the JVM's flags (VM.flags) decide, and are told before acting. By default a\n"
			"stop-the-world full collection: every application thread stops for as long as\n"
			"it takes (seconds on a large heap). With G1 and -XX:+ExplicitGCInvokesConcurrent\n"
			"(Kafka's start script sets it) a concurrent cycle with short pauses; ZGC and\n"
			"Shenandoah collect concurrently; Epsilon never collects. -XX:+DisableExplicitGC\n"
			"turns off System.gc() only: GC.run still collects.\n\n"
			"  -p, --pid PID          the JVM\n"
			"      --wait SECONDS     how long to watch its orphans go after the GC, while\n"
			"                         the JVM's Cleaner unmaps (default 10)\n"
			"  -v, --verbose          more detail on stderr\n"
			"  -h, --help             this help\n\n"
			"exit status: 0 it holds no orphaned file afterwards, 3 some remain (nothing or\n"
			"not all freed: a GC cannot free what is still referenced), 4 not a JVM (nothing\n"
			"done), 1 a failure (no such process, the JVM did not answer), 2 bad usage\n");
		return;
	default:
		fprintf(stream,
			"usage: mapwatch COMMAND [options]\n"
			"Catches memory mappings that pin deleted files, the resize remaps that leak them,\n"
			"and processes heading for vm.max_map_count.\n\n"
			"commands:\n"
			"  agent    host agent: BPF tracing, Prometheus textfile and JSON snapshot\n"
			"  top      interactive top-like view\n"
			"  scan     one-shot /proc walk, no BPF\n"
			"  trace    stream decoded kernel events\n"
			"  release  ask a JVM for a GC that unmaps the deleted files it dropped\n\n"
			"  --version              print the version\n"
			"  --help                 this help; 'mapwatch COMMAND --help' for a command\n");
	}
}
