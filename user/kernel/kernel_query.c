// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include <bpf/bpf.h>

#include "kernel_query.h"

int kernel_query__run(int program_fd, size_t count, size_t room, kernel_query_copy_fn ask,
		      kernel_query_copy_fn answer, void *context)
{
	for (size_t first = 0; first < count;) {
		size_t batch = count - first < room ? count - first : room;
		LIBBPF_OPTS(bpf_test_run_opts, run);

		/* .bss is mmap()ed: the request and the answer cost no copy through the kernel */
		ask(context, first, batch);
		if (bpf_prog_test_run_opts(program_fd, &run))
			return -errno;
		answer(context, first, batch);
		first += batch;
	}
	return 0;
}
