/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ADDR:PORT of `agent --listen`: a numeric IPv4 address, or an IPv6 one
 * in brackets (a %zone allowed), and a port. No host names: what the agent
 * binds is what the operator wrote, never what a resolver answered.
 */
#ifndef MAPWATCH_CLI_LISTEN_ADDRESS_H
#define MAPWATCH_CLI_LISTEN_ADDRESS_H

#include <stddef.h>
#include <sys/socket.h>

struct mw_listen_address {
	struct sockaddr_storage address;
	socklen_t length;
};

/* 0, or -EINVAL with one line saying what is wrong and what is expected in error. */
int listen_address__parse(const char *text, struct mw_listen_address *out, char *error,
			  size_t error_size);

/* "127.0.0.1:9437" or "[::1]:9437", as a URL spells it. */
void listen_address__format(const struct sockaddr *address, char *text, size_t size);

#endif
