// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* the skeleton names the query's type: its definition first */
#include "page_cache_reader.h"
#include "mapwatch_cache.skel.h"
#include "kernel_query.h"

struct mw_page_cache_reader {
	struct mapwatch_cache *skeleton;
};

int page_cache_reader__open(struct mw_page_cache_reader **out, char *error, size_t error_size)
{
	struct mw_page_cache_reader *reader = calloc(1, sizeof(*reader));
	int err;

	*out = NULL;
	if (!reader) {
		snprintf(error, error_size, "out of memory");
		return -ENOMEM;
	}
	reader->skeleton = mapwatch_cache__open_and_load();
	if (!reader->skeleton) {
		err = errno ? -errno : -EINVAL;
		snprintf(error, error_size, "loading the page cache reader failed: %s",
			 strerror(-err));
		free(reader);
		return err;
	}
	*out = reader;
	return 0;
}

void page_cache_reader__destroy(struct mw_page_cache_reader *reader)
{
	if (!reader)
		return;
	mapwatch_cache__destroy(reader->skeleton);
	free(reader);
}

/* The caller's probes, asked about a batch at a time. */
struct cache_request {
	struct mw_cache_query *query;
	struct mw_cache_probe *probes;
};

static void ask_cache(void *context, size_t first, size_t count)
{
	struct cache_request *request = context;

	memcpy(request->query->probes, request->probes + first, count * sizeof(*request->probes));
	for (size_t i = 0; i < count; i++)
		request->query->probes[i].status = MW_CACHE_UNREAD;
	request->query->count = (uint32_t)count;
}

static void answer_cache(void *context, size_t first, size_t count)
{
	struct cache_request *request = context;

	memcpy(request->probes + first, request->query->probes, count * sizeof(*request->probes));
}

int page_cache_reader__read(struct mw_page_cache_reader *reader, struct mw_cache_probe *probes,
			    size_t count)
{
	struct cache_request request = { &reader->skeleton->bss->cache_query, probes };

	return kernel_query__run(bpf_program__fd(reader->skeleton->progs.read_page_cache), count,
				 MW_CACHE_QUERY_MAX, ask_cache, answer_cache, &request);
}
