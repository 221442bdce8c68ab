// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "idxstore/cleaner.h"

struct retired_mapping {
	struct mapped_file *file;
	void *addr;
	size_t length;
	void *metadata;
	double due; /* CLOCK_MONOTONIC seconds */
	uint64_t grace_token;
	struct retired_mapping *next;
};

struct cleaner {
	struct grace_domain *grace;
	double delay;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	struct retired_mapping *head, **tail; /* in retirement order, so due times increase */
	size_t pending;
	pthread_t thread;
};

static double monotonic_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static void retired_mapping__release(struct retired_mapping *mapping)
{
	if (mapping->addr)
		mapped_file__unmap(mapping->file, mapping->addr, mapping->length);
	mapped_file__put(mapping->file);
	free(mapping->metadata);
	free(mapping);
}

static void *cleaner__thread(void *arg)
{
	struct cleaner *cleaner = arg;

	pthread_mutex_lock(&cleaner->lock);
	while (!cleaner->stopping) {
		struct retired_mapping *first = cleaner->head;
		struct timespec deadline;
		double wait_until;

		if (!first || cleaner->delay < 0) {
			pthread_cond_wait(&cleaner->wake, &cleaner->lock);
			continue;
		}
		if (first->due <= monotonic_now() &&
		    grace__passed(cleaner->grace, first->grace_token)) {
			cleaner->head = first->next;
			if (!cleaner->head)
				cleaner->tail = &cleaner->head;
			cleaner->pending--;
			pthread_mutex_unlock(&cleaner->lock);
			retired_mapping__release(first);
			pthread_mutex_lock(&cleaner->lock);
			continue;
		}
		/* Not due yet, or a reader is still inside: look again shortly. */
		wait_until = first->due > monotonic_now() ? first->due : monotonic_now() + 0.001;
		deadline.tv_sec = (time_t)wait_until;
		deadline.tv_nsec = (long)((wait_until - deadline.tv_sec) * 1e9);
		pthread_cond_timedwait(&cleaner->wake, &cleaner->lock, &deadline);
	}
	pthread_mutex_unlock(&cleaner->lock);
	return NULL;
}

int cleaner__start(struct cleaner **out, struct grace_domain *grace, double delay_seconds)
{
	struct cleaner *cleaner = calloc(1, sizeof(*cleaner));
	pthread_condattr_t attr;
	int err;

	if (!cleaner)
		return -ENOMEM;
	cleaner->grace = grace;
	cleaner->delay = delay_seconds;
	cleaner->tail = &cleaner->head;
	pthread_mutex_init(&cleaner->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cleaner->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&cleaner->thread, NULL, cleaner__thread, cleaner);
	if (err) {
		pthread_cond_destroy(&cleaner->wake);
		pthread_mutex_destroy(&cleaner->lock);
		free(cleaner);
		return -err;
	}
	*out = cleaner;
	return 0;
}

void cleaner__stop(struct cleaner *cleaner)
{
	struct retired_mapping *mapping, *next;

	if (!cleaner)
		return;
	pthread_mutex_lock(&cleaner->lock);
	cleaner->stopping = true;
	pthread_cond_signal(&cleaner->wake);
	pthread_mutex_unlock(&cleaner->lock);
	pthread_join(cleaner->thread, NULL);

	for (mapping = cleaner->head; mapping; mapping = next) {
		next = mapping->next;
		grace__wait(cleaner->grace, mapping->grace_token);
		retired_mapping__release(mapping);
	}
	pthread_cond_destroy(&cleaner->wake);
	pthread_mutex_destroy(&cleaner->lock);
	free(cleaner);
}

int cleaner__retire(struct cleaner *cleaner, struct mapped_file *file, void *addr, size_t length,
		    void *metadata)
{
	struct retired_mapping *mapping = calloc(1, sizeof(*mapping));

	if (!mapping)
		return -ENOMEM;
	mapped_file__get(file);
	mapping->file = file;
	mapping->addr = addr;
	mapping->length = length;
	mapping->metadata = metadata;
	mapping->grace_token = grace__retire(cleaner->grace);
	mapping->due = monotonic_now() + (cleaner->delay > 0 ? cleaner->delay : 0);

	pthread_mutex_lock(&cleaner->lock);
	*cleaner->tail = mapping;
	cleaner->tail = &mapping->next;
	cleaner->pending++;
	pthread_cond_signal(&cleaner->wake);
	pthread_mutex_unlock(&cleaner->lock);
	return 0;
}

size_t cleaner__pending(struct cleaner *cleaner)
{
	size_t pending;

	pthread_mutex_lock(&cleaner->lock);
	pending = cleaner->pending;
	pthread_mutex_unlock(&cleaner->lock);
	return pending;
}
