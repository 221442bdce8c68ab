// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "http_metrics.h"
#include "microhttpd_library.h"

/*
 * Prometheus keeps one connection per target: a handful of scrapers and
 * curl fit in these, a flood from one address takes a quarter at most, and
 * the thread never holds more descriptors than the limit.
 */
#define CONNECTION_LIMIT 64u
#define PER_ADDRESS_LIMIT 16u
/* idle seconds before a connection is closed: above Prometheus's 10 s scrape timeout */
#define IDLE_TIMEOUT_SECONDS 15u
/* per connection, request headers included: a larger request gets 431 and is closed */
#define CONNECTION_MEMORY_BYTES (16u * 1024u)
#define LISTEN_BACKLOG 64

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

static const char landing_page[] =
	"<!DOCTYPE html>\n"
	"<html><head><meta charset=\"utf-8\"><title>mapwatch</title></head>\n"
	"<body><h1>mapwatch</h1>\n"
	"<p>Memory mappings that pin deleted files, and processes heading for "
	"vm.max_map_count.</p>\n"
	"<p><a href=\"/metrics\">/metrics</a>: the agent's last exposition, the same text as "
	"its textfile.</p>\n"
	"</body></html>\n";
static const char not_found[] = "not found: the metrics are at /metrics\n";
static const char not_allowed[] = "only GET and HEAD\n";
static const char has_body[] = "no request body is read here\n";
static const char unavailable[] = "no metrics yet: the agent has not finished its first interval\n";

/* libmicrohttpd, loaded by the first bind: nothing else here runs before one */
static const struct microhttpd_library *mhd;

struct mw_http_metrics {
	int listen_fd; /* until started; MHD owns it then */
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock; /* guards metrics: a request takes its reference under it */
	struct MHD_Response *metrics; /* the last exposition published, NULL before the first */
	struct MHD_Response *landing, *not_found, *not_allowed, *has_body, *unavailable;
};

int http_metrics__bind(struct mw_http_metrics **out, const struct sockaddr *address,
		       socklen_t length)
{
	struct mw_http_metrics *server;
	int reuse = 1, err;

	*out = NULL;
	mhd = microhttpd_library__load();
	if (!mhd)
		return -ELIBACC;
	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	pthread_mutex_init(&server->lock, NULL);
	server->listen_fd =
		socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (server->listen_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* a restarted agent binds again while the last one's connections are in TIME_WAIT */
	if (setsockopt(server->listen_fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)) ||
	    bind(server->listen_fd, address, length) || listen(server->listen_fd, LISTEN_BACKLOG)) {
		err = -errno;
		goto fail;
	}
	*out = server;
	return 0;
fail:
	http_metrics__destroy(server);
	return err;
}

const char *http_metrics__load_error(void)
{
	return microhttpd_library__error();
}

int http_metrics__address(const struct mw_http_metrics *server, struct sockaddr_storage *address)
{
	socklen_t length = sizeof(*address);
	int fd = server->listen_fd;

	if (server->daemon)
		fd = (int)mhd->get_daemon_info(server->daemon, MHD_DAEMON_INFO_LISTEN_FD)
			     ->listen_fd;
	memset(address, 0, sizeof(*address));
	return getsockname(fd, (struct sockaddr *)address, &length) ? -errno : 0;
}

static struct MHD_Response *fixed_response(const char *text, size_t length, const char *type)
{
	struct MHD_Response *response =
		mhd->create_response_from_buffer(length, (void *)text, MHD_RESPMEM_PERSISTENT);

	if (response &&
	    mhd->add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) {
		mhd->destroy_response(response);
		return NULL;
	}
	return response;
}

static enum MHD_Result queue_metrics(struct mw_http_metrics *server,
				     struct MHD_Connection *connection)
{
	enum MHD_Result result;

	/* MHD counts the reference queued; a publish meanwhile drops only its own */
	pthread_mutex_lock(&server->lock);
	if (server->metrics)
		result = mhd->queue_response(connection, MHD_HTTP_OK, server->metrics);
	else
		result = mhd->queue_response(connection, MHD_HTTP_SERVICE_UNAVAILABLE,
					     server->unavailable);
	pthread_mutex_unlock(&server->lock);
	return result;
}

