/* SPDX-License-Identifier: MIT */
/* The store's ground truth as one JSON object. */
#ifndef IDXSTORE_REPORT_H
#define IDXSTORE_REPORT_H

#include <jansson.h>

#include "idxstore/store.h"

/* NULL when out of memory. */
json_t *store__report(struct store *store);

#endif
