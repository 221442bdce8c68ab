// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's textfile as Prometheus meets it: a real node_exporter serves it
 * over HTTP with the numbers of the agent's JSON snapshot, and the time to the
 * map limit is there only for a process whose map count grows.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_harness.h"
#include "scenario.h"
#include "test_deadline.h"
#include "truth_check.h"

#define NODE_EXPORTER "/usr/bin/prometheus-node-exporter"
#define GROWTH_VMAS 400
/* the tracker needs samples a second apart before it names a rate */
#define GROWTH_PAUSE_MS 1200

/* anonymous mmaps per growth step of the stop test, and the steps */
#define ANONYMOUS_PER_STEP 100
#define ANONYMOUS_STEPS 4
#define ANONYMOUS_STEP_PAUSE_MS 400

enum {
	STEP_ORPHANS_AND_STALE,
	STEP_GROW,
	STEP_GROW_ANONYMOUS,
	STEP_SHRINK_ANONYMOUS,
	STEP_SPARSE_TWICE,
};

/* the sparse file of STEP_SPARSE_TWICE: this long, this much of it written */
#define SPARSE_BYTES (1u << 20)
#define SPARSE_WRITTEN (64u << 10)

struct exported {
	char dir[PATH_MAX];
	size_t page;
	/* the child's anonymous mmaps, one page each */
	void *anonymous[ANONYMOUS_PER_STEP * ANONYMOUS_STEPS];
	size_t anonymous_count;
};

/* One sample of the text format: labels kept as name="value" pairs, unescaped. */
struct sample {
	char name[128];
	char labels[8][2][256];
	size_t label_count;
	double value;
};

struct samples {
	struct sample *items;
	size_t count;
};

static int map_unlinked(const char *dir, const char *name, size_t size)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = scenario__create_file(path, size);
	if (fd < 0)
		return fd;
	if (!scenario__map_file(fd, size, 0) || unlink(path)) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

/* Two orphans of 3 and 5 pages, and a mapping left past the end of a truncated file. */
static int orphans_and_stale_step(struct exported *state)
{
	char path[PATH_MAX + 64];
	int err, fd;

	err = map_unlinked(state->dir, "00000000000000000000.index", 3 * state->page);
	if (!err)
		err = map_unlinked(state->dir, "00000000000000000000.timeindex", 5 * state->page);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/00000000000000000000.log", state->dir);
	fd = scenario__create_file(path, 4 * state->page);
	if (fd < 0)
		return fd;
	if (!scenario__map_file(fd, 4 * state->page, 0) || ftruncate(fd, 0)) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

/* GROWTH_VMAS more mappings: one reservation, every other page made inaccessible. */
static int grow_step(struct exported *state)
{
	char *area = mmap(NULL, 2 * GROWTH_VMAS * state->page, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED)
		return -errno;
	for (size_t i = 0; i < GROWTH_VMAS; i++)
		if (mprotect(area + (2 * i + 1) * state->page, state->page, PROT_NONE))
			return -errno;
	return 0;
}

/*
 * ANONYMOUS_PER_STEP more mappings, one mmap each: neighbours alternate
 * between read-only and read-write, so the kernel merges none of them.
 */
static int grow_anonymous_step(struct exported *state)
{
	for (size_t i = 0; i < ANONYMOUS_PER_STEP; i++) {
		int prot = state->anonymous_count % 2 ? PROT_READ | PROT_WRITE : PROT_READ;
		void *page = mmap(NULL, state->page, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (page == MAP_FAILED)
			return -errno;
		state->anonymous[state->anonymous_count++] = page;
	}
	return 0;
}

static int shrink_anonymous_step(struct exported *state)
{
	while (state->anonymous_count)
		if (munmap(state->anonymous[--state->anonymous_count], state->page))
			return -errno;
	return 0;
}

/*
 * A sparse file mapped twice, then deleted after the agent knows it: what it
 * holds on disk is only what a stat says. The value: st_blocks * 512.
 */
static int sparse_twice_step(struct exported *state, uint64_t *disk_bytes)
{
	char path[PATH_MAX + 64], chunk[4096];
	struct stat status;
	int fd;

	snprintf(path, sizeof(path), "%s/sparse.index", state->dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, SPARSE_BYTES))
		return -errno;
	memset(chunk, 'x', sizeof(chunk));
	for (size_t at = 0; at < SPARSE_WRITTEN; at += sizeof(chunk))
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)at) != (ssize_t)sizeof(chunk))
			return -errno;
	if (fsync(fd) || fstat(fd, &status))
		return -errno;
	*disk_bytes = (uint64_t)status.st_blocks * 512;
	if (!scenario__map_file(fd, SPARSE_BYTES, 0) || !scenario__map_file(fd, SPARSE_BYTES, 0))
		return -errno;
	close(fd);
	return unlink(path) ? -errno : 0;
}

