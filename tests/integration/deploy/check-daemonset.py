#!/usr/bin/env python3
"""Usage: check-daemonset.py DAEMONSET_YAML SYSTEMD_UNIT PODMONITOR_YAML

Parses the Kubernetes manifest and checks what a cluster operator relies on:
every node runs the agent (every taint tolerated, no node selection beyond
Linux) with the host's processes, BTF and tracefs (read-only), and the
node_exporter textfile directory the systemd unit writes too; it runs the
same command as the unit; it holds capabilities, each explained, instead of
privileged: true, and nothing that unmasks the host's /proc; it has resource
requests and limits; and its liveness probe really tells a fresh snapshot
from a stale one. It serves its metrics (--listen) on a named container
port of the pod's own network namespace, and the PodMonitor scrapes that port
of exactly these pods.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

import unit_file
from check_tally import check, finish

REQUIRED_CAPABILITIES = {"BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"}
REQUIRED_HOST_PATHS = {"/sys/kernel/btf", "/sys/kernel/tracing", "/var/lib/prometheus/node-exporter"}
READ_ONLY_HOST_PATHS = {"/sys/kernel/btf", "/sys/kernel/tracing"}


def option_value(args, name):
    return args[args.index(name) + 1] if name in args[:-1] else None


def unit_command(unit_path):
    return unit_file.exec_start(unit_file.parse(unit_path))


def unit_writable_paths(unit_path):
    return set(unit_file.words(unit_file.parse(unit_path), "Service", "ReadWritePaths"))


def manifest_comments(manifest_path):
    with open(manifest_path) as manifest:
        return [line.split("#", 1)[1].strip() for line in manifest if "#" in line]


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


def without_option(args, name):
    """args with the option and its value taken out."""
    if name not in args[:-1]:
        return list(args)
    at = args.index(name)
    return args[:at] + args[at + 2:]


def check_listen(command, container, pod):
    """--listen on every address of the pod, its port declared and named."""
    listen = option_value(command, "--listen")
    if not check(listen, "agent has no --listen: Prometheus cannot scrape the pods directly"):
        return None
    host, _, port = listen.rpartition(":")
    check(host in ("0.0.0.0", "[::]"),
          f"--listen {listen}: a pod is scraped at its pod IP; loopback or a fixed address is unreachable")
    check(not pod.get("hostNetwork"), "hostNetwork: --listen would take a port of the node")
    check(port.isdigit() and 1024 < int(port) < 65536,
          f"--listen {listen}: a port above 1024 needs no capability")
    ports = [p for p in container.get("ports", []) if str(p.get("containerPort")) == port]
    if not check(len(ports) == 1, f"no containerPort {port} for --listen {listen}"):
        return None
    check(ports[0].get("protocol", "TCP") == "TCP", f"containerPort {port} is not TCP")
    check(ports[0].get("name"), f"containerPort {port} has no name for a PodMonitor to use")
    check("hostPort" not in ports[0], f"containerPort {port} has a hostPort: it would be open on the node")
    return ports[0].get("name")


def check_podmonitor(path, namespace, pod_labels, port_name):
    with open(path) as file:
        documents = [d for d in yaml.safe_load_all(file) if d is not None]
    monitors = [d for d in documents if d.get("kind") == "PodMonitor"]
    if not check(len(documents) == 1 and len(monitors) == 1, f"{path}: one PodMonitor and nothing else"):
        return
    monitor = monitors[0]
    check(monitor.get("apiVersion") == "monitoring.coreos.com/v1", f"{path}: not monitoring.coreos.com/v1")
    check(monitor["metadata"].get("namespace") == namespace, f"{path}: not in namespace {namespace}")
    spec = monitor["spec"]
    selector = spec.get("selector", {}).get("matchLabels", {})
    check(selector and all(pod_labels.get(k) == v for k, v in selector.items()),
          f"{path}: selector {selector} does not match the DaemonSet's pods {pod_labels}")
    names = spec.get("namespaceSelector", {}).get("matchNames", [namespace])
    check(namespace in names, f"{path}: namespaceSelector {names} leaves out {namespace}")
    endpoints = spec.get("podMetricsEndpoints", [])
    if not check(len(endpoints) == 1, f"{path}: expected one podMetricsEndpoint"):
        return
    endpoint = endpoints[0]
    check(port_name and endpoint.get("port") == port_name,
          f"{path}: scrapes port {endpoint.get('port')!r}, the container's is {port_name!r}")
    check(endpoint.get("path", "/metrics") == "/metrics", f"{path}: path {endpoint.get('path')} is not /metrics")
    check(endpoint.get("scheme", "http") == "http", f"{path}: the agent serves plain HTTP")


def main():
    manifest_path, unit_path, podmonitor_path = sys.argv[1], sys.argv[2], sys.argv[3]
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
    selector = pod.get("nodeSelector", {})
    check(set(selector) <= {"kubernetes.io/os"} and selector.get("kubernetes.io/os", "linux") == "linux",
          f"nodeSelector {selector} keeps the agent off some Linux nodes")
    check("affinity" not in pod, "affinity keeps the agent off some nodes")
    check(pod.get("serviceAccountName") == by_kind.get("ServiceAccount", {}).get("metadata", {}).get("name"),
          "pod does not use the manifest's service account")

    containers = pod["containers"]
    if not check(len(containers) == 1, "expected one container"):
        return
    container = containers[0]
    check(container["image"] == "mapwatch:latest", "image is not the documented placeholder mapwatch:latest")

    command = container.get("command", []) + container.get("args", [])
    expected = unit_command(unit_path)
    # the unit has no network to serve on (PrivateNetwork=); otherwise the same
    check(without_option(command, "--listen") == without_option(expected, "--listen"),
          f"container runs {' '.join(command)!r}, the systemd unit {' '.join(expected)!r}")
    port_name = check_listen(command, container, pod)
    check_podmonitor(podmonitor_path, namespace, labels, port_name)

    security = container.get("securityContext", {})
    check(not security.get("privileged"), "container is privileged; it needs only its capabilities")
    capabilities = security.get("capabilities", {})
    check(REQUIRED_CAPABILITIES <= set(capabilities.get("add", [])),
          f"capabilities missing: {sorted(REQUIRED_CAPABILITIES - set(capabilities.get('add', [])))}")
    check("ALL" in capabilities.get("drop", []), "capabilities not dropped to what is added")
    notes = manifest_comments(manifest_path)
    for capability in capabilities.get("add", []):
        check(any(re.search(r'\b' + capability + r'\b.*:', note) for note in notes),
              f"capability {capability} has no comment saying what the agent uses it for")
    check(security.get("procMount", "Default") == "Default",
          "procMount Unmasked exposes the host's /proc/sys and /proc/kcore")
    check(security.get("readOnlyRootFilesystem") is True, "root file system is writable")
    check(security.get("appArmorProfile", {}).get("type") == "Unconfined",
          "the default AppArmor profile stops reading /proc/PID/maps of the host's processes")

    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            check(resource in resources.get(kind, {}), f"no {resource} {kind[:-1]}")

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
    for path in READ_ONLY_HOST_PATHS:
        check(mounts.get(path, {}).get("readOnly") is True, f"{path} is mounted writable; the agent only reads it")
    for host_path, mount_path in host_paths.items():
        check(host_path != "/proc" and not host_path.startswith("/proc/") or mounts[mount_path].get("readOnly"),
              f"host {host_path} is mounted writable")
    textfile = option_value(command, "--textfile")
    if textfile:
        directory = os.path.dirname(textfile)
        check(directory in unit_writable_paths(unit_path),
              f"the textfile directory {directory} is not the one the systemd unit writes, "
              "so node_exporter set up for one would not find the other")
        check(any(path == directory for path in host_paths),
              f"the textfile directory {directory} is not a host directory node_exporter can read")
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
    finish(sys.argv[1])
