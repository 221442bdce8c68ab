#!/usr/bin/env python3
"""Usage: check-dashboard.py DASHBOARD_JSON PROMETHEUS_TEXTFILE_C PROMTOOL REFERENCE_MD

Checks the Grafana dashboard the way an operator would find out the hard way:
every query must parse as PromQL (promtool, after Grafana's variables are
filled in), use only variables the dashboard defines, and name only metrics
the agent writes. The metrics the agent writes are read from the exporter's
table of families (metric_families.py); a name must also be in the metric
table of the reference page (deploy/reference.md), which must list exactly
the metrics the agent writes, so that what operators read and what they
query stay the same set.
Then checks that the views the dashboard promises are there.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from check_tally import check, failures, finish
from metric_families import families, series


GRAFANA_BUILTINS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h"}
PROMQL_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                   "group_right", "bool", "offset", "inf", "nan", "atan2"}


def reference_families(reference_path):
    """Name -> type of each family in the reference page's metric table."""
    kinds = {}
    for line in open(reference_path):
        match = re.match(r'\|\s*`(mapwatch_[a-z0-9_]+)[^`]*`\s*\|\s*(\w+)\s*\|', line)
        if match:
            kinds[match.group(1)] = match.group(2)
    return kinds


def series_of(kinds):
    """The names a query can use: a histogram's are its _bucket, _sum and _count."""
    names = set()
    for name, kind in kinds.items():
        if kind == "histogram":
            names |= {name + "_bucket", name + "_sum", name + "_count"}
        else:
            names.add(name)
    return names


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers that are not functions,
    keywords, label names or grouping labels."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)
    text = re.sub(r'\{[^}]*\}', ' ', text)
    text = re.sub(r'\[[^\]]*\]', ' ', text)
    text = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', ' ', text)
    text = re.sub(r'\boffset\s+\S+', ' ', text)
    text = re.sub(r'(?<![\w:])\d[\w.]*', ' ', text)
    names = set()
    for match in re.finditer(r'[A-Za-z_:][A-Za-z0-9_:]*', text):
        name = match.group(0)
        if name.lower() in PROMQL_KEYWORDS or re.match(r'\s*\(', text[match.end():]):
            continue
        names.add(name)
    return names


def self_test():
    """The extractor must see the metric in the shapes the dashboard uses."""
    cases = {
        'sum by (le) (rate(a_bucket{instance=~"$x"}[5m]))': {"a_bucket"},
        'topk(10, b{pid="1"}) and on (instance, pid) c offset 1h': {"b", "c"},
        'max(time() - d) > 1e3': {"d"},
        'label_values(e, instance)': {"e", "instance"},
    }
    for expr, expected in cases.items():
        got = metric_names(expr)
        if got != expected:
            sys.exit(f"check-dashboard.py is broken: {expr!r} gave {sorted(got)}, not {sorted(expected)}")


def panels_of(container):
    for panel in container.get("panels", []):
        yield panel
        yield from panels_of(panel)


def fill_variables(expr, variables, where):
    def value(match):
        name = match.group(1) or match.group(2)
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        if check(name in variables, f"{where}: uses ${name}, which the dashboard does not define"):
            return variables[name]
        return "x"
    return re.sub(r'\$\{(\w+)(?::\w+)?\}|\$(\w+)', value, expr)


def promtool_parses(promtool, queries):
    """One recording rule per query: `promtool check rules` parses each expr."""
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": expr} for i, (_, expr) in enumerate(queries)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as file:
        json.dump(rules, file)  # JSON is YAML
        path = file.name
    try:
        result = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        failures.append("promtool does not parse the dashboard's queries:\n" +
                        (result.stdout + result.stderr).strip())