static int exporter_steps(void *state, int step, uint64_t *value)
{
	switch (step) {
	case STEP_ORPHANS_AND_STALE:
		(void)value;
		return orphans_and_stale_step(state);
	case STEP_GROW:
		return grow_step(state);
	case STEP_GROW_ANONYMOUS:
		return grow_anonymous_step(state);
	case STEP_SHRINK_ANONYMOUS:
		return shrink_anonymous_step(state);
	case STEP_SPARSE_TWICE:
		return sparse_twice_step(state, value);
	}
	return -EINVAL;
}

static void setup(void)
{
	harness__require_agent();
}

TestSuite(agent_exporter, .init = setup);

static void start(struct exported *state, struct scenario *scenario)
{
	memset(state, 0, sizeof(*state));
	state->page = (size_t)sysconf(_SC_PAGESIZE);
	harness__make_dir(harness__work_dir(), state->dir, sizeof(state->dir));
	scenario__start(scenario, exporter_steps, state);
}

/* A label value as the text format escapes it: \\, \" and \n. */
static const char *parse_label_value(const char *at, char *out, size_t size)
{
	size_t used = 0;

	for (; *at && *at != '"'; at++) {
		char c = *at;

		if (c == '\\') {
			at++;
			c = *at == 'n' ? '\n' : *at;
			cr_assert(c, "a label value ends in a backslash");
		}
		cr_assert_lt(used + 1, size, "label value too long");
		out[used++] = c;
	}
	cr_assert_eq(*at, '"', "unterminated label value");
	out[used] = '\0';
	return at + 1;
}

static void parse_line(const char *line, struct sample *sample)
{
	size_t length = strcspn(line, "{ ");
	const char *at = line + length;
	char *end;

	memset(sample, 0, sizeof(*sample));
	cr_assert_lt(length, sizeof(sample->name), "%s", line);
	memcpy(sample->name, line, length);
	if (*at == '{') {
		at++;
		while (*at != '}') {
			char(*label)[256] = sample->labels[sample->label_count];
			size_t name_length = strcspn(at, "=");

			cr_assert_lt(sample->label_count, 8, "too many labels: %s", line);
			cr_assert(at[name_length] == '=' && at[name_length + 1] == '"', "%s", line);
			cr_assert_lt(name_length, 256);
			memcpy(label[0], at, name_length);
			label[0][name_length] = '\0';
			at = parse_label_value(at + name_length + 2, label[1], 256);
			sample->label_count++;
			if (*at == ',')
				at++;
		}
		at++;
	}
	cr_assert_eq(*at, ' ', "no value in: %s", line);
	sample->value = strtod(at + 1, &end);
	cr_assert(end != at + 1 && (*end == '\0' || *end == '\n'),
		  "a value then the end of the line (no timestamp): %s", line);
}

