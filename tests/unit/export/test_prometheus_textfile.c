// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The textfile as Prometheus tooling sees it: promtool's parser and linter,
 * node_exporter's textfile collector, and the samples a dashboard would read.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "prometheus_textfile.h"
#include "snapshot_fixture.h"

static struct mw_snapshot snapshot;

static void setup(void)
{
	snapshot_fixture__fill(&snapshot);
}

static void teardown(void)
{
	snapshot__clear(&snapshot);
	snapshot_fixture__remove_temp_dir();
}

TestSuite(prometheus_textfile, .init = setup, .fini = teardown);

static char *render(const struct mw_snapshot *from, size_t top)
{
	char *text = NULL;
	size_t length = 0;
	FILE *memory = open_memstream(&text, &length);

	cr_assert_eq(prometheus_textfile__write_stream(from, top, memory), 0);
	fclose(memory);
	return text;
}

static bool has_line(const char *text, const char *line)
{
	size_t length = strlen(line);

	for (const char *at = text; (at = strstr(at, line)); at += length)
		if ((at == text || at[-1] == '\n') && at[length] == '\n')
			return true;
	return false;
}

static size_t count_prefix(const char *text, const char *prefix)
{
	size_t count = 0, length = strlen(prefix);

	for (const char *line = text; *line;) {
		const char *next = strchr(line, '\n');

		if (strncmp(line, prefix, length) == 0)
			count++;
		if (!next)
			break;
		line = next + 1;
	}
	return count;
}

/*
 * deploy/reference.md ("Metrics") keeps these names; promtool's linter reserves the _count suffix
 * for histograms and summaries and says so. Anything else it says is a defect.
 */
static const char *const contract_lint_findings[] = {
	"mapwatch_max_map_count non-histogram and non-summary metrics should not have \"_count\" suffix",
	"mapwatch_process_map_count non-histogram and non-summary metrics should not have \"_count\" suffix",
};

Test(prometheus_textfile, promtool_accepts_it)
{
	char path[200], command[300], line[512];
	int status;
	FILE *output;

	snprintf(path, sizeof(path), "%s/mapwatch.prom", snapshot_fixture__temp_dir());
	cr_assert_eq(prometheus_textfile__write_path(&snapshot, 0, path), 0);
	snprintf(command, sizeof(command), "promtool check metrics < '%s' 2>&1", path);
	output = popen(command, "r");
	cr_assert_not_null(output);
	while (fgets(line, sizeof(line), output)) {
		bool known = false;

		line[strcspn(line, "\n")] = '\0';
		for (size_t i = 0; i < 2; i++)
			known |= strcmp(line, contract_lint_findings[i]) == 0;
		cr_expect(known, "promtool: %s", line);
	}
	status = pclose(output);
	cr_assert(WIFEXITED(status), "promtool did not run");
	/* 0: clean, 3: lint findings only (all checked above); anything else: did not parse */
	cr_assert(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3,
		  "promtool check metrics exited %d", WEXITSTATUS(status));
}

