// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attached_programs.h"
#include "atomic_file.h"
#include "collector.h"
#include "commands.h"
#include "event_loop.h"
#include "http_metrics.h"
#include "json_snapshot.h"
#include "listen_address.h"
#include "log_line.h"
#include "output_check.h"
#include "privileges.h"
#include "prometheus_textfile.h"
#include "text_report.h"
#include "textfile_default.h"

struct agent {
	const struct mw_options *options;
	struct mw_collector *collector;
	int textfile_error; /* of the last write, 0 when it worked */
	int snapshot_error;
	bool outputs_named; /* false: run by hand, so a summary line goes to stdout too */
	bool textfile_defaulted; /* no --textfile: the default path */
	size_t programs_attached;
	struct mw_http_metrics *http; /* --listen; NULL without */
	struct mw_event_loop *loop;
	int early_export_fd; /* one-shot timer: orphans appeared since the last export */
	bool early_export_armed;
};

/*
 * Orphans are what the agent exists to report: once mapped files lose their
 * last name, the next export comes a tenth of an interval later (at most a
 * second, enough for a burst of unlinks to settle), not at the interval's
 * end. The regular exports keep their schedule.
 */
#define EARLY_EXPORT_FRACTION 0.1
#define EARLY_EXPORT_MAX_SECONDS 1.0

/*
 * One line when an output starts failing or its cause changes, one when it
 * works again; each output is tried every time, whatever the other did.
 */
static void note_write(const char *what, const char *path, int err, int *last_error)
{
	if (err && err != *last_error)
		log_line__print("cannot write %s %s: %s", what, path, strerror(-err));
	else if (!err && *last_error)
		log_line__print("writing %s %s again", what, path);
	*last_error = err;
}

/* One line at start: what it follows, and where its files go. */
static void note_start(const struct agent *agent)
{
	const struct mw_options *options = agent->options;
	char snapshot[PATH_MAX + 16] = "", served[128] = "";
	struct sockaddr_storage bound;

	if (options->snapshot_path)
		snprintf(snapshot, sizeof(snapshot), ", snapshot %s", options->snapshot_path);
	/* the port the kernel picked, for --listen ADDR:0 */
	if (agent->http && !http_metrics__address(agent->http, &bound)) {
		char address[80];

		listen_address__format((const struct sockaddr *)&bound, address, sizeof(address));
		snprintf(served, sizeof(served), ", metrics at http://%s/metrics", address);
	}
	log_line__print("agent started: %zu processes seeded, %zu BPF programs attached; "
			"textfile %s%s%s%s, every %gs",
			collector__process_count(agent->collector), agent->programs_attached,
			options->textfile_path,
			agent->textfile_defaulted ? " (the default; --textfile changes it)" : "",
			snapshot, served, options->interval_seconds);
}

/* Rendered once: the file and /metrics give out the same bytes. */
static void export_textfile(struct agent *agent, const struct mw_snapshot *snapshot)
{
	const struct mw_options *options = agent->options;
	char *text;
	size_t length;
	int err = prometheus_textfile__render(snapshot, options->top, &text, &length);

	if (!err)
		err = prometheus_textfile__write_text(text, length, options->textfile_path);
	note_write("textfile", options->textfile_path, err, &agent->textfile_error);
	/* served even when the file could not be replaced: the text is whole */
	if (text && agent->http)
		(void)http_metrics__publish(agent->http, text, length);
	else
		free(text);
}

static int export_now(struct agent *agent)
{
	const struct mw_options *options = agent->options;
	struct mw_snapshot snapshot = { 0 };
	int err;

	err = collector__refresh(agent->collector);
	if (!err)
		err = collector__snapshot(agent->collector, &snapshot);
	if (err) {
		log_line__print("collecting failed: %s", strerror(-err));
		return err;
	}
	if (options->textfile_path)
		export_textfile(agent, &snapshot);
	if (options->snapshot_path)
		note_write("snapshot", options->snapshot_path,
			   json_snapshot__write_path(&snapshot, options->snapshot_path),
			   &agent->snapshot_error);
	if (!agent->outputs_named || options->verbosity) {
		text_report__print_summary(stdout, &snapshot);
		fflush(stdout);
	}
	snapshot__clear(&snapshot);
	/* what brought it forward is in what was just written */
	if (agent->early_export_armed) {
		event_loop__disarm(agent->early_export_fd);
		agent->early_export_armed = false;
	}
	return 0;
}