static void parse_text(const char *text, struct samples *samples)
{
	size_t capacity = 0;

	memset(samples, 0, sizeof(*samples));
	for (const char *line = text; *line;) {
		const char *next = strchr(line, '\n');
		size_t length = next ? (size_t)(next - line) : strlen(line);
		char copy[2048];

		if (length && line[0] != '#') {
			cr_assert_lt(length, sizeof(copy));
			memcpy(copy, line, length);
			copy[length] = '\0';
			if (samples->count == capacity) {
				capacity = capacity ? 2 * capacity : 256;
				samples->items =
					realloc(samples->items, capacity * sizeof(*samples->items));
				cr_assert_not_null(samples->items);
			}
			parse_line(copy, &samples->items[samples->count++]);
		}
		if (!next)
			break;
		line = next + 1;
	}
}

static const char *label(const struct sample *sample, const char *name)
{
	for (size_t i = 0; i < sample->label_count; i++)
		if (!strcmp(sample->labels[i][0], name))
			return sample->labels[i][1];
	return NULL;
}

/*
 * Same name and the same labels, in any order (node_exporter sorts them): @a
 * as written, @b as node_exporter serves it. node_exporter gives every
 * series of a family the same label names, filling the ones a series lacks
 * with "": a process in a container carries a container label, so the
 * others are served with container="". Those, and only those, may be extra.
 */
static bool same_series(const struct sample *a, const struct sample *b)
{
	if (strcmp(a->name, b->name))
		return false;
	for (size_t i = 0; i < a->label_count; i++) {
		const char *value = label(b, a->labels[i][0]);

		if (!value || strcmp(value, a->labels[i][1]))
			return false;
	}
	for (size_t i = 0; i < b->label_count; i++)
		if (!label(a, b->labels[i][0]) && b->labels[i][1][0])
			return false;
	return true;
}

/* The series @name, of process @pid (0: a host series without labels). */
static const struct sample *find(const struct samples *samples, const char *name, pid_t pid)
{
	char pid_text[16];

	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	for (size_t i = 0; i < samples->count; i++) {
		const struct sample *sample = &samples->items[i];
		const char *sample_pid = label(sample, "pid");

		if (strcmp(sample->name, name))
			continue;
		if (pid ? sample_pid && !strcmp(sample_pid, pid_text) : sample->label_count == 0)
			return sample;
	}
	return NULL;
}

static double value_of(const struct samples *samples, const char *name, pid_t pid)
{
	const struct sample *sample = find(samples, name, pid);

	cr_assert_not_null(sample, "no %s for pid %d", name, (int)pid);
	return sample->value;
}

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	FILE *memory;
	char buffer[8192];
	size_t got;

	cr_assert_not_null(file, "%s: %s", path, strerror(errno));
	memory = open_memstream(&text, &size);
	while ((got = fread(buffer, 1, sizeof(buffer), file)) > 0)
		fwrite(buffer, 1, got, memory);
	fclose(memory);
	fclose(file);
	return text;
}

/* A free port on 127.0.0.1: bind to 0, read it back, release it. */
static int free_port(void)
{
	struct sockaddr_in address = { .sin_family = AF_INET };
	socklen_t length = sizeof(address);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port;

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&address, &length), 0);
	port = ntohs(address.sin_port);
	close(fd);
	return port;
}

/* GET /metrics over HTTP/1.0; the body of a 200 answer, NULL while nobody listens. */
static char *http_get_metrics(int port)
{
	static const char request[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port) };
	char *answer = NULL, *body, buffer[8192];
	size_t length = 0;
	ssize_t got;
	FILE *memory;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/*
	 * A port found free may be taken by someone else's server before
	 * node_exporter binds it: a read that waits on that one ends, and the
	 * caller asks again, rather than hang the test.
	 */
	struct timeval patience = { .tv_sec = 10 };

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
	if (connect(fd, (struct sockaddr *)&address, sizeof(address))) {
		close(fd);
		return NULL;
	}
	cr_assert_eq(write(fd, request, sizeof(request) - 1), (ssize_t)sizeof(request) - 1);
	memory = open_memstream(&answer, &length);
	while ((got = read(fd, buffer, sizeof(buffer))) > 0)
		fwrite(buffer, 1, (size_t)got, memory);
	fclose(memory);
	close(fd);
	if (got < 0) {
		free(answer);
		return NULL;
	}
	cr_assert(!strncmp(answer, "HTTP/1.0 200", 12) || !strncmp(answer, "HTTP/1.1 200", 12),
		  "node_exporter answered: %.200s", answer);
	body = strstr(answer, "\r\n\r\n");
	cr_assert_not_null(body, "no end of headers in: %.200s", answer);
	body = strdup(body + 4);
	free(answer);
	return body;
}

