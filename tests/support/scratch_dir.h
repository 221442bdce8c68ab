/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A test's own directory under /tmp, made before each test and removed after it. */
#ifndef MAPWATCH_TESTS_SCRATCH_DIR_H
#define MAPWATCH_TESTS_SCRATCH_DIR_H

/* mkdtemp(@template) ("/tmp/name-XXXXXX", rewritten in place); fails the test on error. */
void scratch_dir__create(char *template);
/* Removes @dir and everything below it; fails the test on error. */
void scratch_dir__remove(const char *dir);

#endif