static void on_orphans(void *context)
{
	struct agent *agent = context;
	double delay = agent->options->interval_seconds * EARLY_EXPORT_FRACTION;

	if (agent->early_export_armed || !agent->loop)
		return;
	if (delay > EARLY_EXPORT_MAX_SECONDS)
		delay = EARLY_EXPORT_MAX_SECONDS;
	/* a timer that would not arm leaves the orphans to the regular export */
	agent->early_export_armed = !event_loop__arm_once(agent->early_export_fd, delay);
}

static int on_early_export(struct mw_event_loop *loop, int fd, void *context)
{
	struct agent *agent = context;

	(void)loop;
	event_loop__ack_timer(fd);
	agent->early_export_armed = false;
	return export_now(agent);
}

static int probe_bpf(void *context)
{
	return collector__kernel_access(((struct agent *)context)->collector);
}

static int probe_outputs(void *context)
{
	char error[512];

	return output_check__options(((struct agent *)context)->options, error, sizeof(error));
}

/* Loaded, attached and seeded: what is left needs far fewer capabilities. */
static int drop_privileges(struct agent *agent)
{
	struct mw_privileges_probes probes = { probe_bpf, probe_outputs, agent };
	char kept[256], error[512];
	int err = privileges__drop_unneeded(&probes, kept, sizeof(kept), error, sizeof(error));

	if (err)
		log_line__print("%s", error);
	else if (agent->options->verbosity)
		log_line__print("capabilities kept after start-up: %s", kept);
	return err;
}

/*
 * Bound before anything is loaded (a taken port fails fast) and before the
 * capabilities are dropped (a port below 1024 works when run with
 * CAP_NET_BIND_SERVICE); served only once the agent runs.
 */
static int open_listener(struct agent *agent)
{
	const char *given = agent->options->listen;
	struct mw_listen_address address;
	const char *hint = "";
	char error[256];
	int err;

	err = listen_address__parse(given, &address, error, sizeof(error));
	if (err) {
		log_line__print("%s", error);
		return err;
	}
	err = http_metrics__bind(&agent->http, (const struct sockaddr *)&address.address,
				 address.length);
	if (err == -ELIBACC) {
		log_line__print("--listen %s: cannot load the HTTP server library: %s (Debian: "
				"libmicrohttpd12)",
				given, http_metrics__load_error());
		return err;
	}
	if (err == -EACCES)
		hint = ": a port below 1024 needs CAP_NET_BIND_SERVICE; pick one above";
	else if (err == -EADDRNOTAVAIL)
		hint = ": no interface of this host has that address";
	else if (err == -EADDRINUSE)
		hint = ": another process listens there";
	if (err)
		log_line__print("--listen %s: cannot listen: %s%s", given, strerror(-err), hint);
	return err;
}

static int on_export_timer(struct mw_event_loop *loop, int fd, void *context)
{
	(void)loop;
	event_loop__ack_timer(fd);
	return export_now(context);
}

static int on_signal(struct mw_event_loop *loop, int fd, void *context)
{
	int signal_number = event_loop__read_signal(fd);

	if (signal_number == SIGUSR1)
		return export_now(context);
	if (signal_number > 0)
		event_loop__stop(loop);
	return 0;
}

/*
 * The textfile is always written; without --textfile, where node_exporter
 * reads it. Returns MW_EXIT_OK, or MW_EXIT_USAGE when --snapshot names that
 * same file.
 */
static int default_outputs(struct agent *agent, struct mw_options *options, char *default_textfile,
			   size_t size)
{
	agent->outputs_named = options->textfile_path || options->snapshot_path;
	if (options->textfile_path)
		return MW_EXIT_OK;
	agent->textfile_defaulted = true;
	options->textfile_path =
		textfile_default__path(TEXTFILE_DEFAULT_DIRECTORY, default_textfile, size);
	if (options->snapshot_path && !strcmp(options->snapshot_path, options->textfile_path)) {
		log_line__print("--snapshot %s is where the textfile goes by default; name another "
				"file or give --textfile",
				options->snapshot_path);
		return MW_EXIT_USAGE;
	}
	return MW_EXIT_OK;
}