/* node_exporter with only the textfile collector, reading the agent's directory. */
static char *scrape_node_exporter(const char *textfile_directory)
{
	char directory_flag[PATH_MAX + 64], listen_flag[64], *body = NULL;
	int port = free_port(), exit_status;
	pid_t exporter;

	snprintf(directory_flag, sizeof(directory_flag), "--collector.textfile.directory=%s",
		 textfile_directory);
	snprintf(listen_flag, sizeof(listen_flag), "--web.listen-address=127.0.0.1:%d", port);
	exporter = fork();
	cr_assert_geq(exporter, 0, "fork: %s", strerror(errno));
	if (exporter == 0) {
		execl(NODE_EXPORTER, NODE_EXPORTER, "--collector.disable-defaults",
		      "--collector.textfile", directory_flag, listen_flag, "--log.level=error",
		      (char *)NULL);
		_exit(127);
	}
	/* until it listens: it starts in well under a second on an idle machine */
	for (uint64_t deadline = harness__now_ns() + TEST_DEADLINE_NS;
	     !body && harness__now_ns() < deadline;) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };

		if (waitpid(exporter, &exit_status, WNOHANG) == exporter)
			cr_assert_fail("%s exited with status %d before answering (127: not "
				       "installed; Debian package prometheus-node-exporter)",
				       NODE_EXPORTER, WEXITSTATUS(exit_status));
		body = http_get_metrics(port);
		if (!body)
			nanosleep(&pause, NULL);
	}
	kill(exporter, SIGTERM);
	waitpid(exporter, NULL, 0);
	cr_assert_not_null(body, "%s did not answer on 127.0.0.1:%d in %d s", NODE_EXPORTER, port,
			   TEST_DEADLINE_SECONDS);
	return body;
}

static double json_number(json_t *object, const char *name)
{
	json_t *value = json_object_get(object, name);

	cr_assert(json_is_number(value), "no number %s in the snapshot", name);
	return json_number_value(value);
}

/* What node_exporter serves of each JSON process is what the snapshot says of it. */
static void expect_process_series(const struct samples *served, json_t *process)
{
	static const char *const series[][2] = {
		{ "mapwatch_process_orphaned_mappings", "orphaned_mappings" },
		{ "mapwatch_process_orphaned_bytes", "orphaned_bytes" },
		{ "mapwatch_process_map_count", "map_count" },
		{ "mapwatch_process_resize_remaps_total", "resize_remaps" },
		{ "mapwatch_process_stale_mappings", "stale_mappings" },
	};
	pid_t pid = (pid_t)json_integer_value(json_object_get(process, "pid"));
	const char *comm = json_string_value(json_object_get(process, "comm"));
	double oldest = -1;
	json_t *orphan;
	size_t index;
	bool unknown_age = false;

	for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
		const struct sample *sample = find(served, series[i][0], pid);

		cr_assert_not_null(sample, "node_exporter serves no %s for pid %d", series[i][0],
				   (int)pid);
		cr_assert_str_eq(label(sample, "comm"), comm, "comm of pid %d", (int)pid);
		cr_expect_eq(sample->value, json_number(process, series[i][1]),
			     "%s{pid=\"%d\"} is %.0f, the snapshot says %.0f", series[i][0],
			     (int)pid, sample->value, json_number(process, series[i][1]));
	}
	json_array_foreach(json_object_get(process, "orphans"), index, orphan)
	{
		json_t *age = json_object_get(orphan, "deleted_seconds_ago");

		if (json_is_number(age) && json_number_value(age) > oldest)
			oldest = json_number_value(age);
		unknown_age |= json_is_null(age);
	}
	/* the oldest known deletion age, when one is known */
	if (oldest >= 0)
		cr_expect_float_eq(
			value_of(served, "mapwatch_process_oldest_orphan_age_seconds", pid), oldest,
			1e-6 * (1 + oldest), "oldest orphan age of pid %d", (int)pid);
	else if (!unknown_age)
		cr_expect_null(find(served, "mapwatch_process_oldest_orphan_age_seconds", pid),
			       "pid %d has no orphan but an oldest orphan age", (int)pid);
}

