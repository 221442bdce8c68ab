// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "options.h"

static int parse(struct mw_options *options, char *error, size_t size, int argc,
		 const char *const *argv)
{
	/* getopt permutes argv: hand it a writable copy. */
	char *copy[32];

	cr_assert_lt(argc, 32);
	for (int i = 0; i < argc; i++)
		copy[i] = (char *)argv[i];
	copy[argc] = NULL;
	return options__parse(options, argc, copy, error, size);
}

#define PARSE(options, error, ...)                                                          \
	({                                                                                  \
		const char *argv[] = { "mapwatch", __VA_ARGS__ };                           \
		parse(options, error, sizeof(error), sizeof(argv) / sizeof(argv[0]), argv); \
	})

Test(options, agent_defaults)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "agent"), 0, "%s", error);
	cr_assert_eq(options.command, MW_COMMAND_AGENT);
	cr_assert_float_eq(options.interval_seconds, 15.0, 1e-9);
	cr_assert_eq(options.top, 50);
	cr_assert_null(options.textfile_path);
	cr_assert_eq(options.pid_count, 0);
	cr_assert_null(options.listen, "no HTTP server unless asked for");
}

Test(options, agent_everything)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "agent", "--pid", "42", "-p", "7", "--comm", "java",
			   "--comm=kafka", "--interval", "0.25", "--textfile", "/tmp/a.prom",
			   "--snapshot", "/tmp/s.json", "--top", "3", "-v", "-v"),
		     0, "%s", error);
	cr_assert_eq(options.pid_count, 2);
	cr_assert_eq(options.pids[0], 42);
	cr_assert_eq(options.pids[1], 7);
	cr_assert_eq(options.comm_count, 2);
	cr_assert_str_eq(options.comms[1], "kafka");
	cr_assert_float_eq(options.interval_seconds, 0.25, 1e-9);
	cr_assert_str_eq(options.textfile_path, "/tmp/a.prom");
	cr_assert_str_eq(options.snapshot_path, "/tmp/s.json");
	cr_assert_eq(options.top, 3);
	cr_assert_eq(options.verbosity, 2);
}

Test(options, top_batch_frames)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "top"), 0, "%s", error);
	cr_assert_not(options.batch);
	cr_assert_eq(options.iterations, 0);
	cr_assert_float_eq(options.interval_seconds, 1.0, 1e-9);
	cr_assert_eq(PARSE(&options, error, "top", "--batch", "-n", "3", "-i", "0.5"), 0, "%s",
		     error);
	cr_assert(options.batch);
	cr_assert_eq(options.iterations, 3);
	cr_assert_float_eq(options.interval_seconds, 0.5, 1e-9);
	cr_assert_eq(PARSE(&options, error, "top", "-b", "--iterations=2"), 0, "%s", error);
	cr_assert(options.batch);
	cr_assert_eq(options.iterations, 2);
}

Test(options, filters_match)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "scan", "--pid", "42", "--comm", "java"), 0);
	cr_assert(options__process_matches(&options, 42, "java"));
	cr_assert_not(options__process_matches(&options, 43, "java"));
	cr_assert_not(options__process_matches(&options, 42, "javac"));
	cr_assert_eq(PARSE(&options, error, "scan"), 0);
	cr_assert(options__process_matches(&options, 1, "init"));
}

struct bad_case {
	const char *argv[6];
	int argc;
	const char *message_part;
};