/* A request that says it has a body: none is wanted here. */
static bool announces_body(struct MHD_Connection *connection)
{
	const char *length = mhd->lookup_connection_value(connection, MHD_HEADER_KIND,
							  MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (length && strcmp(length, "0")) ||
	       mhd->lookup_connection_value(connection, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/*
 * Called first with the headers alone. A wrong method or a body is refused
 * right then (MHD closes the connection after the answer: the body is never
 * read); a GET or HEAD is answered on the next call, once MHD knows the
 * request is complete, so its connection can be kept alive.
 */
static enum MHD_Result on_request(void *context, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **request_state)
{
	static int headers_seen;
	struct mw_http_metrics *server = context;

	(void)version;
	(void)upload_data;
	if (!*request_state) {
		*request_state = &headers_seen;
		if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
			return mhd->queue_response(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
						   server->not_allowed);
		if (announces_body(connection))
			return mhd->queue_response(connection, MHD_HTTP_CONTENT_TOO_LARGE,
						   server->has_body);
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* not announced, so not large: dropped */
		return MHD_YES;
	}
	if (!strcmp(url, "/metrics"))
		return queue_metrics(server, connection);
	if (!strcmp(url, "/"))
		return mhd->queue_response(connection, MHD_HTTP_OK, server->landing);
	return mhd->queue_response(connection, MHD_HTTP_NOT_FOUND, server->not_found);
}

static int prepare_responses(struct mw_http_metrics *server)
{
	server->landing =
		fixed_response(landing_page, sizeof(landing_page) - 1, "text/html; charset=utf-8");
	server->not_found =
		fixed_response(not_found, sizeof(not_found) - 1, "text/plain; charset=utf-8");
	server->not_allowed =
		fixed_response(not_allowed, sizeof(not_allowed) - 1, "text/plain; charset=utf-8");
	server->has_body =
		fixed_response(has_body, sizeof(has_body) - 1, "text/plain; charset=utf-8");
	server->unavailable =
		fixed_response(unavailable, sizeof(unavailable) - 1, "text/plain; charset=utf-8");
	if (!server->landing || !server->not_found || !server->not_allowed || !server->has_body ||
	    !server->unavailable)
		return -ENOMEM;
	if (mhd->add_response_header(server->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") !=
	    MHD_YES)
		return -ENOMEM;
	return 0;
}

int http_metrics__start(struct mw_http_metrics *server)
{
	sigset_t every, previous;
	int err = prepare_responses(server);

	if (err)
		return err;
	/* the thread inherits this mask: no signal meant for the agent's signalfd lands there */
	sigfillset(&every);
	err = -pthread_sigmask(SIG_SETMASK, &every, &previous);
	if (err)
		return err;
	server->daemon = mhd->start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, server,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)server->listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		PER_ADDRESS_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_SECONDS,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_BYTES,
		MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (!server->daemon) {
		/* whether MHD closed it is not said: left open rather than closed twice */
		server->listen_fd = -1;
		return -EIO;
	}
	return 0;
}

int http_metrics__publish(struct mw_http_metrics *server, char *text, size_t length)
{
	struct MHD_Response *response, *previous;

	response = mhd->create_response_from_buffer(length, text, MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(text);
		return -ENOMEM;
	}
	if (mhd->add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_TYPE) !=
	    MHD_YES) {
		mhd->destroy_response(response);
		return -ENOMEM;
	}
	pthread_mutex_lock(&server->lock);
	previous = server->metrics;
	server->metrics = response;
	pthread_mutex_unlock(&server->lock);
	/* freed here, or by the last connection still sending it */
	if (previous)
		mhd->destroy_response(previous);
	return 0;
}

void http_metrics__destroy(struct mw_http_metrics *server)
{
	struct MHD_Response *responses[6];

	if (!server)
		return;
	if (server->daemon)
		mhd->stop_daemon(server->daemon); /* closes the listening socket too */
	else if (server->listen_fd >= 0)
		close(server->listen_fd);
	responses[0] = server->metrics;
	responses[1] = server->landing;
	responses[2] = server->not_found;
	responses[3] = server->not_allowed;
	responses[4] = server->has_body;
	responses[5] = server->unavailable;
	for (size_t i = 0; i < sizeof(responses) / sizeof(responses[0]); i++)
		if (responses[i])
			mhd->destroy_response(responses[i]);
	pthread_mutex_destroy(&server->lock);
	free(server);
}
