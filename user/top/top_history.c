// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "top_history.h"

void top_history__init(struct mw_top_history *model)
{
	memset(model, 0, sizeof(*model));
}

void top_history__clear(struct mw_top_history *model)
{
	struct mw_top_process_history *history, *next;

	HASH_ITER(hh, model->histories, history, next) {
		HASH_DEL(model->histories, history);
		free(history);
	}
	snapshot__clear(&model->snapshot);
	memset(model, 0, sizeof(*model));
}

static uint64_t events_received(const struct mw_snapshot *snapshot)
{
	uint64_t total = 0;

	for (size_t type = 0; type < MW_EVENT_TYPE_COUNT; type++)
		total += snapshot->events_by_type[type];
	return total;
}

static void update_event_rate(struct mw_top_history *model, const struct mw_snapshot *next)
{
	uint64_t events = events_received(next);
	double elapsed = next->timestamp - model->snapshot.timestamp;

	model->has_event_rate =
		model->updates > 0 && elapsed > 0 && events >= model->previous_events;
	if (model->has_event_rate)
		model->events_per_second = (double)(events - model->previous_events) / elapsed;
	model->previous_events = events;
}

static void add_sample(struct mw_top_process_history *history, double timestamp,
		       const struct mw_process_report *process)
{
	struct mw_top_sample *sample;

	if (history->length == TOP_HISTORY_SAMPLES) {
		history->first = (history->first + 1) % TOP_HISTORY_SAMPLES;
		history->length--;
	}
	sample = &history->samples[(history->first + history->length++) % TOP_HISTORY_SAMPLES];
	sample->timestamp = timestamp;
	sample->map_count = process->map_count;
	sample->orphaned_mappings = process->orphaned_mappings;
}

static int record_process(struct mw_top_history *model, double timestamp,
			  const struct mw_process_report *process)
{
	struct mw_top_process_history *history;
	uint32_t pid = process->pid;

	HASH_FIND(hh, model->histories, &pid, sizeof(pid), history);
	/* the same pid with another name: a new process, not the old one's history */
	if (history && strncmp(history->comm, process->comm, MW_COMM_LEN)) {
		HASH_DEL(model->histories, history);
		free(history);
		history = NULL;
	}
	if (!history) {
		history = calloc(1, sizeof(*history));
		if (!history)
			return -ENOMEM;
		history->pid = pid;
		memcpy(history->comm, process->comm, MW_COMM_LEN);
		history->comm[MW_COMM_LEN - 1] = '\0';
		HASH_ADD(hh, model->histories, pid, sizeof(history->pid), history);
	}
	history->last_update = model->updates;
	add_sample(history, timestamp, process);
	return 0;
}

/* A process unseen for a whole history's worth of refreshes is gone for good. */
static void forget_old(struct mw_top_history *model)
{
	struct mw_top_process_history *history, *next;

	HASH_ITER(hh, model->histories, history, next) {
		if (model->updates - history->last_update >= TOP_HISTORY_SAMPLES) {
			HASH_DEL(model->histories, history);
			free(history);
		}
	}
}

int top_history__update(struct mw_top_history *model, struct mw_snapshot *snapshot)
{
	int err = 0;

	update_event_rate(model, snapshot);
	if (model->updates == 0)
		model->first_timestamp = snapshot->timestamp;
	snapshot__clear(&model->snapshot);
	model->snapshot = *snapshot;
	memset(snapshot, 0, sizeof(*snapshot));
	model->updates++;
	for (size_t i = 0; i < model->snapshot.process_count && !err; i++)
		err = record_process(model, model->snapshot.timestamp,
				     &model->snapshot.processes[i]);
	forget_old(model);
	return err;
}

const struct mw_top_process_history *top_history__history(const struct mw_top_history *model,
							  uint32_t pid)
{
	struct mw_top_process_history *history;

	HASH_FIND(hh, model->histories, &pid, sizeof(pid), history);
	return history;
}

const struct mw_top_sample *
top_process_history__sample(const struct mw_top_process_history *history, size_t index)
{
	return &history->samples[(history->first + index) % TOP_HISTORY_SAMPLES];
}

const struct mw_process_report *top_history__process(const struct mw_top_history *model,
						     uint32_t pid)
{
	for (size_t i = 0; i < model->snapshot.process_count; i++)
		if (model->snapshot.processes[i].pid == pid)
			return &model->snapshot.processes[i];
	return NULL;
}
