// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A process's leak cause from the files it maps, into its report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tracker_internal.h"

int process__report_cause(const struct mw_process *process, struct mw_process_report *report)
{
	struct mw_leak_evidence evidence = { .resize_remaps = process->resize_remaps };
	const struct mw_process_inode *user, *next;

	/* only a process with a deleted file can have a cause: the rest pay nothing */
	if (!report->orphaned_files)
		return 0;
	HASH_ITER(hh, process->inodes, user, next) {
		if (!user->entry_count)
			continue;
		if (!user->inode->deleted) {
			evidence.jvm =
				evidence.jvm || leak_cause__is_jvm_library(user->inode->path);
			continue;
		}
		evidence.orphaned_files++;
		evidence.files_of_kind[leak_cause__classify(user->inode->path)]++;
	}
	report->jvm = evidence.jvm;
	report->cause = leak_cause__decide(&evidence);
	if (report->cause == MW_LEAK_CAUSE_NONE)
		return 0;
	HASH_ITER(hh, process->inodes, user, next) {
		if (!user->entry_count || !user->inode->deleted ||
		    !leak_cause__file_supports(report->cause,
					       leak_cause__classify(user->inode->path)))
			continue;
		report->cause_files++;
		if (report->cause_example_count == MW_CAUSE_EXAMPLES)
			continue;
		report->cause_examples[report->cause_example_count] = strdup(user->inode->path);
		if (!report->cause_examples[report->cause_example_count])
			return -ENOMEM;
		report->cause_example_count++;
	}
	return 0;
}
