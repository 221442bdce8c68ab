// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "listen_address.h"

#define EXPECTED                                                                            \
	"ADDR:PORT, an IPv4 address or an IPv6 one in brackets and a port from 0 to 65535 " \
	"(e.g. 127.0.0.1:9437 or [::1]:9437)"

#define QUOTED_MAX 64

static int fail(const char *text, const char *why, char *error, size_t error_size)
{
	/* quoted whole up to a length a line can hold: the reason must not be cut off */
	snprintf(error, error_size, "--listen: '%.*s%s' %s; expected " EXPECTED, QUOTED_MAX, text,
		 strlen(text) > QUOTED_MAX ? "..." : "", why);
	return -EINVAL;
}

static int parse_port(const char *text, in_port_t *port)
{
	char *end;
	unsigned long value;

	if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 5)
		return -EINVAL;
	value = strtoul(text, &end, 10);
	if (*end || value > 65535)
		return -EINVAL;
	*port = htons((in_port_t)value);
	return 0;
}

/* fe80::1%eth0 or fe80::1%2: the interface a link-local address belongs to. */
static int parse_zone(const char *zone, uint32_t *index)
{
	char *end;
	unsigned long number;

	if (!*zone)
		return -EINVAL;
	if (strspn(zone, "0123456789") == strlen(zone)) {
		number = strtoul(zone, &end, 10);
		if (*end || number == 0 || number > UINT32_MAX)
			return -EINVAL;
		*index = (uint32_t)number;
		return 0;
	}
	*index = if_nametoindex(zone);
	return *index ? 0 : -ENODEV;
}

static int parse_ipv6(const char *text, const char *host, const char *port,
		      struct mw_listen_address *out, char *error, size_t error_size)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->address;
	char copy[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char *zone;
	uint32_t scope = 0;

	if (strlen(host) >= sizeof(copy))
		return fail(text, "has an address too long for IPv6", error, error_size);
	strcpy(copy, host);
	zone = strchr(copy, '%');
	if (zone) {
		*zone++ = '\0';
		if (parse_zone(zone, &scope))
			return fail(text, "names no network interface after %", error, error_size);
	}
	memset(in6, 0, sizeof(*in6));
	in6->sin6_family = AF_INET6;
	in6->sin6_scope_id = scope;
	if (inet_pton(AF_INET6, copy, &in6->sin6_addr) != 1)
		return fail(text, "has no IPv6 address in its brackets", error, error_size);
	if (parse_port(port, &in6->sin6_port))
		return fail(text, "has no port from 0 to 65535 after the address", error,
			    error_size);
	out->length = sizeof(*in6);
	return 0;
}

int listen_address__parse(const char *text, struct mw_listen_address *out, char *error,
			  size_t error_size)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->address;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *colon;
	size_t host_length;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return fail(text, "opens a bracket without ']:' and a port after it", error,
				    error_size);
		host_length = (size_t)(close - text - 1);
		if (host_length >= sizeof(host))
			return fail(text, "has an address too long for IPv6", error, error_size);
		memcpy(host, text + 1, host_length);
		host[host_length] = '\0';
		return parse_ipv6(text, host, close + 2, out, error, error_size);
	}
	colon = strrchr(text, ':');
	if (!colon)
		return fail(text, "has no port", error, error_size);
	if (strchr(text, ':') != colon)
		return fail(text, "looks like an IPv6 address without brackets", error, error_size);
	host_length = (size_t)(colon - text);
	if (!host_length)
		return fail(text, "has no address before the port (0.0.0.0 for every one)", error,
			    error_size);
	if (host_length >= INET_ADDRSTRLEN)
		return fail(text, "is not an IPv4 address and port", error, error_size);
	memcpy(host, text, host_length);
	host[host_length] = '\0';
	in4->sin_family = AF_INET;
	/* inet_pton takes dotted quads only, not inet_aton's 127.1 or 0x7f.0.0.1 */
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return fail(text, "is not an IPv4 address (host names are not looked up)", error,
			    error_size);
	if (parse_port(colon + 1, &in4->sin_port))
		return fail(text, "has no port from 0 to 65535 after the address", error,
			    error_size);
	out->length = sizeof(*in4);
	return 0;
}

void listen_address__format(const struct sockaddr *address, char *text, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (address->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)address;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(text, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)address;

		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(text, size, "%s:%u", host, ntohs(in4->sin_port));
	}
}
