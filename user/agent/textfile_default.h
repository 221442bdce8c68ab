/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where `mapwatch agent` writes its textfile when --textfile is not given:
 * straight into node_exporter's textfile directory when the host has one, so
 * a plain `mapwatch agent` is scraped with nothing to configure.
 */
#ifndef MAPWATCH_AGENT_TEXTFILE_DEFAULT_H
#define MAPWATCH_AGENT_TEXTFILE_DEFAULT_H

#include <stddef.h>

/* Debian's prometheus-node-exporter reads *.prom files here by default. */
#define TEXTFILE_DEFAULT_DIRECTORY "/var/lib/prometheus/node-exporter"
#define TEXTFILE_DEFAULT_NAME "mapwatch.prom"

/*
 * @node_exporter_directory/mapwatch.prom when that directory exists, else
 * mapwatch.prom in the working directory. Written into @buffer, which is
 * returned.
 */
const char *textfile_default__path(const char *node_exporter_directory, char *buffer, size_t size);

#endif
