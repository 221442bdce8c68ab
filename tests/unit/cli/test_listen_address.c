// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* agent --listen ADDR:PORT: what is taken, what is refused, and how it is shown. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "listen_address.h"

static void expect_ipv4(const char *text, const char *address, unsigned int port)
{
	struct mw_listen_address parsed;
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&parsed.address;
	char error[256] = "", shown[64], expected[64];

	cr_assert_eq(listen_address__parse(text, &parsed, error, sizeof(error)), 0, "%s: %s", text,
		     error);
	cr_assert_eq(in4->sin_family, AF_INET, "%s", text);
	cr_assert_eq(parsed.length, sizeof(struct sockaddr_in));
	cr_assert_eq(ntohs(in4->sin_port), port, "%s", text);
	listen_address__format((const struct sockaddr *)&parsed.address, shown, sizeof(shown));
	snprintf(expected, sizeof(expected), "%s:%u", address, port);
	cr_assert_str_eq(shown, expected);
}

static void expect_ipv6(const char *text, const char *shown_expected, uint32_t scope)
{
	struct mw_listen_address parsed;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&parsed.address;
	char error[256] = "", shown[80];

	cr_assert_eq(listen_address__parse(text, &parsed, error, sizeof(error)), 0, "%s: %s", text,
		     error);
	cr_assert_eq(in6->sin6_family, AF_INET6, "%s", text);
	cr_assert_eq(parsed.length, sizeof(struct sockaddr_in6));
	cr_assert_eq(in6->sin6_scope_id, scope, "%s", text);
	listen_address__format((const struct sockaddr *)&parsed.address, shown, sizeof(shown));
	cr_assert_str_eq(shown, shown_expected);
}

static void expect_refused(const char *text, const char *why)
{
	struct mw_listen_address parsed;
	char error[512] = "";

	cr_assert_eq(listen_address__parse(text, &parsed, error, sizeof(error)), -EINVAL, "%s",
		     text);
	/* the value quoted as given, or its start when it is long */
	cr_assert(!strncmp(error, "--listen: '", 11) &&
			  !strncmp(error + 11, text, strlen(text) > 64 ? 64 : strlen(text)),
		  "%s: %s", text, error);
	cr_assert(strstr(error, why), "%s: '%s' does not say '%s'", text, error, why);
	cr_assert(strstr(error, "expected ADDR:PORT"), "%s: %s", text, error);
	cr_assert_null(strchr(error, '\n'));
}

Test(listen_address, ipv4)
{
	expect_ipv4("127.0.0.1:9437", "127.0.0.1", 9437);
	expect_ipv4("0.0.0.0:80", "0.0.0.0", 80);
	expect_ipv4("10.1.2.3:65535", "10.1.2.3", 65535);
	/* the kernel picks: the start line says which */
	expect_ipv4("127.0.0.1:0", "127.0.0.1", 0);
}

Test(listen_address, ipv6_in_brackets)
{
	expect_ipv6("[::1]:9437", "[::1]:9437", 0);
	expect_ipv6("[::]:9437", "[::]:9437", 0);
	expect_ipv6("[2001:db8::7]:1", "[2001:db8::7]:1", 0);
	expect_ipv6("[::ffff:127.0.0.1]:9437", "[::ffff:127.0.0.1]:9437", 0);
	/* a link-local address names its interface, by index or by name */
	expect_ipv6("[fe80::1%1]:9437", "[fe80::1]:9437", 1);
	expect_ipv6("[fe80::1%lo]:9437", "[fe80::1]:9437", 1);
}

Test(listen_address, refused_with_the_reason)
{
	expect_refused("", "has no port");
	expect_refused("9437", "has no port");
	expect_refused("127.0.0.1", "has no port");
	expect_refused(":9437", "no address before the port");
	expect_refused("127.0.0.1:", "no port from 0 to 65535");
	expect_refused("127.0.0.1:65536", "no port from 0 to 65535");
	expect_refused("127.0.0.1:-1", "no port from 0 to 65535");
	expect_refused("127.0.0.1:+80", "no port from 0 to 65535");
	expect_refused("127.0.0.1:9437 ", "no port from 0 to 65535");
	expect_refused("127.0.0.1:000009437", "no port from 0 to 65535");
	expect_refused("localhost:9437", "host names are not looked up");
	expect_refused("127.1:9437", "is not an IPv4 address");
	expect_refused("0x7f.0.0.1:9437", "is not an IPv4 address");
	expect_refused("256.0.0.1:9437", "is not an IPv4 address");
	expect_refused("::1:9437", "without brackets");
	expect_refused("[::1]", "without ']:'");
	expect_refused("[::1]9437", "without ']:'");
	expect_refused("[::1:9437", "without ']:'");
	expect_refused("[127.0.0.1]:9437", "no IPv6 address");
	expect_refused("[]:9437", "no IPv6 address");
	expect_refused("[::1]:", "no port from 0 to 65535");
	expect_refused("[fe80::1%]:9437", "names no network interface");
	expect_refused("[fe80::1%no-such-interface]:9437", "names no network interface");
	expect_refused("[fe80::1%0]:9437", "names no network interface");
}

Test(listen_address, long_input_is_refused_whole)
{
	char text[4096];

	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	expect_refused(text, "has no port");
	text[0] = '[';
	text[100] = ']';
	text[101] = ':';
	expect_refused(text, "too long for IPv6");
	memset(text, '1', sizeof(text) - 1);
	text[2000] = ':';
	expect_refused(text, "is not an IPv4 address and port");
}
