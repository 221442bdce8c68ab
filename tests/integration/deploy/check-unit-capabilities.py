#!/usr/bin/env python3
"""Usage: check-unit-capabilities.py UNIT_FILE MAPWATCH_BINARY   (as root)

Runs mapwatch with exactly the capabilities the systemd unit grants (root,
bounding and ambient sets as systemd sets them) and shows that each one is
needed, without loading any BPF program:

- /proc side: `mapwatch scan` must see what another user's process maps, as
  the agent does when it seeds and repairs. The process holds one orphaned
  mapping and one mapping whose file lost a name but keeps another hard link.
  With the unit's set, scan reports exactly the orphan; without any one of
  CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH or CAP_CHECKPOINT_RESTORE it does not.
- BPF side: without CAP_BPF or without CAP_PERFMON, `mapwatch agent` refuses
  to start in its pre-flight check, before it loads anything.

Exits 77 (skipped) when not run as root: changing capabilities needs it.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import unit_file
from check_tally import check, failures, finish

NOBODY = 65534
PROC_CAPABILITIES = {"CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH", "CAP_CHECKPOINT_RESTORE"}
BPF_CAPABILITIES = {"CAP_BPF", "CAP_PERFMON"}

# Maps two files and takes their names away; one keeps a second hard link.
HOLDER = r"""
import mmap, os, sys
directory = sys.argv[1]
held = []
for name in ("orphan", "linked"):
    path = os.path.join(directory, name)
    with open(path, "wb") as file:
        file.write(b"m" * 8192)
    fd = os.open(path, os.O_RDWR)
    held.append(mmap.mmap(fd, 8192))
    os.close(fd)
os.link(os.path.join(directory, "linked"), os.path.join(directory, "linked.keep"))
os.unlink(os.path.join(directory, "orphan"))
os.unlink(os.path.join(directory, "linked"))
print("ready", flush=True)
sys.stdin.read()
"""


def with_capabilities(capabilities, argv):
    names = ",".join(["-all"] + ["+" + c.lower().removeprefix("cap_") for c in sorted(capabilities)])
    return ["setpriv", f"--inh-caps={names}", f"--ambient-caps={names}",
            f"--bounding-set={names}", "--"] + argv


def orphans_seen(binary, capabilities, pid):
    result = subprocess.run(with_capabilities(capabilities, [binary, "scan", "--json", "--pid", str(pid)]),
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        return f"exit {result.returncode}: {result.stderr.strip()}"
    processes = [p for p in json.loads(result.stdout)["processes"] if p["pid"] == pid]
    return sorted(o["path"] for p in processes for o in p["orphans"])


def agent_refusal(binary, capabilities, directory):
    """The pre-flight's message, or None if the agent got past it."""
    # Only called with a set the pre-flight must refuse, so nothing loads; the
    # timeout bounds the damage if it ever does not.
    try:
        result = subprocess.run(
            with_capabilities(capabilities, [binary, "agent", "--interval", "1",
                                             "--textfile", os.path.join(directory, "m.prom")]),
            capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return None
    if result.returncode == 1 and "not privileged enough" in result.stderr:
        return result.stderr.strip()
    return None


def main():
    unit_path, binary = sys.argv[1:3]
    if os.geteuid() != 0:
        print("SKIP: needs root to run mapwatch with the unit's capabilities")
        sys.exit(77)
    check(shutil.which("setpriv"), "setpriv (util-linux) not found")
    unit = unit_file.parse(unit_path)
    granted = set(unit_file.words(unit, "Service", "CapabilityBoundingSet"))
    check(granted == set(unit_file.words(unit, "Service", "AmbientCapabilities")),
          "CapabilityBoundingSet and AmbientCapabilities differ")
    check(BPF_CAPABILITIES <= granted or "CAP_SYS_ADMIN" in granted,
          f"without {sorted(BPF_CAPABILITIES - granted)} the agent cannot load its programs")
    unknown = granted - PROC_CAPABILITIES - BPF_CAPABILITIES
    check(not unknown, f"no check here shows why the agent needs {sorted(unknown)}")
    if failures:
        return

    work = tempfile.mkdtemp(prefix="mapwatch-caps-")
    os.chmod(work, 0o755)
    files = os.path.join(work, "files")
    os.mkdir(files)
    os.chown(files, NOBODY, NOBODY)
    holder = subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                               sys.executable, "-c", HOLDER, files],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        check(holder.stdout.readline().strip() == "ready", "the mapping holder did not start")
        truth = [os.path.join(files, "orphan")]
        seen = orphans_seen(binary, granted, holder.pid)
        check(seen == truth, f"with the unit's capabilities scan sees {seen}, not {truth}")
        for capability in sorted(granted & PROC_CAPABILITIES):
            seen = orphans_seen(binary, granted - {capability}, holder.pid)
            check(seen != truth, f"scan is right without {capability}: the unit need not grant it")
        for capability in sorted(granted & BPF_CAPABILITIES):
            fewer = granted - {capability}
            if "CAP_SYS_ADMIN" in fewer or BPF_CAPABILITIES <= fewer:
                failures.append(f"the agent would start without {capability}")
                continue
            check(agent_refusal(binary, fewer, work),
                  f"without {capability} the agent does not refuse in its pre-flight check")
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
    finish(f"{sys.argv[1]} grants what mapwatch needs and nothing it does without")
