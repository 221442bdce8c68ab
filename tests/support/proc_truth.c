// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "proc_maps.h"
#include "proc_truth.h"

int proc_truth__orphans(pid_t pid, struct mw_vma **orphans, size_t *count,
			struct mw_truth_summary *summary)
{
	struct mw_proc_maps_stats stats;
	struct mw_truth_summary totals = { 0 };
	struct mw_vma *vmas;
	size_t vma_count, kept = 0;
	int err;

	*orphans = NULL;
	*count = 0;
	err = proc_maps__read(pid, MW_PROC_MAPS_FILES_ONLY, &vmas, &vma_count, &stats);
	if (err)
		return err;
	for (size_t i = 0; i < vma_count; i++) {
		struct mw_vma *vma = &vmas[i];

		if (vma->kind != MW_VMA_FILE || !vma->deleted)
			continue;
		if (!vma->file_stat_known) {
			struct stat st;

			/* ask again for the reason the reader swallowed */
			err = proc_maps__stat_mapping(pid, vma->start, vma->end, &st);
			free(vmas);
			return err ? err : -EAGAIN;
		}
		if (vma->nlink != 0)
			continue;
		totals.orphaned_mappings++;
		totals.orphaned_bytes += vma->end - vma->start;
		/* compacting in place keeps the address order */
		vmas[kept++] = *vma;
	}
	totals.map_count = stats.map_count;
	if (kept == 0) {
		free(vmas);
		vmas = NULL;
	}
	*orphans = vmas;
	*count = kept;
	if (summary)
		*summary = totals;
	return 0;
}