Test(prometheus_textfile, every_family_has_help_and_type)
{
	static const char *const families[][2] = {
		{ "mapwatch_orphaned_mappings", "gauge" },
		{ "mapwatch_orphaned_bytes", "gauge" },
		{ "mapwatch_orphaned_files", "gauge" },
		{ "mapwatch_orphaned_files_size_bytes", "gauge" },
		{ "mapwatch_orphaned_files_disk_bytes", "gauge" },
		{ "mapwatch_orphaned_files_cached_bytes", "gauge" },
		{ "mapwatch_processes_with_orphans", "gauge" },
		{ "mapwatch_container_orphaned_files", "gauge" },
		{ "mapwatch_container_orphaned_files_cached_bytes", "gauge" },
		{ "mapwatch_process_orphaned_mappings", "gauge" },
		{ "mapwatch_process_orphaned_bytes", "gauge" },
		{ "mapwatch_process_oldest_orphan_age_seconds", "gauge" },
		{ "mapwatch_process_map_count", "gauge" },
		{ "mapwatch_process_map_count_ratio", "gauge" },
		{ "mapwatch_process_seconds_to_map_limit", "gauge" },
		{ "mapwatch_process_resize_remaps_total", "counter" },
		{ "mapwatch_process_stale_mappings", "gauge" },
		{ "mapwatch_process_orphaned_files", "gauge" },
		{ "mapwatch_process_orphaned_files_size_bytes", "gauge" },
		{ "mapwatch_process_orphaned_files_disk_bytes", "gauge" },
		{ "mapwatch_process_orphaned_files_cached_bytes", "gauge" },
		{ "mapwatch_process_cgroup_info", "gauge" },
		{ "mapwatch_max_map_count", "gauge" },
		{ "mapwatch_unlink_to_unmap_seconds", "histogram" },
		{ "mapwatch_events_total", "counter" },
		{ "mapwatch_events_lost_total", "counter" },
		{ "mapwatch_reconcile_corrections_total", "counter" },
		{ "mapwatch_kernel_table_full_total", "counter" },
		{ "mapwatch_tracked_mappings", "gauge" },
		{ "mapwatch_last_update_timestamp_seconds", "gauge" },
	};
	char *text = render(&snapshot, 0);
	char expected[200];

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(expected, sizeof(expected), "# TYPE %s %s", families[i][0],
			 families[i][1]);
		cr_assert(has_line(text, expected), "missing: %s", expected);
		snprintf(expected, sizeof(expected), "# HELP %s ", families[i][0]);
		cr_assert_eq(count_prefix(text, expected), 1, "HELP of %s", families[i][0]);
	}
	cr_assert_eq(count_prefix(text, "# TYPE "), sizeof(families) / sizeof(families[0]));
	free(text);
}

Test(prometheus_textfile, values_a_dashboard_reads)
{
	char *text = render(&snapshot, 0);

	cr_assert(has_line(text, "mapwatch_orphaned_mappings 2"));
	cr_assert(has_line(text, "mapwatch_orphaned_bytes 20971520"));
	cr_assert(has_line(
		text,
		"mapwatch_process_orphaned_bytes{pid=\"4242\",comm=\"java\",container=\"" JAVA_CONTAINER
		"\"} "
		"20971520"));
	cr_assert(has_line(text, "mapwatch_process_oldest_orphan_age_seconds{pid=\"4242\","
				 "comm=\"java\",container=\"" JAVA_CONTAINER "\"} 12.5"));
	cr_assert(has_line(
		text,
		"mapwatch_process_map_count{pid=\"4242\",comm=\"java\",container=\"" JAVA_CONTAINER
		"\"} 812"));
	cr_assert(has_line(text, "mapwatch_process_resize_remaps_total{pid=\"4242\","
				 "comm=\"java\",container=\"" JAVA_CONTAINER "\"} 7"));
	cr_assert(has_line(
		text,
		"mapwatch_process_stale_mappings{pid=\"4242\",comm=\"java\",container=\"" JAVA_CONTAINER
		"\"} 1"));
	cr_assert(has_line(text, "mapwatch_max_map_count 65530"));
	cr_assert(has_line(text, "mapwatch_tracked_mappings 150"));
	cr_assert(has_line(text, "mapwatch_last_update_timestamp_seconds 1764050000.25"));
	cr_assert(has_line(text, "mapwatch_events_lost_total 5"));
	cr_assert(has_line(text, "mapwatch_reconcile_corrections_total 2"));
	cr_assert(has_line(text, "mapwatch_kernel_table_full_total 3"));
	/* no client-side timestamps: every sample line has exactly one space before the value */
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n'), *space;

		if (line[0] != '#') {
			space = memchr(line, ' ', end - line);
			/* label values may hold spaces; the value follows the closing brace */
			if (memchr(line, '}', end - line))
				space = strchr(memchr(line, '}', end - line), ' ');
			cr_assert_null(memchr(space + 1, ' ', end - space - 1), "%.*s",
				       (int)(end - line), line);
		}
		line = end + 1;
	}
	free(text);
}

