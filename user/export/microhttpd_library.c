// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include "microhttpd_library.h"

/* set by CMake from the library the build found, e.g. "libmicrohttpd.so.12" */
#ifndef MAPWATCH_MICROHTTPD_SONAME
#error "MAPWATCH_MICROHTTPD_SONAME must name the libmicrohttpd the build found"
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct microhttpd_library library;
static bool loaded;
static char load_error[256];

/* dlsym's object pointer into a function pointer, without a cast C forbids */
#define RESOLVE(handle, field, symbol)                     \
	(*(void **)&library.field = dlsym(handle, symbol), \
	 library.field != NULL || note_missing(symbol))

static bool note_missing(const char *symbol)
{
	snprintf(load_error, sizeof(load_error), "%s has no %s", MAPWATCH_MICROHTTPD_SONAME,
		 symbol);
	return false;
}

static void load(void)
{
	void *handle = dlopen(MAPWATCH_MICROHTTPD_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *reason;

	if (!handle) {
		reason = dlerror();
		snprintf(load_error, sizeof(load_error), "%s", reason ? reason : "dlopen failed");
		return;
	}
	loaded = RESOLVE(handle, start_daemon, "MHD_start_daemon") &&
		 RESOLVE(handle, stop_daemon, "MHD_stop_daemon") &&
		 RESOLVE(handle, get_daemon_info, "MHD_get_daemon_info") &&
		 RESOLVE(handle, create_response_from_buffer, "MHD_create_response_from_buffer") &&
		 RESOLVE(handle, add_response_header, "MHD_add_response_header") &&
		 RESOLVE(handle, destroy_response, "MHD_destroy_response") &&
		 RESOLVE(handle, queue_response, "MHD_queue_response") &&
		 RESOLVE(handle, lookup_connection_value, "MHD_lookup_connection_value");
	/* an incomplete library is not used; the handle stays, as dlclose may not unload it */
}

const struct microhttpd_library *microhttpd_library__load(void)
{
	pthread_once(&load_once, load);
	return loaded ? &library : NULL;
}

const char *microhttpd_library__error(void)
{
	return load_error[0] ? load_error : "not loaded";
}
