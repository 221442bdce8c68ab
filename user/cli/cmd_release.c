// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapwatch release: a garbage collection in one JVM, asked through HotSpot's
 * attach mechanism, so the MappedByteBuffers of deleted files it dropped are
 * unmapped; its orphaned files read before and after as scan reads them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "commands.h"
#include "hotspot_attach.h"
#include "leak_cause.h"
#include "log_line.h"
#include "orphan_cache.h"
#include "proc_seed.h"
#include "text_report.h"
#include "tracker.h"

/*
 * The Cleaner unmaps a collected buffer after the GC returns: the orphans are
 * read again every step until none is left or --wait passed (a reachable
 * buffer keeps them all along).
 */
#define SETTLE_STEP_MS 100

enum gc_kind {
	GC_FULL, /* stop-the-world full collection */
	GC_CONCURRENT, /* a concurrent cycle: short pauses */
	GC_NONE, /* the collector never collects */
};

struct orphans {
	uint64_t files, mappings, mapped_bytes, cached_bytes;
	enum mw_leak_cause cause;
};

static int read_comm(uint32_t pid, char *comm, size_t size)
{
	char path[64];
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", pid);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	if (!fgets(comm, (int)size, file))
		comm[0] = '\0';
	fclose(file);
	comm[strcspn(comm, "\n")] = '\0';
	return 0;
}

/* A JVM maps HotSpot's libjvm.so (" (deleted)" after an upgrade in place). */
static int is_jvm(uint32_t pid, bool *jvm)
{
	char path[64], *line = NULL;
	size_t size = 0;
	FILE *file;

	*jvm = false;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/maps", pid);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	while (!*jvm && getline(&line, &size, file) > 0) {
		char *name = strchr(line, '/'), *end;

		if (!name)
			continue;
		end = strstr(name, " (deleted)");
		if (end)
			*end = '\0';
		name[strcspn(name, "\n")] = '\0';
		*jvm = leak_cause__is_jvm_library(name);
	}
	free(line);
	fclose(file);
	return 0;
}

/* The process's orphaned files now, read from /proc as scan reads them. */
static int read_orphans(uint32_t pid, const char *comm, struct orphans *out)
{
	struct mw_tracker_options options = { .page_size = (uint64_t)sysconf(_SC_PAGESIZE) };
	struct mw_snapshot snapshot = { 0 };
	struct mw_tracker *tracker;
	int err;

	memset(out, 0, sizeof(*out));
	err = tracker__create(&options, &tracker);
	if (err)
		return err;
	err = proc_seed__process(tracker, pid, comm, clock__monotonic_ns(), true);
	if (err >= 0)
		err = tracker__snapshot(tracker, clock__monotonic_ns(), 0, 0, &snapshot);
	if (!err) {
		orphan_cache__measure(&snapshot);
		for (size_t i = 0; i < snapshot.process_count; i++) {
			const struct mw_process_report *report = &snapshot.processes[i];

			if (report->pid != pid)
				continue;
			out->files = report->orphaned_files;
			out->mappings = report->orphaned_mappings;
			out->mapped_bytes = report->orphaned_bytes;
			out->cached_bytes = report->orphaned_files_cached_bytes;
			out->cause = report->cause;
		}
	}
	snapshot__clear(&snapshot);
	tracker__destroy(tracker);
	return err;
}

static void print_orphans(const char *when, const struct orphans *orphans)
{
	char mapped[32], cached[32];

	text_report__format_bytes(orphans->mapped_bytes, mapped, sizeof(mapped));
	text_report__format_bytes(orphans->cached_bytes, cached, sizeof(cached));
	printf("%s: %" PRIu64 " deleted file%s mapped (%" PRIu64
	       " orphaned mappings, %s of address space, %s of page cache)",
	       when, orphans->files, orphans->files == 1 ? "" : "s", orphans->mappings, mapped,
	       cached);
	if (orphans->cause != MW_LEAK_CAUSE_NONE)
		printf("; cause %s", leak_cause__name(orphans->cause));
	putchar('\n');
}

/* A whole "-XX:+Name" among VM.flags' space-separated flags. */
static bool has_flag(const char *flags, const char *flag)
{
	size_t length = strlen(flag);

	for (const char *at = strstr(flags, flag); at; at = strstr(at + 1, flag))
		if ((at == flags || at[-1] == ' ' || at[-1] == '\n') &&
		    (at[length] == '\0' || at[length] == ' ' || at[length] == '\n'))
			return true;
	return false;
}

