// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process_util.h"
#include "store_runner.h"
#include "test_deadline.h"

#define REPORT_TIMEOUT_MS 120000
#define ROLLS "10"

/* Reads one line from @fd within @timeout_ms; the line keeps no newline. */
static void read_line(struct store_runner *store, char *line, size_t size, int timeout_ms)
{
	struct pollfd pollfd = { .fd = store->report_fd, .events = POLLIN };
	size_t used = 0;
	char text[4096];

	for (;;) {
		ssize_t got;

		cr_assert_lt(used, size - 1, "idxstore printed a line longer than %zu bytes", size);
		if (poll(&pollfd, 1, timeout_ms) <= 0) {
			process__read_text(store->stderr_path, text, sizeof(text));
			cr_assert_fail("idxstore printed no report within %d ms; its stderr:\n%s",
				       timeout_ms, text);
		}
		got = read(store->report_fd, line + used, 1);
		if (got <= 0) {
			process__read_text(store->stderr_path, text, sizeof(text));
			cr_assert_fail(
				"idxstore closed its output before a report; its stderr:\n%s",
				text);
		}
		if (line[used] == '\n')
			break;
		used++;
	}
	line[used] = '\0';
}

json_t *store_runner__run_and_hold(struct store_runner *store, const char *policy)
{
	char data_dir[sizeof(store->dir) + 8];
	char *argv[] = { IDXSTORE_BINARY,
			 "run",
			 "--dir",
			 data_dir,
			 "--policy",
			 (char *)policy,
			 "--partitions",
			 "2",
			 "--segment-bytes",
			 "65536",
			 "--index-interval",
			 "512",
			 "--index-max-bytes",
			 "65536",
			 "--retention-segments",
			 "2",
			 "--file-delete-delay",
			 "0",
			 "--readers",
			 "2",
			 "--rolls",
			 ROLLS,
			 "--collect-delay",
			 "never",
			 "--hold",
			 NULL };
	char line[8192];
	json_error_t error;
	json_t *report;
	int pipe_fds[2];

	memset(store, 0, sizeof(*store));
	store->report_fd = -1;
	scratch__make_dir("mapwatch-e2e-store", store->dir, sizeof(store->dir));
	snprintf(data_dir, sizeof(data_dir), "%s/data", store->dir);
	cr_assert_eq(mkdir(data_dir, 0755), 0, "%s: %s", data_dir, strerror(errno));
	snprintf(store->stderr_path, sizeof(store->stderr_path), "%s/idxstore.stderr", store->dir);
	cr_assert_eq(pipe2(pipe_fds, O_CLOEXEC), 0, "pipe: %s", strerror(errno));
	store->pid = process__spawn(argv, pipe_fds[1], store->stderr_path);
	close(pipe_fds[1]);
	store->report_fd = pipe_fds[0];

	read_line(store, line, sizeof(line), REPORT_TIMEOUT_MS);
	report = json_loads(line, 0, &error);
	cr_assert_not_null(report, "idxstore's report is not JSON (%s): %s", error.text, line);
	cr_log_info("idxstore (%s) truth: %s", policy, line);
	cr_assert_eq(store_report__field(report, "pid"), store->pid,
		     "the report is of another process");
	cr_assert_str_eq(json_string_value(json_object_get(report, "policy")), policy);
	return report;
}

json_int_t store_report__field(json_t *report, const char *name)
{
	json_t *value = json_object_get(report, name);

	cr_assert(json_is_integer(value), "idxstore's report has no integer \"%s\"", name);
	return json_integer_value(value);
}

void store_runner__stop(struct store_runner *store)
{
	char text[4096];
	int status;

	if (store->pid > 0) {
		status = process__stop(store->pid, TEST_DEADLINE_SECONDS * 1000);
		store->pid = 0;
		process__read_text(store->stderr_path, text, sizeof(text));
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "idxstore did not exit cleanly on SIGTERM (status 0x%x); its stderr:\n%s",
			  status, text);
	}
	if (store->report_fd >= 0)
		close(store->report_fd);
	store->report_fd = -1;
	scratch__remove_tree(store->dir);
	store->dir[0] = '\0';
}