Test(options, bad_values_get_one_clear_line)
{
	static const struct bad_case cases[] = {
		{ { "mapwatch" }, 1, "no command" },
		{ { "mapwatch", "frobnicate" }, 2, "unknown command 'frobnicate'" },
		{ { "mapwatch", "agent", "--interval", "0" }, 4, "--interval" },
		{ { "mapwatch", "agent", "--interval", "-1" }, 4, "--interval" },
		{ { "mapwatch", "agent", "--interval", "nan" }, 4, "--interval" },
		{ { "mapwatch", "agent", "--interval", "1s" }, 4, "--interval" },
		{ { "mapwatch", "agent", "--interval", "1e9" }, 4, "--interval" },
		{ { "mapwatch", "agent", "--pid", "0" }, 4, "--pid" },
		{ { "mapwatch", "agent", "--pid", "-3" }, 4, "--pid" },
		{ { "mapwatch", "agent", "--pid", "12x" }, 4, "--pid" },
		{ { "mapwatch", "agent", "--pid", "99999999" }, 4, "--pid" },
		{ { "mapwatch", "agent", "--comm", "" }, 4, "--comm" },
		{ { "mapwatch", "agent", "--comm", "a-name-longer-than-15" }, 4, "--comm" },
		{ { "mapwatch", "agent", "--top", "many" }, 4, "--top" },
		{ { "mapwatch", "agent", "--textfile", "" }, 4, "--textfile" },
		{ { "mapwatch", "agent", "--textfile", "/tmp/" }, 4, "directory" },
		{ { "mapwatch", "agent", "--json" }, 3, "'agent' does not take option '--json'" },
		{ { "mapwatch", "trace", "--textfile", "/tmp/x" }, 4, "does not take" },
		{ { "mapwatch", "agent", "--bogus" }, 3, "unknown option '--bogus'" },
		{ { "mapwatch", "agent", "--interval" }, 3, "needs a value" },
		{ { "mapwatch", "agent", "stray" }, 3, "unexpected argument 'stray'" },
		{ { "mapwatch", "--pid", "3" }, 3, "needs a command" },
		{ { "mapwatch", "agent", "--textfile", "/tmp/x", "--snapshot" },
		  5,
		  "needs a value" },
		{ { "mapwatch", "top", "-n", "0" }, 4, "-n: '0' is not a number of frames" },
		{ { "mapwatch", "top", "--iterations", "two" }, 4, "--iterations" },
		{ { "mapwatch", "agent", "--batch" }, 3, "'agent' does not take option '--batch'" },
		{ { "mapwatch", "scan", "-n", "2" }, 4, "'scan' does not take option '-n'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mw_options options;
		char error[256];

		cr_assert_eq(parse(&options, error, sizeof(error), cases[i].argc, cases[i].argv),
			     -EINVAL, "case %zu accepted", i);
		cr_assert_neq(strstr(error, cases[i].message_part), NULL,
			      "case %zu: '%s' lacks '%s'", i, error, cases[i].message_part);
		cr_assert_null(strchr(error, '\n'), "case %zu: more than one line", i);
	}
}

Test(options, too_many_filters)
{
	const char *argv[2 + 2 * (MW_FILTER_COMMS_MAX + 1)];
	struct mw_options options;
	char error[256];
	int argc = 0;

	argv[argc++] = "mapwatch";
	argv[argc++] = "trace";
	for (int i = 0; i <= MW_FILTER_COMMS_MAX; i++) {
		argv[argc++] = "--comm";
		argv[argc++] = "java";
	}
	cr_assert_eq(parse(&options, error, sizeof(error), argc, argv), -EINVAL);
	cr_assert_neq(strstr(error, "at most"), NULL, "%s", error);
}

Test(options, help_and_version_need_no_command)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "--help"), 0);
	cr_assert(options.help);
	cr_assert_eq(PARSE(&options, error, "--version"), 0);
	cr_assert(options.version);
	cr_assert_eq(PARSE(&options, error, "scan", "--help"), 0);
	cr_assert(options.help);
	cr_assert_eq(options.command, MW_COMMAND_SCAN);
}

Test(options, reparsing_starts_clean)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "agent", "--pid", "5"), 0);
	cr_assert_eq(PARSE(&options, error, "trace", "--json"), 0);
	cr_assert_eq(options.pid_count, 0);
	cr_assert(options.json);
}

/* A check for cron: --check and --by-file are scan's, and --by-file is a table only. */
Test(options, scan_check_and_by_file)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "scan", "--check", "--by-file"), 0, "%s", error);
	cr_assert(options.check);
	cr_assert(options.by_file);
	cr_assert_eq(PARSE(&options, error, "scan", "--by-file", "--json"), -EINVAL);
	cr_assert_not_null(strstr(error, "--by-file"), "%s", error);
	cr_assert_eq(PARSE(&options, error, "agent", "--check"), -EINVAL);
	cr_assert_str_eq(error, "'agent' does not take option '--check'");
}

Test(options, listen_is_the_agents_and_checked)
{
	struct mw_options options;
	char error[256];

	cr_assert_eq(PARSE(&options, error, "agent", "--listen", "[::1]:9437"), 0, "%s", error);
	cr_assert_str_eq(options.listen, "[::1]:9437");
	cr_assert_eq(PARSE(&options, error, "agent", "--listen", "localhost:9437"), -EINVAL);
	cr_assert(strstr(error, "--listen: 'localhost:9437'"), "%s", error);
	for (int command = MW_COMMAND_TOP; command <= MW_COMMAND_TRACE; command++) {
		cr_assert_eq(PARSE(&options, error, options__command_name(command), "--listen",
				   "127.0.0.1:9437"),
			     -EINVAL, "%s took --listen", options__command_name(command));
		cr_assert(strstr(error, "does not take option '--listen'"), "%s", error);
	}
}
