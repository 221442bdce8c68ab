#!/usr/bin/env python3
"""Usage: check-node-exporter.py MAPWATCH_BINARY ALERT_RULES PROMTOOL NODE_EXPORTER

The path from the agent's textfile to an alert, with the real node_exporter:
`mapwatch scan --textfile` writes the file (same writer as the agent, no BPF),
node_exporter's textfile collector serves it on a loopback port, and the test
scrapes it. node_exporter must read it without error and serve every mapwatch
series in it; then the stale-textfile alert is run by promtool on the
node_textfile_mtime_seconds series exactly as node_exporter labels it.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml
from check_tally import check, finish


def samples(exposition):
    """(name, labels, value) of every sample line; labels sorted, as
    node_exporter reorders them, and empty ones dropped: node_exporter gives
    every series of a family the labels any series of it has (a process in a
    container has one the others lack), empty where a series had none, and an
    empty label is no label to Prometheus."""
    result = []
    for line in exposition.splitlines():
        match = re.match(r'^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$', line)
        if match:
            labels = tuple(sorted((name, value) for name, value in
                                  re.findall(r'(\w+)="((?:\\.|[^"\\])*)"', match.group(2) or "")
                                  if value))
            result.append((match.group(1), labels, float(match.group(3))))
    return result


def yaml_load(path):
    with open(path) as file:
        return yaml.safe_load(file)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# How long node_exporter may take to serve, however busy the host: within
# the test's 60 s, with room for the rest.
SERVE_SECONDS = 45


def scrape(node_exporter, directory):
    """Starts node_exporter on a free loopback port, returns one scrape: polls
    until it answers, on another port should it exit (the port taken
    between the probe and its bind)."""
    deadline = time.monotonic() + SERVE_SECONDS
    errors = ""
    while time.monotonic() < deadline:
        port = free_port()
        with tempfile.TemporaryFile(mode="w+") as log:
            server = subprocess.Popen(
                [node_exporter, "--collector.disable-defaults", "--collector.textfile",
                 f"--collector.textfile.directory={directory}",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=log, text=True)
            try:
                while time.monotonic() < deadline and server.poll() is None:
                    try:
                        timeout = max(1, deadline - time.monotonic())
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                                    timeout=timeout) as reply:
                            return reply.read().decode()
                    except OSError:
                        time.sleep(0.1)
            finally:
                server.terminate()
                server.wait(timeout=10)
                log.seek(0)
                errors = log.read()[-2000:]
    sys.exit(f"node_exporter did not serve /metrics within {SERVE_SECONDS} s: {errors}")


def stale_alert_selects(rules, promtool, file_label, directory):
    """Evaluates the stale alert's expression with promtool on series labelled
    as node_exporter labels them: the file written 5 minutes ago must come
    out, the one written just now must not. (When it fires is tested with
    the rules themselves.)"""
    alert = next((rule for group in yaml_load(rules)["groups"] for rule in group["rules"]
                  if rule.get("alert") == "MapwatchTextfileStale"), None)
    if not check(alert, f"{rules} has no MapwatchTextfileStale"):
        return True, ""
    series = 'node_textfile_mtime_seconds{instance="%s",job="node",file="%s"}'
    test = {
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": series % ("node1:9100", file_label), "values": "0+60x5 300x25"},
                {"series": series % ("node2:9100", file_label), "values": "0+60x30"},
            ],
            "promql_expr_test": [{
                "expr": alert["expr"], "eval_time": "10m",
                "exp_samples": [{"labels": '{instance="node1:9100",job="node",file="%s"}' % file_label,
                                 "value": 300}],
            }],
        }],
    }
    path = os.path.join(directory, "stale.test.yml")
    with open(path, "w") as file:
        json.dump(test, file)  # JSON is YAML
    result = subprocess.run([promtool, "test", "rules", path], capture_output=True, text=True)
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def main():
    binary, rules, promtool, node_exporter = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as directory:
        textfile_dir = os.path.join(directory, "textfile")
        os.mkdir(textfile_dir)
        textfile = os.path.join(textfile_dir, "mapwatch.prom")
        result = subprocess.run([binary, "scan", "--textfile", textfile],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not check(result.returncode == 0, f"mapwatch scan --textfile failed: {result.stderr.strip()}"):
            return
        written = {(name, labels) for name, labels, _ in samples(open(textfile).read())}
        check(written, "the textfile has no samples")

        served = samples(scrape(node_exporter, textfile_dir))
        errors = [value for name, _, value in served if name == "node_textfile_scrape_error"]
        check(errors == [0.0], f"node_textfile_scrape_error is {errors}: node_exporter could not read the file")
        served_keys = {(name, labels) for name, labels, _ in served}
        missing = {name for name, labels in written if (name, labels) not in served_keys}
        check(not missing, f"node_exporter does not serve {sorted(missing)}")
        limit = int(open("/proc/sys/vm/max_map_count").read())
        check(("mapwatch_max_map_count", (), float(limit)) in served,
              f"mapwatch_max_map_count is not served as {limit}")

        mtimes = [(labels, value) for name, labels, value in served if name == "node_textfile_mtime_seconds"]
        check(len(mtimes) == 1, f"expected one node_textfile_mtime_seconds, got {mtimes}")
        if not mtimes:
            return
        labels, value = mtimes[0]
        check(abs(value - os.stat(textfile).st_mtime) < 1.5, "node_textfile_mtime_seconds is not the file's mtime")
        file_label = dict(labels).get("file", "")
        selected, output = stale_alert_selects(rules, promtool, file_label, directory)
        check(selected, f"MapwatchTextfileStale does not see node_exporter's file=\"{file_label}\":\n{output}")


if __name__ == "__main__":
    main()
    finish("node_exporter serves the textfile and the stale alert watches it")
