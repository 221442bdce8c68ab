#!/usr/bin/env python3
"""Usage: check-unit-hardening.py UNIT_FILE

What the unit promises an operator, read the way systemd reads it: it starts
at boot and comes back after a crash; it runs with no new privileges, a
read-only system except the agent's own output directories, and only
capabilities that are each explained in a comment and none of the broad ones;
its system call filter lets the agent's own calls through; and, without
CAP_SYS_ADMIN to mount tracefs itself, it waits for systemd to mount it.
"""
import os
import sys

import unit_file
from check_tally import check, finish

# Any of these would let the agent do far more than read /proc and trace.
BROAD_CAPABILITIES = {"CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN",
                      "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_SYS_MODULE",
                      "CAP_SYS_RAWIO", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_BOOT",
                      "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_SYS_RESOURCE"}


def main():
    path = sys.argv[1]
    unit = unit_file.parse(path)
    service = lambda key, default=None: unit_file.last(unit, "Service", key, default)

    check("multi-user.target" in unit_file.words(unit, "Install", "WantedBy"),
          "not WantedBy=multi-user.target: `systemctl enable` would not start it at boot")
    check(service("Restart") in ("on-failure", "on-abnormal", "always"),
          f"Restart={service('Restart')}: a crashed agent stays down")
    check(service("NoNewPrivileges") in ("yes", "true", "1"), "NoNewPrivileges is not set")
    check(service("ProtectSystem") == "strict",
          f"ProtectSystem={service('ProtectSystem')}: /etc and the rest stay writable")
    check(service("ProtectHome") in ("yes", "read-only", "tmpfs"), "home directories are writable")
    check(service("ProtectKernelTunables") in ("yes", "true", "1"), "/proc/sys and /sys are writable")

    command = unit_file.exec_start(unit)
    check(command[1:2] == ["agent"], f"ExecStart does not run `mapwatch agent`: {command}")
    writable = set(unit_file.words(unit, "Service", "ReadWritePaths"))
    runtime = {"/run/" + d for d in unit_file.words(unit, "Service", "RuntimeDirectory")}
    outputs = set()
    for option in ("--textfile", "--snapshot"):
        if check(option in command[:-1], f"ExecStart has no {option}"):
            outputs.add(os.path.dirname(command[command.index(option) + 1]))
    check(outputs <= writable | runtime,
          f"output directories {sorted(outputs - writable - runtime)} are read-only to the agent")
    check(writable <= outputs,
          f"ReadWritePaths opens {sorted(writable - outputs)}, where the agent writes nothing")
    textfile = command[command.index("--textfile") + 1] if "--textfile" in command[:-1] else ""
    check(os.path.dirname(textfile) in writable,
          "the textfile directory is not in ReadWritePaths (node_exporter reads it, it outlives the service)")

    check(service("User", "root") == "root", "the agent needs root's view of /proc")
    bounding = set(unit_file.words(unit, "Service", "CapabilityBoundingSet"))
    ambient = set(unit_file.words(unit, "Service", "AmbientCapabilities"))
    check(bounding, "no CapabilityBoundingSet: the agent would hold every capability")
    check(bounding == ambient,
          f"CapabilityBoundingSet and AmbientCapabilities differ: {sorted(bounding ^ ambient)}")
    check(not bounding & BROAD_CAPABILITIES, f"broad capabilities granted: {sorted(bounding & BROAD_CAPABILITIES)}")
    notes = unit_file.comments(path)
    for capability in sorted(bounding):
        check(any(note.startswith(capability) and len(note.split()) >= 4 for note in notes),
              f"{capability} has no comment saying what the agent uses it for")

    calls = set(unit_file.words(unit, "Service", "SystemCallFilter"))
    for call in ("bpf", "perf_event_open"):
        check(call in calls or "@privileged" in calls,
              f"SystemCallFilter refuses {call}(), which the agent needs")

    if "CAP_SYS_ADMIN" not in bounding:
        tracefs = "sys-kernel-tracing.mount"
        check(tracefs in unit_file.words(unit, "Unit", "After") and
              (tracefs in unit_file.words(unit, "Unit", "Wants") or
               tracefs in unit_file.words(unit, "Unit", "Requires")),
              f"without CAP_SYS_ADMIN the agent cannot mount tracefs: the unit must want and follow {tracefs}")


if __name__ == "__main__":
    main()
    finish(sys.argv[1])
