// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer: one line of /proc/PID/maps, as any process can make it look (a
 * file name is any bytes but NUL and '/'). The parser must never read past
 * the line, and what it accepts must make sense.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "proc_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan sees any read past the end of the line */
	char *line = malloc(size ? size : 1);
	struct mw_vma *vma = malloc(sizeof(*vma));

	if (!line || !vma)
		abort();
	memcpy(line, data, size);
	if (proc_maps__parse_line(line, size, vma) == 0) {
		if (vma->end < vma->start ||
		    strnlen(vma->path, sizeof(vma->path)) == sizeof(vma->path))
			abort();
		if (vma->kind != MW_VMA_ANONYMOUS && vma->kind != MW_VMA_FILE &&
		    vma->kind != MW_VMA_SPECIAL_FILE)
			abort();
	}
	free(vma);
	free(line);
	return 0;
}
