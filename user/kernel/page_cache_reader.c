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

int page_cache_reader__read(struct mw_page_cache_reader *reader, struct mw_cache_probe *probes,
			    size_t count)
{
	struct mw_cache_query *query = &reader->skeleton->bss->cache_query;
	int fd = bpf_program__fd(reader->skeleton->progs.read_page_cache);

	for (size_t done = 0; done < count;) {
		size_t batch =
			count - done < MW_CACHE_QUERY_MAX ? count - done : MW_CACHE_QUERY_MAX;
		LIBBPF_OPTS(bpf_test_run_opts, run);

		/* .bss is mmap()ed: the request and the answer cost no copy through the kernel */
		memcpy(query->probes, probes + done, batch * sizeof(*probes));
		for (size_t i = 0; i < batch; i++)
			query->probes[i].status = MW_CACHE_UNREAD;
		query->count = (uint32_t)batch;
		if (bpf_prog_test_run_opts(fd, &run))
			return -errno;
		memcpy(probes + done, query->probes, batch * sizeof(*probes));
		done += batch;
	}
	return 0;
}