Test(agent_exporter, node_exporter_serves_the_snapshots_numbers, .timeout = 300)
{
	struct exported state;
	struct scenario scenario;
	struct samples served, written;
	struct truth truth;
	json_t *snapshot, *entry, *process;
	double orphaned_mappings = 0, orphaned_bytes = 0;
	char *body, *text;
	size_t index;

	start(&state, &scenario);
	scenario__step(&scenario, STEP_ORPHANS_AND_STALE);
	snapshot = harness__fresh_snapshot();
	entry = truth__check(snapshot, scenario.pid, &truth);
	cr_assert_not_null(entry, "the scenario's orphans are not in the snapshot");

	body = scrape_node_exporter(harness__work_dir());
	parse_text(body, &served);
	cr_assert_eq(value_of(&served, "node_textfile_scrape_error", 0), 0,
		     "node_exporter could not read the textfile:\n%s", body);

	/* host totals: the JSON lists every process with an orphan, so they add up */
	json_array_foreach(json_object_get(snapshot, "processes"), index, process)
	{
		orphaned_mappings += json_number(process, "orphaned_mappings");
		orphaned_bytes += json_number(process, "orphaned_bytes");
		expect_process_series(&served, process);
	}
	cr_expect_eq(value_of(&served, "mapwatch_orphaned_mappings", 0), orphaned_mappings);
	cr_expect_eq(value_of(&served, "mapwatch_orphaned_bytes", 0), orphaned_bytes);
	cr_expect_eq(value_of(&served, "mapwatch_max_map_count", 0),
		     json_number(snapshot, "max_map_count"));
	cr_expect_float_eq(value_of(&served, "mapwatch_last_update_timestamp_seconds", 0),
			   json_number(snapshot, "timestamp"), 1e-3);

	/* the scenario's process, against /proc and against what it made */
	cr_expect_eq(value_of(&served, "mapwatch_process_orphaned_mappings", scenario.pid),
		     truth.summary.orphaned_mappings);
	cr_expect_eq(value_of(&served, "mapwatch_process_orphaned_bytes", scenario.pid),
		     truth.summary.orphaned_bytes);
	cr_expect_geq(truth.summary.orphaned_bytes, 8 * state.page);
	cr_expect_eq(value_of(&served, "mapwatch_process_stale_mappings", scenario.pid), 1);

	/* and node_exporter dropped nothing the agent wrote */
	text = read_file(harness__textfile_path());
	parse_text(text, &written);
	for (size_t i = 0; i < written.count; i++) {
		const struct sample *sample = &written.items[i];
		bool found = false;

		for (size_t j = 0; j < served.count && !found; j++)
			if (same_series(sample, &served.items[j])) {
				found = true;
				cr_expect_float_eq(served.items[j].value, sample->value,
						   1e-9 * (1 + fabs(sample->value)), "%s",
						   sample->name);
			}
		cr_expect(found, "node_exporter does not serve %s (%s=%s)", sample->name,
			  sample->label_count ? sample->labels[0][0] : "",
			  sample->label_count ? sample->labels[0][1] : "");
	}
	free(written.items);
	free(text);
	free(served.items);
	free(body);
	truth__free(&truth);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}

