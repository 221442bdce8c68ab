#!/usr/bin/env python3
"""Usage: check-alert-tests.py ALERT_RULES ALERT_TESTS

`promtool test rules` passes as long as what is tested holds; this checks
that enough is tested. Every alert has a severity, a summary and a
description, and the test file has a case where it fires and one where it
does not. And the rules watch each thing an operator needs told about:
orphaned mappings growing, a process near vm.max_map_count, the map limit
less than a day away, resize remaps, lost events, a stale textfile.
"""
import re
import sys

import yaml

from check_tally import check, failures, finish

# What must be watched: a metric the alert expression reads.
WATCHED = {
    "orphaned mappings growing": "mapwatch_orphaned_mappings",
    "a process near vm.max_map_count": "mapwatch_process_map_count_ratio",
    "the map limit close": "mapwatch_process_seconds_to_map_limit",
    "resize remaps": "mapwatch_process_resize_remaps_total",
    "lost events": "mapwatch_events_lost_total",
    "a stale textfile": "node_textfile_mtime_seconds",
}


def main():
    rules_path, tests_path = sys.argv[1:3]
    rules = [rule for group in yaml.safe_load(open(rules_path))["groups"] for rule in group["rules"]]
    alerts = {rule["alert"]: rule for rule in rules if "alert" in rule}
    check(alerts, f"no alerts in {rules_path}")

    cases = {}
    for test in yaml.safe_load(open(tests_path))["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], []).append(bool(case.get("exp_alerts")))
    for name, rule in alerts.items():
        check(rule.get("labels", {}).get("severity"), f"{name}: no severity label")
        for annotation in ("summary", "description"):
            check(rule.get("annotations", {}).get(annotation), f"{name}: no {annotation}")
        check(True in cases.get(name, []), f"{name}: no test where it fires")
        check(False in cases.get(name, []), f"{name}: no test where it stays quiet")
    for name in sorted(set(cases) - set(alerts)):
        failures.append(f"{tests_path} tests {name}, which {rules_path} does not define")

    for what, metric in WATCHED.items():
        check(any(re.search(r'\b' + metric + r'\b', rule["expr"]) for rule in alerts.values()),
              f"no alert on {what} ({metric})")


if __name__ == "__main__":
    main()
    finish(f"every alert in {sys.argv[1]} is tested firing and quiet")