Test(prometheus_textfile, map_count_ratio_and_time_to_limit)
{
	char *text = render(&snapshot, 0);

	cr_assert(has_line(text, "mapwatch_process_map_count_ratio{pid=\"1\",comm=\"init\"} "
				 "0.000610407446970853"));
	/* past the limit it stays at 1 */
	cr_assert(has_line(text, "mapwatch_process_map_count_ratio{pid=\"77\",comm=\"we\\\"ird\\\\"
				 "\xef\xbf\xbd\"} 1"));
	/* only the growing process has a time to the limit */
	cr_assert_eq(count_prefix(text, "mapwatch_process_seconds_to_map_limit{"), 1);
	cr_assert(has_line(text, "mapwatch_process_seconds_to_map_limit{pid=\"4242\","
				 "comm=\"java\",container=\"" JAVA_CONTAINER "\"} 3600.5"));
	/* only processes with an orphan of known age have an age */
	cr_assert_eq(count_prefix(text, "mapwatch_process_oldest_orphan_age_seconds{"), 1);
	free(text);
}

/* Each deleted file once, and where each process runs; a container label only where known. */
Test(prometheus_textfile, files_disk_space_and_containers)
{
	char *text = render(&snapshot, 0);

	cr_assert(has_line(text, "mapwatch_orphaned_files 2"));
	cr_assert(has_line(text, "mapwatch_orphaned_files_size_bytes 10493952"));
	cr_assert(has_line(text, "mapwatch_orphaned_files_disk_bytes 10489856"));
	cr_assert(has_line(text, "mapwatch_process_orphaned_files{pid=\"4242\",comm=\"java\","
				 "container=\"" JAVA_CONTAINER "\"} 2"));
	cr_assert(has_line(text, "mapwatch_process_orphaned_files_disk_bytes{pid=\"4242\","
				 "comm=\"java\",container=\"" JAVA_CONTAINER "\"} 10489856"));
	cr_assert(has_line(text, "mapwatch_process_orphaned_files{pid=\"1\",comm=\"init\"} 0"));
	/* the path only on the info series, escaped; none for a process of unknown cgroup */
	cr_assert(has_line(
		text,
		"mapwatch_process_cgroup_info{pid=\"4242\",comm=\"java\",container=\"" JAVA_CONTAINER
		"\",cgroup=\"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		"8d2f6c8e_3b1a_4c2d_9e5f_0a1b2c3d4e5f.slice/cri-containerd-" JAVA_CONTAINER
		".scope\",pod_uid=\"8d2f6c8e-3b1a-4c2d-9e5f-0a1b2c3d4e5f\"} 1"));
	cr_assert(has_line(text,
			   "mapwatch_process_cgroup_info{pid=\"77\",comm=\"we\\\"ird\\\\"
			   "\xef\xbf\xbd\",cgroup=\"/system.slice/we\\\"ird\\\\.service\"} 1"));
	cr_assert_eq(count_prefix(text, "mapwatch_process_cgroup_info{"), 2);
	cr_assert_null(strstr(text, "pid=\"1\",comm=\"init\",container"));
	free(text);
	/* capped by --top like every per-process series */
	text = render(&snapshot, 1);
	cr_assert_eq(count_prefix(text, "mapwatch_process_cgroup_info{"), 1);
	free(text);
}

/* Per container under --top, the most page cache first; per cause, every cause. */
Test(prometheus_textfile, containers_under_top_and_processes_per_cause)
{
	struct mw_container_report containers[2] = {
		{ .container = { .id = "aaaa0000aaaa" },
		  .orphaned_files = 2,
		  .orphaned_files_cached_bytes = 8192 },
		{ .container = { .id = "bbbb0000bbbb" }, .orphaned_files = 1 },
	};
	struct mw_container_report *fixture = snapshot.containers;
	size_t fixture_count = snapshot.container_count;
	char *text;

	snapshot.containers = containers;
	snapshot.container_count = 2;
	snapshot.processes[0].cause = MW_LEAK_CAUSE_KAFKA_INDEX_RESIZE;
	text = render(&snapshot, 0);
	cr_assert(has_line(
		text,
		"mapwatch_container_orphaned_files_cached_bytes{container=\"aaaa0000aaaa\"} 8192"));
	cr_assert(has_line(
		text,
		"mapwatch_container_orphaned_files_cached_bytes{container=\"bbbb0000bbbb\"} 0"));
	cr_assert(
		has_line(text, "mapwatch_container_orphaned_files{container=\"aaaa0000aaaa\"} 2"));
	/* java is the one process with orphaned mappings; odd has remaps only */
	cr_assert(
		has_line(text, "mapwatch_processes_with_orphans{cause=\"kafka_index_resize\"} 1"));
	cr_assert(has_line(text, "mapwatch_processes_with_orphans{cause=\"none\"} 0"));
	cr_assert_eq(count_prefix(text, "mapwatch_processes_with_orphans{"), MW_LEAK_CAUSE_COUNT);
	free(text);
	text = render(&snapshot, 1);
	cr_assert_eq(count_prefix(text, "mapwatch_container_orphaned_files_cached_bytes{"), 1);
	cr_assert(has_line(
		text,
		"mapwatch_container_orphaned_files_cached_bytes{container=\"aaaa0000aaaa\"} 8192"));
	free(text);
	snapshot.containers = fixture;
	snapshot.container_count = fixture_count;
}