static struct samples read_textfile(char **text)
{
	struct samples samples;

	*text = read_file(harness__textfile_path());
	parse_text(*text, &samples);
	return samples;
}

Test(agent_exporter, seconds_to_map_limit_only_while_the_map_count_grows, .timeout = 300)
{
	struct exported grower_state, still_state;
	struct scenario grower, still;
	struct timespec pause = { GROWTH_PAUSE_MS / 1000, GROWTH_PAUSE_MS % 1000 * 1000000l };
	struct samples samples;
	uint64_t started_ns;
	double seconds, before, after, max_map_count, elapsed, estimate;
	json_t *snapshot;
	char *text;

	started_ns = harness__now_ns();
	start(&grower_state, &grower);
	start(&still_state, &still);
	json_decref(harness__fresh_snapshot());
	samples = read_textfile(&text);
	before = value_of(&samples, "mapwatch_process_map_count", grower.pid);
	free(samples.items);
	free(text);

	/* growing over more than a second, as a leaking broker does */
	scenario__step(&grower, STEP_GROW);
	nanosleep(&pause, NULL);
	scenario__step(&grower, STEP_GROW);
	snapshot = harness__fresh_snapshot();
	elapsed = (double)(harness__now_ns() - started_ns) / 1e9;

	samples = read_textfile(&text);
	/* both are in the textfile: --top 0 lists every process the agent knows */
	cr_assert_not_null(find(&samples, "mapwatch_process_map_count", still.pid));
	cr_expect_null(find(&samples, "mapwatch_process_seconds_to_map_limit", still.pid),
		       "a process whose map count did not change has a time to the limit");

	after = value_of(&samples, "mapwatch_process_map_count", grower.pid);
	cr_assert_geq(after - before, 2 * GROWTH_VMAS, "map count %g -> %g", before, after);
	max_map_count = value_of(&samples, "mapwatch_max_map_count", 0);
	seconds = value_of(&samples, "mapwatch_process_seconds_to_map_limit", grower.pid);
	/*
	 * It grew by after - before within the elapsed time, so its rate is at
	 * least that per elapsed second; half again is room for the fit.
	 */
	estimate = (max_map_count - after) / ((after - before) / elapsed);
	cr_expect(isfinite(seconds) && seconds > 0 && seconds <= 1.5 * estimate,
		  "seconds to the map limit %g, expected (0, %g]", seconds, 1.5 * estimate);

	free(samples.items);
	free(text);
	json_decref(snapshot);
	scenario__stop(&grower);
	scenario__stop(&still);
	harness__remove_tree(grower_state.dir);
	harness__remove_tree(still_state.dir);
}

static void sleep_ms(long ms)
{
	struct timespec pause = { ms / 1000, ms % 1000 * 1000000l };

	nanosleep(&pause, NULL);
}

/* The textfile of a fresh write: the process's map count and its time to the limit, if any. */
static bool forecast_now(pid_t pid, double *map_count, double *seconds)
{
	struct samples samples;
	const struct sample *forecast;
	char *text;

	json_decref(harness__fresh_snapshot());
	samples = read_textfile(&text);
	*map_count = value_of(&samples, "mapwatch_process_map_count", pid);
	forecast = find(&samples, "mapwatch_process_seconds_to_map_limit", pid);
	if (forecast)
		*seconds = forecast->value;
	free(samples.items);
	free(text);
	return forecast != NULL;
}

/*
 * How long a count must hold still before its forecast goes, plus half a
 * second: the tracker's stall time, ten mappings' time at the fitted rate and
 * at least a second. The rate is the room left over the forecast's seconds,
 * so a machine too busy to grow the count fast gets a longer pause.
 */