def main():
    dashboard_path, source_path, promtool, reference_path = sys.argv[1:5]
    self_test()

    dashboard = json.load(open(dashboard_path))
    written = series(source_path)
    check(len(written) >= 17, f"found only {sorted(written)} in {source_path}")
    reference_kinds = reference_families(reference_path)
    reference = series_of(reference_kinds)
    check(len(reference) >= 17, f"found only {sorted(reference)} in {reference_path}")
    for name, kind in families(source_path):
        listed = reference_kinds.get(name, kind)
        check(listed == kind, f"{reference_path}: the metric table gives {name} as a {listed}; the agent writes a {kind}")
    for name in sorted(written - reference):
        failures.append(f"{reference_path}: the metric table does not list {name}, which the agent writes")
    for name in sorted(reference - written):
        failures.append(f"{reference_path}: the metric table lists {name}, which the agent does not write")
    allowed = written & reference

    for key in ("title", "uid", "schemaVersion", "panels"):
        check(key in dashboard, f"no {key}")

    templating = dashboard.get("templating", {}).get("list", [])
    variables = {}
    queries = []  # (where, expr with variables filled in)
    for variable in templating:
        name = variable["name"]
        variables[name] = {"datasource": "prometheus", "top": "10"}.get(name, ".+")
        if variable.get("type") == "query":
            query = variable["query"]
            query = query.get("query", "") if isinstance(query, dict) else query
            match = re.fullmatch(r'label_values\((.+),\s*\w+\)', query.strip())
            if check(match, f"variable {name}: {query!r} is not label_values(SELECTOR, LABEL)"):
                queries.append((f"variable {name}", match.group(1)))
    check(any(v.get("type") == "datasource" and v.get("query") == "prometheus" for v in templating),
          "no Prometheus data source variable: the dashboard would be tied to one data source")

    titles = []
    for panel in panels_of(dashboard):
        if panel.get("type") == "row":
            continue
        where = f"panel {panel.get('title')!r}"
        titles.append(panel.get("title"))
        targets = panel.get("targets", [])
        check(targets, f"{where}: no query")
        check(panel.get("datasource", {}).get("uid") == "${datasource}",
              f"{where}: data source is not the dashboard's $datasource")
        for target in targets:
            expr = target.get("expr", "")
            if check(expr.strip(), f"{where}: target {target.get('refId')} has no expr"):
                queries.append((where, fill_variables(expr, variables, where)))

    expressions_by_name = {}
    for where, expr in queries:
        names = metric_names(expr)
        check(names, f"{where}: {expr!r} names no metric")
        for name in sorted(names - allowed):
            failures.append(f"{where}: {name} is not a metric mapwatch writes ({expr!r})")
        for name in names:
            expressions_by_name.setdefault(name, []).append(expr)
    promtool_parses(promtool, queries)

    # The views the dashboard exists for.
    def panel_uses(*names):
        return any(all(name in metric_names(expr) for name in names)
                   for _, expr in queries)
    check(panel_uses("mapwatch_orphaned_mappings") and panel_uses("mapwatch_orphaned_bytes"),
          "no host totals (mapwatch_orphaned_mappings, mapwatch_orphaned_bytes)")
    check(any("topk(" in expr and "mapwatch_process_orphaned_bytes" in metric_names(expr)
              for _, expr in queries), "no top processes by orphaned bytes")
    check(any(all(any(name in metric_names(t["expr"]) for t in panel.get("targets", []))
                  for name in ("mapwatch_process_map_count", "mapwatch_max_map_count"))
              for panel in panels_of(dashboard)),
          "no panel shows map counts against mapwatch_max_map_count")
    check(any(panel.get("type") == "heatmap" and any(
        "mapwatch_unlink_to_unmap_seconds_bucket" in metric_names(t["expr"])
        for t in panel.get("targets", [])) for panel in panels_of(dashboard)),
        "no heatmap of mapwatch_unlink_to_unmap_seconds")
    check(len(titles) == len(set(titles)), "two panels share a title")


if __name__ == "__main__":
    main()
    finish(sys.argv[1])