/*
 * Before anything is loaded: the outputs can be written, and what an agent
 * killed mid-write left beside them is gone. Returns 0 or -errno.
 */
static int prepare_outputs(const struct mw_options *options)
{
	char error[512];
	int err = output_check__options(options, error, sizeof(error));

	if (err) {
		log_line__print("%s", error);
		return err;
	}
	if (options->textfile_path)
		(void)atomic_file__remove_stale(options->textfile_path);
	if (options->snapshot_path)
		(void)atomic_file__remove_stale(options->snapshot_path);
	return 0;
}

/* The listener, the BPF programs and the first reading of /proc. Returns 0 or -errno. */
static int open_agent(struct agent *agent)
{
	char error[512];
	int err;

	if (agent->options->listen) {
		err = open_listener(agent);
		if (err)
			return err;
	}
	err = collector__open(&agent->collector, agent->options, error, sizeof(error));
	if (err) {
		log_line__print("%s", error);
		return err;
	}
	if (collector__page_cache_error(agent->collector))
		log_line__print("%s: page cache measured with cachestat(2) instead",
				collector__page_cache_error(agent->collector));
	/* counted now: what the process may read of itself can shrink below */
	agent->programs_attached = attached_programs__count();
	return 0;
}

/*
 * Until SIGINT or SIGTERM, or a failure: an export at once, then one per
 * interval, and one soon after orphans appear.
 */
static int run_agent(struct agent *agent)
{
	const struct mw_options *options = agent->options;
	sigset_t signals;
	int err;

	err = event_loop__new(&agent->loop);
	if (err)
		return err;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGUSR1); /* write now, e.g. for tests and debugging */
	err = event_loop__add_signals(agent->loop, &signals, on_signal, agent);
	if (!err)
		err = collector__attach_to_loop(agent->collector, agent->loop);
	if (!err)
		err = event_loop__add_timer(agent->loop, options->interval_seconds, on_export_timer,
					    agent, NULL);
	if (!err)
		err = event_loop__add_one_shot(agent->loop, on_early_export, agent,
					       &agent->early_export_fd);
	if (!err)
		collector__on_orphans(agent->collector, on_orphans, agent);
	if (!err)
		note_start(agent);
	/* The first files appear right away, not one interval later. */
	if (!err)
		err = export_now(agent);
	/*
	 * Its thread only now: capabilities are per thread, and it must have
	 * the few kept, not those held before the drop; and the signals the
	 * loop reads are blocked already (http_metrics__start blocks the rest).
	 */
	if (!err && agent->http) {
		err = http_metrics__start(agent->http);
		if (err)
			log_line__print("--listen %s: libmicrohttpd would not start",
					options->listen);
	}
	if (!err)
		err = event_loop__run(agent->loop);
	return err;
}

/* Safe on whatever open_agent and run_agent got to. */
static void close_agent(struct agent *agent)
{
	/* clients still connected are cut off; their requests are no part of a clean stop */
	http_metrics__destroy(agent->http);
	event_loop__destroy(agent->loop);
	collector__destroy(agent->collector);
}

int command__agent(const struct mw_options *given)
{
	struct mw_options options = *given;
	struct agent agent = { .options = &options };
	char default_textfile[PATH_MAX];
	int status, err;

	status = default_outputs(&agent, &options, default_textfile, sizeof(default_textfile));
	if (status != MW_EXIT_OK)
		return status;
	if (prepare_outputs(&options))
		return MW_EXIT_FAILURE;
	if (open_agent(&agent) || drop_privileges(&agent)) {
		close_agent(&agent);
		return MW_EXIT_FAILURE;
	}
	err = run_agent(&agent);
	if (err)
		log_line__print("agent stopped: %s", strerror(-err));
	close_agent(&agent);
	return err ? MW_EXIT_FAILURE : MW_EXIT_OK;
}