static long stall_pause_ms(double map_count, double seconds)
{
	struct samples samples;
	double max_map_count, stall = 1;
	char *text;

	samples = read_textfile(&text);
	max_map_count = value_of(&samples, "mapwatch_max_map_count", 0);
	free(samples.items);
	free(text);
	if (seconds > 0 && max_map_count > map_count &&
	    10 * seconds / (max_map_count - map_count) > stall)
		stall = 10 * seconds / (max_map_count - map_count);
	return (long)((stall + 0.5) * 1000);
}

/*
 * A process growing by anonymous mmaps, which send no record: only the
 * kernel's count, sampled at each write, shows the growth. The forecast is
 * there while it grows, and gone a second after it stopped, after it shrank,
 * and with the process.
 */
Test(agent_exporter, the_forecast_goes_when_growth_stops_shrinks_or_exits, .timeout = 300)
{
	struct exported state;
	struct scenario grower;
	double first, count, seconds = 0, stopped_count;
	bool growing = false;
	struct samples samples;
	char *text;

	start(&state, &grower);
	cr_assert_not(forecast_now(grower.pid, &first, &seconds),
		      "a process that did not grow has a time to the limit");
	for (int step = 0; step < ANONYMOUS_STEPS; step++) {
		scenario__step(&grower, STEP_GROW_ANONYMOUS);
		sleep_ms(ANONYMOUS_STEP_PAUSE_MS);
		growing = forecast_now(grower.pid, &count, &seconds);
	}
	/* the first page may merge with a neighbour the process already had, of the same kind */
	cr_assert_geq(count - first, ANONYMOUS_STEPS * ANONYMOUS_PER_STEP - 1, "map count %g -> %g",
		      first, count);
	cr_assert(growing, "no time to the limit while the map count grew from %g to %g", first,
		  count);
	cr_expect(isfinite(seconds) && seconds > 0, "seconds to the map limit %g", seconds);

	/* stopped: past the tracker's stall time without a rise, the forecast is gone */
	sleep_ms(stall_pause_ms(count, seconds));
	cr_expect_not(forecast_now(grower.pid, &stopped_count, &seconds),
		      "still %g s to the limit after growth stopped", seconds);
	cr_expect_eq(stopped_count, count);

	scenario__step(&grower, STEP_SHRINK_ANONYMOUS);
	cr_expect_not(forecast_now(grower.pid, &count, &seconds),
		      "%g s to the limit after the map count shrank", seconds);
	cr_expect_leq(count, first + 2, "map count %g after unmapping, %g before growth", count,
		      first);

	scenario__stop(&grower);
	json_decref(harness__fresh_snapshot());
	samples = read_textfile(&text);
	cr_expect_null(find(&samples, "mapwatch_process_map_count", grower.pid),
		       "an exited process is still in the textfile");
	cr_expect_null(find(&samples, "mapwatch_process_seconds_to_map_limit", grower.pid));
	free(samples.items);
	free(text);
	harness__remove_tree(state.dir);
}

/*
 * Two mappings of one deleted sparse file: address space twice, the file
 * once, and its disk space as the blocks a stat counts, not its size; the
 * textfile says what the snapshot says.
 */
/* @name of the process's snapshot entry, 0 when it is not listed. */
static double entry_number(json_t *snapshot, pid_t pid, const char *name)
{
	json_t *entry = harness__snapshot_process(snapshot, pid);

	return entry ? json_number(entry, name) : 0;
}

/*
 * Two mappings of one deleted sparse file: address space twice, the file
 * once, and its disk space as the blocks a stat counts, not its size; the
 * textfile says what the snapshot says. Measured as what the step added: the
 * child inherits the test runner's own deleted files.
 */