Test(prometheus_textfile, label_values_are_escaped_and_utf8)
{
	char *text = render(&snapshot, 0);

	cr_assert(has_line(text, "mapwatch_process_map_count{pid=\"77\",comm=\"we\\\"ird\\\\"
				 "\xef\xbf\xbd\"} 131060"),
		  "%s", text);
	free(text);
}

Test(prometheus_textfile, histogram_is_cumulative_with_inf_sum_count)
{
	char *text = render(&snapshot, 0);

	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_bucket{le=\"0.01\"} 1"));
	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_bucket{le=\"1\"} 1"));
	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_bucket{le=\"10\"} 3"));
	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_bucket{le=\"86400\"} 3"));
	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_bucket{le=\"+Inf\"} 4"));
	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_sum 1000011.005"));
	cr_assert(has_line(text, "mapwatch_unlink_to_unmap_seconds_count 4"));
	cr_assert_eq(count_prefix(text, "mapwatch_unlink_to_unmap_seconds_bucket{"),
		     MW_DURATION_BUCKETS + 1);
	free(text);
}

/* The range: a fixed resize unmaps within milliseconds, a leaked one lives for hours. */
Test(prometheus_textfile, histogram_buckets_span_ten_milliseconds_to_a_day)
{
	static const char prefix[] = "mapwatch_unlink_to_unmap_seconds_bucket{le=\"";
	char *text = render(&snapshot, 0);
	double previous = 0, first = 0, last = 0;
	size_t finite = 0;

	for (const char *at = text; (at = strstr(at, prefix)); at++) {
		const char *bound = at + strlen(prefix);
		char *end;
		double value;

		if (!strncmp(bound, "+Inf\"", 5))
			continue;
		value = strtod(bound, &end);
		cr_assert_eq(*end, '"', "bad bound in: %.60s", at);
		cr_assert_gt(value, previous, "bounds out of order at %g", value);
		if (finite++ == 0)
			first = value;
		previous = last = value;
	}
	cr_assert_eq(finite, MW_DURATION_BUCKETS);
	cr_assert_float_eq(first, 0.01, 1e-12);
	cr_assert_float_eq(last, 86400, 1e-9);
	free(text);
}

Test(prometheus_textfile, events_total_for_every_type)
{
	static const char *const types[] = { "mmap",	 "munmap", "mremap", "mprotect",
					     "truncate", "unlink", "rename", "check",
					     "fork",	 "exec",   "exit",   "range" };
	char *text = render(&snapshot, 0), line[128];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(line, sizeof(line), "mapwatch_events_total{type=\"%s\"} %zu", types[i],
			 (i + 1) * 10);
		cr_assert(has_line(text, line), "missing %s", line);
	}
	cr_assert_eq(count_prefix(text, "mapwatch_events_total{"), MW_EVENT_TYPE_COUNT - 1);
	free(text);
}

Test(prometheus_textfile, top_caps_process_series_not_host_totals)
{
	char *text = render(&snapshot, 1);

	cr_assert_eq(count_prefix(text, "mapwatch_process_map_count{"), 1);
	cr_assert_eq(count_prefix(text, "mapwatch_process_orphaned_bytes{pid=\"4242\""), 1);
	cr_assert_null(strstr(text, "pid=\"77\""));
	cr_assert_null(strstr(text, "pid=\"1\""));
	cr_assert(has_line(text, "mapwatch_orphaned_mappings 2"));
	free(text);
	text = render(&snapshot, 0);
	cr_assert_eq(count_prefix(text, "mapwatch_process_map_count{"), 3);
	free(text);
}

