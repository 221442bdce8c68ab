/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long a test waits for the agent, a child or a file before it gives up.
 * Every wait returns as soon as what it waits for holds: the deadline only
 * ends a wait that would never end, so it leaves room for a machine whose
 * cores are busy with other work, and more under the sanitizers, which slow
 * the agent several times.
 */
#ifndef MAPWATCH_TEST_DEADLINE_H
#define MAPWATCH_TEST_DEADLINE_H

#if defined(__SANITIZE_ADDRESS__)
#define TEST_SLOWDOWN 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_SLOWDOWN 4
#endif
#endif
#ifndef TEST_SLOWDOWN
#define TEST_SLOWDOWN 1
#endif

#define TEST_DEADLINE_SECONDS (60 * TEST_SLOWDOWN)
#define TEST_DEADLINE_NS (TEST_DEADLINE_SECONDS * 1000000000ull)

#endif /* MAPWATCH_TEST_DEADLINE_H */