Test(agent_exporter, the_disk_space_of_a_deleted_file_counts_once, .timeout = 300)
{
	static const char *const fields[] = { "orphaned_mappings", "orphaned_bytes",
					      "orphaned_files", "orphaned_files_size_bytes",
					      "orphaned_files_disk_bytes" };
	double before[5], after[5], expected[5];
	struct exported state;
	struct scenario scenario;
	struct samples samples;
	json_t *snapshot;
	uint64_t disk_bytes;
	char *text;

	start(&state, &scenario);
	snapshot = harness__fresh_snapshot();
	for (size_t i = 0; i < 5; i++)
		before[i] = entry_number(snapshot, scenario.pid, fields[i]);
	json_decref(snapshot);
	disk_bytes = scenario__step(&scenario, STEP_SPARSE_TWICE);
	cr_assert_lt(disk_bytes, SPARSE_BYTES, "the file system made the file whole");
	expected[0] = 2;
	expected[1] = 2.0 * SPARSE_BYTES;
	expected[2] = 1;
	expected[3] = SPARSE_BYTES;
	expected[4] = (double)disk_bytes;
	snapshot = harness__fresh_snapshot();
	cr_assert_not_null(harness__snapshot_process(snapshot, scenario.pid),
			   "the process with two orphans is not in the snapshot");
	for (size_t i = 0; i < 5; i++) {
		after[i] = entry_number(snapshot, scenario.pid, fields[i]);
		cr_expect_eq(after[i] - before[i], expected[i], "%s: %.0f, then %.0f", fields[i],
			     before[i], after[i]);
	}
	cr_expect_geq(json_number(snapshot, "orphaned_files_disk_bytes"), (double)disk_bytes);

	samples = read_textfile(&text);
	cr_expect_eq(value_of(&samples, "mapwatch_process_orphaned_files", scenario.pid), after[2]);
	cr_expect_eq(value_of(&samples, "mapwatch_process_orphaned_files_disk_bytes", scenario.pid),
		     after[4]);
	cr_expect_eq(value_of(&samples, "mapwatch_orphaned_files_disk_bytes", 0),
		     json_number(snapshot, "orphaned_files_disk_bytes"));
	free(samples.items);
	free(text);
	json_decref(snapshot);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}

/* The process's orphaned mappings as the textfile says now: 0 when it has no series. */
static double textfile_orphans(pid_t pid)
{
	const struct sample *sample;
	struct samples samples;
	double value;
	char *text;

	samples = read_textfile(&text);
	sample = find(&samples, "mapwatch_process_orphaned_mappings", pid);
	value = sample ? sample->value : 0;
	free(samples.items);
	free(text);
	return value;
}

/* Far below the harness's 600 s interval, far above the second an early write waits. */
#define EARLY_WRITE_TIMEOUT_NS (60ull * 1000000000ull)

/*
 * Orphans do not wait for the interval: once mapped files lose their last
 * name, the agent writes its outputs within a second, asked by no one. The
 * harness's interval is 600 s and no SIGUSR1 is sent after the unlinks.
 */
Test(agent_exporter, orphans_reach_the_textfile_without_waiting_for_the_interval, .timeout = 300)
{
	struct timespec pause = { 0, 20 * 1000000l };
	struct exported state;
	struct scenario scenario;
	uint64_t unlinked_ns, deadline;
	double before, orphans;

	start(&state, &scenario);
	json_decref(harness__fresh_snapshot());
	/* what the child inherited from the test process (its runner's deleted files) */
	before = orphans = textfile_orphans(scenario.pid);
	scenario__step(&scenario, STEP_ORPHANS_AND_STALE);
	unlinked_ns = harness__now_ns();
	deadline = unlinked_ns + EARLY_WRITE_TIMEOUT_NS;
	while (orphans != before + 2) {
		cr_assert_lt(
			harness__now_ns(), deadline,
			"the textfile still says %.0f orphans for %d, %.0f before, after %llu s",
			orphans, (int)scenario.pid, before, EARLY_WRITE_TIMEOUT_NS / 1000000000ull);
		nanosleep(&pause, NULL);
		orphans = textfile_orphans(scenario.pid);
	}
	cr_log_info("orphans in the textfile %.2f s after the unlinks",
		    (double)(harness__now_ns() - unlinked_ns) / 1e9);
	scenario__stop(&scenario);
	harness__remove_tree(state.dir);
}