Test(prometheus_textfile, scan_has_no_agent_counters)
{
	char *text;

	snapshot.has_agent_counters = false;
	text = render(&snapshot, 0);
	cr_assert_null(strstr(text, "mapwatch_events_total"));
	cr_assert_null(strstr(text, "mapwatch_unlink_to_unmap_seconds"));
	cr_assert(has_line(text, "mapwatch_orphaned_mappings 2"));
	free(text);
}

/* A free localhost port: bind to 0, read it back, release it. */
static int free_port(void)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	socklen_t length = sizeof(address);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&address, &length), 0);
	close(fd);
	return ntohs(address.sin_port);
}

/* GET /metrics; NULL until the server answers. */
static char *scrape(int port)
{
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port) };
	static const char request[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	char *body = NULL;
	size_t length = 0;
	char buffer[8192];
	ssize_t got;
	FILE *memory;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&address, sizeof(address))) {
		close(fd);
		return NULL;
	}
	cr_assert_eq(write(fd, request, sizeof(request) - 1), (ssize_t)sizeof(request) - 1);
	memory = open_memstream(&body, &length);
	while ((got = read(fd, buffer, sizeof(buffer))) > 0)
		fwrite(buffer, 1, got, memory);
	fclose(memory);
	close(fd);
	return body;
}

/* How long node_exporter is given to listen: well under a second on an idle machine. */
#define EXPORTER_DEADLINE_SECONDS 60

Test(prometheus_textfile, node_exporter_textfile_collector_accepts_it, .timeout = 90)
{
	char path[200], directory_flag[200], listen_flag[64], *body = NULL;
	const char *dir = snapshot_fixture__temp_dir();
	int port = free_port();
	pid_t exporter;

	snprintf(path, sizeof(path), "%s/mapwatch.prom", dir);
	cr_assert_eq(prometheus_textfile__write_path(&snapshot, 0, path), 0);
	snprintf(directory_flag, sizeof(directory_flag), "--collector.textfile.directory=%s", dir);
	snprintf(listen_flag, sizeof(listen_flag), "--web.listen-address=127.0.0.1:%d", port);
	exporter = fork();
	cr_assert_geq(exporter, 0);
	if (exporter == 0) {
		execlp("prometheus-node-exporter", "prometheus-node-exporter",
		       "--collector.disable-defaults", "--collector.textfile", directory_flag,
		       listen_flag, "--log.level=error", (char *)NULL);
		_exit(127);
	}
	for (time_t deadline = time(NULL) + EXPORTER_DEADLINE_SECONDS;
	     !body && time(NULL) < deadline;) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };
		int status = 0;

		cr_assert_eq(waitpid(exporter, &status, WNOHANG), 0,
			     "prometheus-node-exporter exited with status %d before answering",
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		body = scrape(port);
		if (!body)
			nanosleep(&pause, NULL);
	}
	kill(exporter, SIGTERM);
	waitpid(exporter, NULL, 0);
	cr_assert_not_null(body, "prometheus-node-exporter did not answer on port %d in %d s", port,
			   EXPORTER_DEADLINE_SECONDS);
	cr_assert_not_null(strstr(body, "\nnode_textfile_scrape_error 0\n"), "%s", body);
	cr_assert_not_null(strstr(body, "\nmapwatch_orphaned_bytes 2.097152e+07\n"), "%s", body);
	cr_assert_not_null(
		strstr(body, "mapwatch_process_map_count{comm=\"java\",container=\"" JAVA_CONTAINER
			     "\",pid=\"4242\"} 812"),
		"%s", body);
	/* a family whose series have a container label or not is one family to the collector */
	cr_assert_not_null(
		strstr(body,
		       "mapwatch_process_map_count{comm=\"init\",container=\"\",pid=\"1\"} 40"),
		"%s", body);
	free(body);
}
