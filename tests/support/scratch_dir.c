// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratch_dir.h"

void scratch_dir__create(char *template)
{
	cr_assert_not_null(mkdtemp(template), "mkdtemp %s: %s", template, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	/* nftw stops at the first nonzero answer and returns it */
	return remove(path) ? errno : 0;
}

void scratch_dir__remove(const char *dir)
{
	/* depth first, not following links: what a test left behind, never beyond it */
	int err = nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	cr_assert_eq(err, 0, "removing %s: %s", dir, strerror(err > 0 ? err : errno));
}
