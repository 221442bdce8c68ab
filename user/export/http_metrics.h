/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `agent --listen`: the textfile's exposition served at /metrics, and a
 * landing page at /, by libmicrohttpd in a thread of its own. The agent
 * hands over each exposition once it is rendered whole; a request gets the
 * last one handed over, never one being built, and holds it (a reference)
 * for as long as it takes to send, however slowly it reads. Connections,
 * their memory and their idle time are bounded, so clients cannot delay the
 * agent or exhaust it.
 */
#ifndef MAPWATCH_EXPORT_HTTP_METRICS_H
#define MAPWATCH_EXPORT_HTTP_METRICS_H

#include <stddef.h>
#include <sys/socket.h>

struct mw_http_metrics;

/*
 * Binds @address and listens: connections queue from now on, and a port
 * below 1024 can be had while the process still holds CAP_NET_BIND_SERVICE.
 * Nothing is served until http_metrics__start. Returns 0 or -errno:
 * -ELIBACC when libmicrohttpd cannot be loaded (http_metrics__load_error).
 */
int http_metrics__bind(struct mw_http_metrics **out, const struct sockaddr *address,
		       socklen_t length);

/* Why libmicrohttpd could not be loaded, after a bind returned -ELIBACC. */
const char *http_metrics__load_error(void);

/* The address bound, with the port the kernel picked for port 0. Returns 0 or -errno. */
int http_metrics__address(const struct mw_http_metrics *server, struct sockaddr_storage *address);

/*
 * Starts the serving thread. It is created with every signal blocked (the
 * process's signals stay with whoever reads them) and with the calling
 * thread's capabilities, so call it once those are dropped. Until the first
 * http_metrics__publish, /metrics answers 503. Returns 0 or -errno.
 */
int http_metrics__start(struct mw_http_metrics *server);

/*
 * Serves @text from now on; takes it over (malloc'd, freed once the last
 * request holding it is done), also on failure. Returns 0 or -ENOMEM.
 */
int http_metrics__publish(struct mw_http_metrics *server, char *text, size_t length);

/* Closes every connection, stops the thread, frees all. NULL is fine. */
void http_metrics__destroy(struct mw_http_metrics *server);

#endif
