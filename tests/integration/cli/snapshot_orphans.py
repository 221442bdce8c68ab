"""The JSON snapshot's orphans as the checks compare them with /proc.

Version 2 of the snapshot groups a process's orphaned mappings by deleted
file: each entry of "orphans" is one file with its mappings as "ranges",
[start, end, offset] triples. The checks speak of mappings, one per VMA.
"""


def orphan_mappings(process):
    """One dict per orphaned mapping of a snapshot process entry, in address
    order: start, end, offset, dev, ino, path, deleted_seconds_ago."""
    mappings = []
    for orphan in process.get("orphans", []):
        assert orphan["mappings"] >= len(orphan["ranges"]), orphan
        for start, end, offset in orphan["ranges"]:
            mappings.append({"start": start, "end": end, "offset": offset,
                             "dev": orphan["dev"], "ino": orphan["ino"],
                             "path": orphan["path"],
                             "deleted_seconds_ago": orphan["deleted_seconds_ago"]})
    return sorted(mappings, key=lambda mapping: int(mapping["start"], 16))


def counted_mappings(process):
    """Every orphaned mapping the entry counts: its files' mappings, listed or not."""
    return sum(orphan["mappings"] for orphan in process.get("orphans", []))
