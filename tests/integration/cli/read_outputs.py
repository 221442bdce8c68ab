#!/usr/bin/env python3
"""Usage: read_outputs.py SNAPSHOT TEXTFILE STOP_FILE SAMPLE_DIR

Reads the agent's two output files over and over, as node_exporter and a
script would, until STOP_FILE exists. Every read must be a whole, valid file:
the snapshot parses as JSON with the schema's top level, and the textfile
passes a strict parser of the Prometheus text format (below). Each distinct
textfile is also saved in SAMPLE_DIR (up to a cap) for promtool. Prints
"READS N DISTINCT M" and exits 1 with the first bad file on stderr.
"""
import hashlib
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshot_orphans import counted_mappings, orphan_mappings  # noqa: E402

METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"(%s)(?:\{(%s(?:,%s)*)?\})? (\S+)$" % (METRIC_NAME, LABEL, LABEL))
HELP = re.compile(r"# HELP (%s) (?:[^\\\n]|\\[\\n])*$" % METRIC_NAME)
TYPE = re.compile(r"# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % METRIC_NAME)
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}
SAMPLE_CAP = 40
LAST_SERIES = "mapwatch_last_update_timestamp_seconds"


def parse_value(text):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError("value %r" % text)
    return float(text)


def family_of(name, types):
    if name in types:
        return name
    for family, kind in types.items():
        if any(name == family + suffix for suffix in SUFFIXES.get(kind, ())):
            return family
    return None


def check_textfile(text):
    """Raises ValueError naming what is wrong."""
    if not text.endswith("\n"):
        raise ValueError("no final newline: cut short")
    types, helps, series, done, current = {}, set(), set(), set(), None
    last = None
    for number, line in enumerate(text[:-1].split("\n"), 1):
        if line.startswith("# HELP "):
            match = HELP.match(line)
            if not match or match.group(1) in helps:
                raise ValueError("line %d: bad or repeated HELP: %r" % (number, line))
            helps.add(match.group(1))
            continue
        if line.startswith("# TYPE "):
            match = TYPE.match(line)
            if not match or match.group(1) in types:
                raise ValueError("line %d: bad or repeated TYPE: %r" % (number, line))
            types[match.group(1)] = match.group(2)
            continue
        if line.startswith("#") or not line:
            raise ValueError("line %d: not a sample: %r" % (number, line))
        match = SAMPLE.match(line)
        if not match:
            raise ValueError("line %d: malformed sample: %r" % (number, line))
        name, labels, value = match.groups()
        family = family_of(name, types)
        if family is None:
            raise ValueError("line %d: %s has no TYPE before it" % (number, name))
        if family != current:
            if family in done:
                raise ValueError("line %d: family %s is split" % (number, family))
            if current:
                done.add(current)
            current = family
        key = (name, labels or "")
        if key in series:
            raise ValueError("line %d: duplicate series %s{%s}" % (number, name, labels))
        series.add(key)
        number_value = parse_value(value)
        if types[family] == "counter" and (math.isnan(number_value) or number_value < 0):
            raise ValueError("line %d: counter %s is %s" % (number, name, value))
        last = name
    # the writer ends with this series: anything else is a file cut short
    if last != LAST_SERIES:
        raise ValueError("ends with %s, not %s" % (last, LAST_SERIES))


def check_snapshot(text):
    document = json.loads(text)
    if document.get("version") != 3 or document.get("source") != "agent":
        raise ValueError("not a version 2 agent snapshot")
    if not isinstance(document.get("processes"), list):
        raise ValueError("no processes list")
    for process in document["processes"]:
        # every orphaned mapping is listed as a range or counted as left out
        listed = len(orphan_mappings(process))
        if (listed + process["orphan_ranges_omitted"] != process["orphaned_mappings"]
                or counted_mappings(process) < listed):
            raise ValueError("pid %d: orphaned_mappings disagrees" % process["pid"])


def read(path):
    try:
        with open(path, "rb") as file:
            return file.read().decode("utf-8")
    except FileNotFoundError:
        return None


def main():
    snapshot, textfile, stop_file, sample_dir = sys.argv[1:5]
    reads, distinct = 0, set()
    while not os.path.exists(stop_file):
        for path, check in ((snapshot, check_snapshot), (textfile, check_textfile)):
            text = read(path)
            if text is None:
                continue
            try:
                check(text)
            except (ValueError, KeyError, TypeError) as error:
                sys.stderr.write("%s: %s\n--- the file read:\n%s\n" % (path, error, text[-2000:]))
                sys.exit(1)
            reads += 1
            if check is check_textfile:
                digest = hashlib.sha1(text.encode()).hexdigest()
                if digest not in distinct and len(distinct) < SAMPLE_CAP:
                    with open(os.path.join(sample_dir, digest + ".prom"), "w") as sample:
                        sample.write(text)
                distinct.add(digest)
    print("READS %d DISTINCT %d" % (reads, len(distinct)))


if __name__ == "__main__":
    main()
