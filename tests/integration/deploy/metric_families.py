"""The metric families the agent writes, read from the one table the textfile
writer (user/export/prometheus_textfile.c) writes them from."""
import re
import sys

# A row of the table starts with the family's name and its type.
ROW = re.compile(r'\{\s*"(mapwatch_[a-z0-9_]+)",\s*"(gauge|counter|histogram)",')


def families(source_path):
    """(name, type) of every family, in the order written."""
    source = open(source_path).read()
    start = source.find("families[] = {")
    end = source.find("\n};", start)
    if start < 0 or end < 0:
        sys.exit(f"{source_path}: no table of metric families (families[] = {{ ... }};)")
    return ROW.findall(source[start:end])


def series(source_path):
    """The names a query can use: a histogram's are only its _bucket, _sum and
    _count (a query on the bare name finds nothing)."""
    names = set()
    for name, kind in families(source_path):
        if kind == "histogram":
            names |= {name + "_bucket", name + "_sum", name + "_count"}
        else:
            names.add(name)
    return names