/* What GC.run will do in this JVM, and the sentence that says so. */
static enum gc_kind gc_kind_of(const char *flags, const char **what, const char **cost)
{
	if (has_flag(flags, "-XX:+UseEpsilonGC")) {
		*what = "no collection";
		*cost = "the Epsilon collector never collects";
		return GC_NONE;
	}
	if (has_flag(flags, "-XX:+UseZGC") || has_flag(flags, "-XX:+UseShenandoahGC")) {
		*what = "a concurrent collection";
		*cost = "ZGC or Shenandoah, short pauses";
		return GC_CONCURRENT;
	}
	if (has_flag(flags, "-XX:+ExplicitGCInvokesConcurrent") &&
	    has_flag(flags, "-XX:+UseG1GC")) {
		*what = "a concurrent G1 cycle";
		*cost = "-XX:+ExplicitGCInvokesConcurrent, short pauses";
		return GC_CONCURRENT;
	}
	*what = "a stop-the-world full GC";
	*cost = "every application thread stops until it ends";
	return GC_FULL;
}

static void sleep_ms(long ms)
{
	struct timespec delay = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&delay, NULL);
}

/* Reads the orphans until none is left or @wait_seconds passed. */
static int settle(uint32_t pid, const char *comm, double wait_seconds, struct orphans *after)
{
	uint64_t deadline = clock__monotonic_ns() + (uint64_t)(wait_seconds * 1e9);
	int err;

	for (;;) {
		err = read_orphans(pid, comm, after);
		if (err || !after->files || clock__monotonic_ns() >= deadline)
			return err;
		sleep_ms(SETTLE_STEP_MS);
	}
}

static void print_result(const struct orphans *before, const struct orphans *after,
			 const char *what)
{
	char mapped[32], cached[32];

	if (after->files >= before->files) {
		printf("nothing was freed after %s", what);
		if (after->files)
			printf(": what maps them is still referenced, or is no MappedByteBuffer; "
			       "a GC cannot free it");
		putchar('\n');
		return;
	}
	text_report__format_bytes(before->mapped_bytes - after->mapped_bytes, mapped,
				  sizeof(mapped));
	text_report__format_bytes(before->cached_bytes > after->cached_bytes
					  ? before->cached_bytes - after->cached_bytes
					  : 0,
				  cached, sizeof(cached));
	printf("freed %" PRIu64 " of %" PRIu64 " deleted files (%s of address space, %s of page "
	       "cache) after %s\n",
	       before->files - after->files, before->files, mapped, cached, what);
	if (after->files)
		printf("%" PRIu64 " remain: still referenced, or no MappedByteBuffer\n",
		       after->files);
}

int command__release(const struct mw_options *options)
{
	uint32_t pid = options->pids[0];
	struct orphans before, after;
	char comm[64], *flags = NULL, *output = NULL;
	const char *what, *cost;
	enum gc_kind kind;
	bool jvm;
	int err, result;

	err = read_comm(pid, comm, sizeof(comm));
	if (!err)
		err = is_jvm(pid, &jvm);
	if (err) {
		log_line__print("release: pid %" PRIu32 ": %s", pid,
				err == -ENOENT ? "no such process" : strerror(-err));
		return MW_EXIT_FAILURE;
	}
	if (!jvm) {
		log_line__print("release: pid %" PRIu32
				" (%s) is not a JVM (it maps no libjvm.so); "
				"nothing done",
				pid, comm);
		return MW_EXIT_NOT_A_JVM;
	}
	err = read_orphans(pid, comm, &before);
	if (err) {
		log_line__print("release: cannot read pid %" PRIu32 ": %s", pid, strerror(-err));
		return MW_EXIT_FAILURE;
	}
	printf("pid %" PRIu32 " (%s), a JVM\n", pid, comm);
	print_orphans("before", &before);
	err = hotspot_attach__jcmd(pid, "VM.flags", &result, &flags);
	if (err || result) {
		log_line__print("release: pid %" PRIu32 ": the JVM did not answer VM.flags: %s",
				pid, err ? strerror(-err) : "an error code");
		free(flags);
		return MW_EXIT_FAILURE;
	}
	kind = gc_kind_of(flags, &what, &cost);
	printf("GC.run will do %s (%s)\n", what, cost);
	if (has_flag(flags, "-XX:+DisableExplicitGC"))
		printf("note: -XX:+DisableExplicitGC turns off System.gc() only; GC.run still "
		       "collects\n");
	free(flags);
	fflush(stdout);
	if (kind == GC_NONE) {
		print_result(&before, &before, what);
		return before.files ? MW_EXIT_ORPHANS_FOUND : MW_EXIT_OK;
	}
	err = hotspot_attach__jcmd(pid, "GC.run", &result, &output);
	if (err || result) {
		log_line__print("release: pid %" PRIu32 ": GC.run failed: %s", pid,
				err ? strerror(-err)
				    : (output && output[0] ? output : "an error code"));
		free(output);
		return MW_EXIT_FAILURE;
	}
	free(output);
	err = settle(pid, comm, options->wait_seconds, &after);
	if (err) {
		log_line__print("release: cannot read pid %" PRIu32 " after the GC: %s", pid,
				strerror(-err));
		return MW_EXIT_FAILURE;
	}
	print_orphans("after", &after);
	print_result(&before, &after, what);
	return after.files ? MW_EXIT_ORPHANS_FOUND : MW_EXIT_OK;
}
