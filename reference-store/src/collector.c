// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "idxstore/collector.h"

struct retired_mapping {
	struct mapped_file *file;
	void *addr;
	size_t length;
	void *metadata;
	double due; /* CLOCK_MONOTONIC seconds */
	uint64_t grace_token;
	struct retired_mapping *next;
};

struct collector {
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

static void *collector__thread(void *arg)
{
	struct collector *collector = arg;

	pthread_mutex_lock(&collector->lock);
	while (!collector->stopping) {
		struct retired_mapping *first = collector->head;
		struct timespec deadline;
		double wait_until;

		if (!first || collector->delay < 0) {
			pthread_cond_wait(&collector->wake, &collector->lock);
			continue;
		}
		if (first->due <= monotonic_now() &&
		    grace__passed(collector->grace, first->grace_token)) {
			collector->head = first->next;
			if (!collector->head)
				collector->tail = &collector->head;
			collector->pending--;
			pthread_mutex_unlock(&collector->lock);
			retired_mapping__release(first);
			pthread_mutex_lock(&collector->lock);
			continue;
		}
		/* Not due yet, or a reader is still inside: look again shortly. */
		wait_until = first->due > monotonic_now() ? first->due : monotonic_now() + 0.001;
		deadline.tv_sec = (time_t)wait_until;
		deadline.tv_nsec = (long)((wait_until - deadline.tv_sec) * 1e9);
		pthread_cond_timedwait(&collector->wake, &collector->lock, &deadline);
	}
	pthread_mutex_unlock(&collector->lock);
	return NULL;
}

int collector__start(struct collector **out, struct grace_domain *grace, double delay_seconds)
{
	struct collector *collector = calloc(1, sizeof(*collector));
	pthread_condattr_t attr;
	int err;

	if (!collector)
		return -ENOMEM;
	collector->grace = grace;
	collector->delay = delay_seconds;
	collector->tail = &collector->head;
	pthread_mutex_init(&collector->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&collector->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&collector->thread, NULL, collector__thread, collector);
	if (err) {
		pthread_cond_destroy(&collector->wake);
		pthread_mutex_destroy(&collector->lock);
		free(collector);
		return -err;
	}
	*out = collector;
	return 0;
}

void collector__stop(struct collector *collector)
{
	struct retired_mapping *mapping, *next;

	if (!collector)
		return;
	pthread_mutex_lock(&collector->lock);
	collector->stopping = true;
	pthread_cond_signal(&collector->wake);
	pthread_mutex_unlock(&collector->lock);
	pthread_join(collector->thread, NULL);

	for (mapping = collector->head; mapping; mapping = next) {
		next = mapping->next;
		grace__wait(collector->grace, mapping->grace_token);
		retired_mapping__release(mapping);
	}
	pthread_cond_destroy(&collector->wake);
	pthread_mutex_destroy(&collector->lock);
	free(collector);
}

int collector__retire(struct collector *collector, struct mapped_file *file, void *addr,
		      size_t length, void *metadata)
{
	struct retired_mapping *mapping = calloc(1, sizeof(*mapping));

	if (!mapping)
		return -ENOMEM;
	mapped_file__get(file);
	mapping->file = file;
	mapping->addr = addr;
	mapping->length = length;
	mapping->metadata = metadata;
	mapping->grace_token = grace__retire(collector->grace);
	mapping->due = monotonic_now() + (collector->delay > 0 ? collector->delay : 0);

	pthread_mutex_lock(&collector->lock);
	*collector->tail = mapping;
	collector->tail = &mapping->next;
	collector->pending++;
	pthread_cond_signal(&collector->wake);
	pthread_mutex_unlock(&collector->lock);
	return 0;
}

size_t collector__pending(struct collector *collector)
{
	size_t pending;

	pthread_mutex_lock(&collector->lock);
	pending = collector->pending;
	pthread_mutex_unlock(&collector->lock);
	return pending;
}
