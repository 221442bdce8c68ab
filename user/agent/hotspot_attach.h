/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HotSpot's attach mechanism, as jcmd speaks it: a UNIX socket the JVM opens
 * in its /tmp once it finds an .attach_pid file there and gets a SIGQUIT.
 * Reached through /proc/PID/root with the pid the JVM knows itself by
 * (NSpid), so a JVM in a container's mount and pid namespaces answers too.
 */
#ifndef MAPWATCH_AGENT_HOTSPOT_ATTACH_H
#define MAPWATCH_AGENT_HOTSPOT_ATTACH_H

#include <stdint.h>

/*
 * Runs one jcmd command line ("GC.run", "VM.flags") in JVM @pid (as this pid
 * namespace numbers it). On 0, *result is the JVM's answer code (0: done)
 * and *output its text (owned, NUL-terminated). -errno when the JVM could
 * not be reached: -ETIMEDOUT when it never opened its socket.
 */
int hotspot_attach__jcmd(uint32_t pid, const char *command, int *result, char **output);

/* The pid the process has in its own pid namespace (the last of NSpid). */
int hotspot_attach__namespace_pid(uint32_t pid, uint32_t *nspid);

#endif
