/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libmicrohttpd, loaded when `agent --listen` first needs it rather than
 * linked: it brings gnutls and eight more libraries whose loading and
 * constructors cost every command ~6 ms at start, scan and top included.
 */
#ifndef MAPWATCH_EXPORT_MICROHTTPD_LIBRARY_H
#define MAPWATCH_EXPORT_MICROHTTPD_LIBRARY_H

#include <microhttpd.h>

/* The entry points http_metrics.c calls, with libmicrohttpd's own signatures. */
struct microhttpd_library {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback accept_callback,
					   void *accept_context, MHD_AccessHandlerCallback handler,
					   void *handler_context, ...);
	void (*stop_daemon)(struct MHD_Daemon *daemon);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *daemon,
						       enum MHD_DaemonInfoType info_type, ...);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *response, const char *header,
					       const char *content);
	void (*destroy_response)(struct MHD_Response *response);
	enum MHD_Result (*queue_response)(struct MHD_Connection *connection,
					  unsigned int status_code, struct MHD_Response *response);
	const char *(*lookup_connection_value)(struct MHD_Connection *connection,
					       enum MHD_ValueKind kind, const char *key);
};

/*
 * The library, loaded on the first call and kept for the life of the
 * process. NULL when it cannot be loaded; microhttpd_library__error() says why.
 */
const struct microhttpd_library *microhttpd_library__load(void);

/* The loader's message for the last failed load, e.g. the file it could not find. */
const char *microhttpd_library__error(void);

#endif
