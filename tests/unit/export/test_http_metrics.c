// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTTP side of `agent --listen` on its own: what each path and method
 * gets, and that a request always gets one whole published exposition,
 * while others are published meanwhile or it is read slowly.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "http_metrics.h"

#define VERSIONS 200

struct response {
	int status;
	char *head; /* status line and headers */
	char *body;
	size_t body_length;
};

static struct mw_http_metrics *start_server(unsigned short *port)
{
	struct sockaddr_in address = { .sin_family = AF_INET,
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_storage bound;
	struct mw_http_metrics *server;

	cr_assert_eq(http_metrics__bind(&server, (struct sockaddr *)&address, sizeof(address)), 0);
	cr_assert_eq(http_metrics__address(server, &bound), 0);
	*port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	cr_assert_neq(*port, 0);
	cr_assert_eq(http_metrics__start(server), 0);
	return server;
}

static int connect_to(unsigned short port, int receive_buffer)
{
	struct sockaddr_in address = { .sin_family = AF_INET,
				       .sin_port = htons(port),
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	if (receive_buffer)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
	cr_assert_eq(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0, "%s",
		     strerror(errno));
	return fd;
}

static void send_request(int fd, const char *method, const char *path)
{
	char request[256];
	int length = snprintf(request, sizeof(request),
			      "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
			      method, path);

	cr_assert_eq(write(fd, request, (size_t)length), length);
}

/* Everything until the server closes, split into head and body. */
static void read_response(int fd, struct response *out)
{
	size_t size = 1 << 16, used = 0;
	char *data = malloc(size + 1), *end;
	ssize_t got;

	cr_assert_not_null(data);
	while ((got = read(fd, data + used, size - used)) > 0) {
		used += (size_t)got;
		if (used == size) {
			size *= 2;
			data = realloc(data, size + 1);
			cr_assert_not_null(data);
		}
	}
	data[used] = '\0';
	end = strstr(data, "\r\n\r\n");
	cr_assert_not_null(end, "no end of headers in %zu bytes", used);
	*end = '\0';
	out->head = data;
	out->body = end + 4;
	out->body_length = used - (size_t)(out->body - data);
	cr_assert_eq(sscanf(data, "HTTP/1.1 %d", &out->status), 1, "%s", data);
}

static void request(unsigned short port, const char *method, const char *path, struct response *out)
{
	int fd = connect_to(port, 0);

	send_request(fd, method, path);
	read_response(fd, out);
	close(fd);
}

/* A version's text: lines naming it, padded to a size of its own. */
static char *version_text(int version, size_t *length)
{
	size_t lines = 1 + (size_t)(version * 7919 % 4000);
	char line[32];
	int line_length = snprintf(line, sizeof(line), "mapwatch_version %06d\n", version);
	char *text = malloc(lines * (size_t)line_length);

	cr_assert_not_null(text);
	for (size_t i = 0; i < lines; i++)
		memcpy(text + i * (size_t)line_length, line, (size_t)line_length);
	*length = lines * (size_t)line_length;
	return text;
}

/* Whether body is exactly one version's text. */
static bool whole_version(const char *body, size_t length)
{
	int version;
	size_t expected_length;
	char *expected;
	bool same;

	if (sscanf(body, "mapwatch_version %d", &version) != 1)
		return false;
	expected = version_text(version, &expected_length);
	same = expected_length == length && !memcmp(expected, body, length);
	free(expected);
	return same;
}

Test(http_metrics, unavailable_until_the_first_publish)
{
	unsigned short port;
	struct mw_http_metrics *server = start_server(&port);
	struct response response;
	char *text = strdup("mapwatch_up 1\n");

	request(port, "GET", "/metrics", &response);
	cr_assert_eq(response.status, 503);
	free(response.head);
	cr_assert_eq(http_metrics__publish(server, text, strlen(text)), 0);
	request(port, "GET", "/metrics", &response);
	cr_assert_eq(response.status, 200);
	cr_assert_eq(response.body_length, strlen("mapwatch_up 1\n"));
	cr_assert_str_eq(response.body, "mapwatch_up 1\n");
	cr_assert(strstr(response.head, "Content-Type: text/plain; version=0.0.4; charset=utf-8"),
		  "%s", response.head);
	free(response.head);
	http_metrics__destroy(server);
}

Test(http_metrics, paths_and_methods)
{
	unsigned short port;
	struct mw_http_metrics *server = start_server(&port);
	struct response response;
	char *text = strdup("mapwatch_up 1\n");

	cr_assert_eq(http_metrics__publish(server, text, strlen(text)), 0);
	request(port, "GET", "/", &response);
	cr_assert_eq(response.status, 200);
	cr_assert(strstr(response.body, "href=\"/metrics\""), "%s", response.body);
	free(response.head);
	request(port, "GET", "/metrics/", &response);
	cr_assert_eq(response.status, 404);
	free(response.head);
	request(port, "GET", "/metrics?name[]=x", &response);
	cr_assert_eq(response.status, 200, "a query string is ignored");
	free(response.head);
	request(port, "HEAD", "/metrics", &response);
	cr_assert_eq(response.status, 200);
	cr_assert_eq(response.body_length, 0);
	cr_assert(strstr(response.head, "Content-Length: 14"), "%s", response.head);
	free(response.head);
	for (size_t i = 0; i < 3; i++) {
		static const char *const methods[] = { "POST", "PUT", "DELETE" };

		request(port, methods[i], "/metrics", &response);
		cr_assert_eq(response.status, 405, "%s", methods[i]);
		cr_assert(strstr(response.head, "Allow: GET, HEAD"), "%s", response.head);
		free(response.head);
	}
	http_metrics__destroy(server);
}

struct reader {
	unsigned short port;
	atomic_bool *done;
	size_t reads;
	size_t bad;
};

static void *read_until_done(void *context)
{
	struct reader *reader = context;

	while (!atomic_load(reader->done)) {
		struct response response;

		request(reader->port, "GET", "/metrics", &response);
		if (response.status != 200 || !whole_version(response.body, response.body_length))
			reader->bad++;
		reader->reads++;
		free(response.head);
	}
	return NULL;
}

Test(http_metrics, every_request_gets_one_whole_exposition, .timeout = 120)
{
	unsigned short port;
	struct mw_http_metrics *server = start_server(&port);
	struct reader readers[3];
	pthread_t threads[3];
	atomic_bool done = false;
	size_t length, reads = 0;

	char *text = version_text(0, &length);

	cr_assert_eq(http_metrics__publish(server, text, length), 0);
	for (size_t i = 0; i < 3; i++) {
		readers[i] = (struct reader){ .port = port, .done = &done };
		cr_assert_eq(pthread_create(&threads[i], NULL, read_until_done, &readers[i]), 0);
	}
	for (int version = 1; version <= VERSIONS; version++) {
		char *text = version_text(version, &length);

		cr_assert_eq(http_metrics__publish(server, text, length), 0);
		/* let the readers in between publishes, on a single core too */
		if (version % 10 == 0)
			usleep(1000);
	}
	atomic_store(&done, true);
	for (size_t i = 0; i < 3; i++) {
		pthread_join(threads[i], NULL);
		cr_assert_eq(readers[i].bad, 0, "%zu of %zu reads were not one whole version",
			     readers[i].bad, readers[i].reads);
		reads += readers[i].reads;
	}
	cr_assert_gt(reads, 0);
	http_metrics__destroy(server);
}

Test(http_metrics, a_slow_reader_keeps_what_it_asked_for, .timeout = 120)
{
	unsigned short port;
	struct mw_http_metrics *server = start_server(&port);
	struct response response;
	size_t length;
	char *first;
	int fd;

	/* ~4 MB: far more than the socket buffers hold, so most of it is sent later */
	first = malloc(4 << 20);
	cr_assert_not_null(first);
	for (size_t i = 0; i < (4 << 20); i++)
		first[i] = (char)('a' + i % 26);
	cr_assert_eq(http_metrics__publish(server, first, 4 << 20), 0);
	fd = connect_to(port, 4096);
	send_request(fd, "GET", "/metrics");
	/* its first bytes are on their way: the request holds that exposition now */
	char peek[64];

	cr_assert_gt(recv(fd, peek, sizeof(peek), MSG_PEEK), 0);
	for (int version = 1; version <= 5; version++) {
		char *text = version_text(version, &length);

		cr_assert_eq(http_metrics__publish(server, text, length), 0);
	}
	read_response(fd, &response);
	close(fd);
	cr_assert_eq(response.status, 200);
	cr_assert_eq(response.body_length, 4 << 20);
	for (size_t i = 0; i < (4 << 20); i++)
		if (response.body[i] != (char)('a' + i % 26))
			cr_assert_fail("byte %zu differs", i);
	free(response.head);
	/* and the next request gets the last one */
	request(port, "GET", "/metrics", &response);
	cr_assert(whole_version(response.body, response.body_length));
	cr_assert_eq(atoi(response.body + strlen("mapwatch_version ")), 5);
	free(response.head);
	http_metrics__destroy(server);
}

Test(http_metrics, a_taken_address_is_an_error)
{
	unsigned short port;
	struct mw_http_metrics *server = start_server(&port), *second;
	struct sockaddr_in address = { .sin_family = AF_INET,
				       .sin_port = htons(port),
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	cr_assert_eq(http_metrics__bind(&second, (struct sockaddr *)&address, sizeof(address)),
		     -EADDRINUSE);
	cr_assert_null(second);
	http_metrics__destroy(server);
}

Test(http_metrics, stops_with_clients_connected, .timeout = 60)
{
	unsigned short port;
	struct mw_http_metrics *server = start_server(&port);
	int idle = connect_to(port, 0), partial = connect_to(port, 0);
	char buffer[16];

	/* one connection says nothing, one sends half a request */
	cr_assert_eq(write(partial, "GET /metrics HTTP/1.1\r\nHost:", 28), 28);
	http_metrics__destroy(server);
	cr_assert_leq(read(idle, buffer, sizeof(buffer)), 0, "still open after the stop");
	cr_assert_leq(read(partial, buffer, sizeof(buffer)), 0, "still open after the stop");
	close(idle);
	close(partial);
}
