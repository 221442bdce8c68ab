// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "idxstore/grace.h"

int grace__create(struct grace_domain **out)
{
	struct grace_domain *domain = calloc(1, sizeof(*domain));

	if (!domain)
		return -ENOMEM;
	atomic_init(&domain->epoch, 1); /* 0 marks an idle reader slot */
	pthread_mutex_init(&domain->lock, NULL);
	*out = domain;
	return 0;
}

void grace__destroy(struct grace_domain *domain)
{
	struct grace_reader *reader, *next;

	if (!domain)
		return;
	for (reader = domain->readers; reader; reader = next) {
		next = reader->next;
		free(reader);
	}
	pthread_mutex_destroy(&domain->lock);
	free(domain);
}

int grace__reader_register(struct grace_domain *domain, struct grace_reader **out)
{
	struct grace_reader *reader;

	pthread_mutex_lock(&domain->lock);
	for (reader = domain->readers; reader; reader = reader->next)
		if (!reader->in_use)
			break;
	if (!reader) {
		reader = aligned_alloc(64, sizeof(*reader));
		if (!reader) {
			pthread_mutex_unlock(&domain->lock);
			return -ENOMEM;
		}
		atomic_init(&reader->active_epoch, 0);
		reader->next = domain->readers;
		domain->readers = reader;
	}
	reader->in_use = true;
	pthread_mutex_unlock(&domain->lock);
	*out = reader;
	return 0;
}

void grace__reader_unregister(struct grace_domain *domain, struct grace_reader *reader)
{
	if (!reader)
		return;
	atomic_store(&reader->active_epoch, 0);
	pthread_mutex_lock(&domain->lock);
	reader->in_use = false;
	pthread_mutex_unlock(&domain->lock);
}

uint64_t grace__retire(struct grace_domain *domain)
{
	return atomic_fetch_add(&domain->epoch, 1);
}

bool grace__passed(struct grace_domain *domain, uint64_t token)
{
	struct grace_reader *reader;
	bool passed = true;

	pthread_mutex_lock(&domain->lock);
	for (reader = domain->readers; reader; reader = reader->next) {
		uint64_t epoch = atomic_load(&reader->active_epoch);

		if (epoch != 0 && epoch <= token) {
			passed = false;
			break;
		}
	}
	pthread_mutex_unlock(&domain->lock);
	return passed;
}

void grace__wait(struct grace_domain *domain, uint64_t token)
{
	const struct timespec pause = { .tv_nsec = 50 * 1000 };

	/* Read sections are one binary search long: this loop rarely turns twice. */
	while (!grace__passed(domain, token))
		nanosleep(&pause, NULL);
}
