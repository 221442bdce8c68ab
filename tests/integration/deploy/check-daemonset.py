#!/usr/bin/env python3
"""Usage: check-daemonset.py DAEMONSET_YAML SYSTEMD_UNIT

Parses the Kubernetes manifest and checks what a cluster operator relies on:
every node runs the agent with the host's processes, BTF, tracefs and the
node_exporter textfile directory; it runs the same command as the systemd
unit; and its liveness probe really tells a fresh snapshot from a stale one.
"""
import configparser
import os
import shlex
import subprocess
import sys
import tempfile
import time

import yaml

REQUIRED_CAPABILITIES = {"BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"}
REQUIRED_HOST_PATHS = {"/sys/kernel/btf", "/sys/kernel/tracing", "/var/lib/prometheus/node-exporter"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def option_value(args, name):
    return args[args.index(name) + 1] if name in args[:-1] else None


def unit_command(unit_path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    with open(unit_path) as unit:
        parser.read_file(unit)
    return shlex.split(parser["Service"]["ExecStart"])


def probe_status(command, snapshot, real_snapshot):
    """Runs a probe's exec command against a stand-in for the snapshot file."""
    command = [part.replace(real_snapshot, snapshot) for part in command]
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def check_probe(name, probe, real_snapshot):
    if not check(probe and "exec" in probe, f"{name}: no exec probe"):
        return
    command = probe["exec"]["command"]
    check(real_snapshot in " ".join(command), f"{name}: does not look at {real_snapshot}")
    with tempfile.TemporaryDirectory() as directory:
        snapshot = os.path.join(directory, "snapshot.json")
        check(probe_status(command, snapshot, real_snapshot) != 0,
              f"{name}: passes although the snapshot does not exist")
        with open(snapshot, "w") as file:
            file.write("{}\n")
        check(probe_status(command, snapshot, real_snapshot) == 0,
              f"{name}: fails on a snapshot written just now")
        fresh_enough = time.time() - 30
        os.utime(snapshot, (fresh_enough, fresh_enough))
        check(probe_status(command, snapshot, real_snapshot) == 0,
              f"{name}: fails on a snapshot written 30 s ago (two intervals)")
        stale = time.time() - 5 * 60
        os.utime(snapshot, (stale, stale))
        check(probe_status(command, snapshot, real_snapshot) != 0,
              f"{name}: passes on a snapshot 5 minutes old")


def main():
    manifest_path, unit_path = sys.argv[1], sys.argv[2]
    with open(manifest_path) as manifest:
        documents = [d for d in yaml.safe_load_all(manifest) if d is not None]
    by_kind = {d.get("kind"): d for d in documents}
    for kind in ("Namespace", "ServiceAccount", "DaemonSet"):
        check(kind in by_kind, f"no {kind} in {manifest_path}")
    daemonset = by_kind.get("DaemonSet")
    if daemonset is None:
        return

    namespace = by_kind.get("Namespace", {}).get("metadata", {}).get("name")
    for kind in ("ServiceAccount", "DaemonSet"):
        check(by_kind.get(kind, {}).get("metadata", {}).get("namespace") == namespace,
              f"{kind} is not in namespace {namespace}")

    spec = daemonset["spec"]
    template = spec["template"]
    labels = template["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()),
          "selector does not match the pod template's labels")
    pod = template["spec"]
    check(pod.get("hostPID") is True, "hostPID is not true: the agent would see only its own pod")
    check(any(t.get("operator") == "Exists" and "key" not in t and "effect" not in t
              for t in pod.get("tolerations", [])),
          "no toleration of every taint: some nodes would run no agent")
    check(pod.get("serviceAccountName") == by_kind.get("ServiceAccount", {}).get("metadata", {}).get("name"),
          "pod does not use the manifest's service account")

    containers = pod["containers"]
    if not check(len(containers) == 1, "expected one container"):
        return
    container = containers[0]
    check(container["image"] == "mapwatch:latest", "image is not the documented placeholder mapwatch:latest")

    command = container.get("command", []) + container.get("args", [])
    expected = unit_command(unit_path)
    check(command == expected,
          f"container runs {' '.join(command)!r}, the systemd unit {' '.join(expected)!r}")

    security = container.get("securityContext", {})
    check(not security.get("privileged"), "container is privileged; it needs only its capabilities")
    capabilities = security.get("capabilities", {})
    check(REQUIRED_CAPABILITIES <= set(capabilities.get("add", [])),
          f"capabilities missing: {sorted(REQUIRED_CAPABILITIES - set(capabilities.get('add', [])))}")
    check("ALL" in capabilities.get("drop", []), "capabilities not dropped to what is added")

    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        check("memory" in resources.get(kind, {}), f"no memory {kind}")
    check("cpu" in resources.get("requests", {}), "no cpu request")

    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    for mount in mounts.values():
        check(mount["name"] in volumes, f"mount {mount['mountPath']} names no volume")
    host_paths = {}
    for mount_path, mount in mounts.items():
        host_path = volumes.get(mount["name"], {}).get("hostPath", {}).get("path")
        if host_path:
            host_paths[host_path] = mount_path
    for path in REQUIRED_HOST_PATHS:
        check(host_paths.get(path) == path, f"host {path} is not mounted at {path}")
    for option in ("--textfile", "--snapshot"):
        output = option_value(command, option)
        if check(output, f"agent has no {option}"):
            directory = os.path.dirname(output)
            check(directory in mounts and not mounts[directory].get("readOnly"),
                  f"{option} directory {directory} is not a writable volume")

    snapshot = option_value(command, "--snapshot")
    if snapshot:
        check_probe("livenessProbe", container.get("livenessProbe"), snapshot)
        check_probe("startupProbe", container.get("startupProbe"), snapshot)


if __name__ == "__main__":
    main()
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        sys.exit(1)
    print(f"PASS: {sys.argv[1]}")
