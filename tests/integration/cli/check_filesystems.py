"""check-filesystems.sh's comparison of a snapshot with /proc.

usage: check_filesystems.py SNAPSHOT WORK EXPECTED
EXPECTED: "PID:PATH,PATH PID: ..." the files each holder holds orphaned, by
the names it mapped them under. /proc must say so first (the premise), then
the snapshot must list, per process, exactly the files /proc says are
orphaned, each told apart by dev, ino and st_dev, with the counts and the
disk space of each real inode once. Prints what differs and exits 1, or 2
when the snapshot lists a file /proc says is not orphaned: a false orphan,
never right however long the agent has had.
"""
import json
import os
import sys

DELETED = " (deleted)"


def device(number):
    return "%02x:%02x" % (os.major(number), os.minor(number))


def truth(pid, work):
    """The orphaned mappings of pid under work, as /proc tells them."""
    mappings = []
    with open("/proc/%d/maps" % pid) as maps:
        for line in maps:
            fields = line.rstrip("\n").split(None, 5)
            if len(fields) < 6 or not fields[5].startswith(work + "/"):
                continue
            path = fields[5][:-len(DELETED)] if fields[5].endswith(DELETED) else fields[5]
            status = os.stat("/proc/%d/map_files/%s" % (pid, fields[0]))
            if status.st_nlink:
                continue
            dev = "%02x:%02x" % tuple(int(part, 16) for part in fields[3].split(":"))
            mappings.append({"path": path, "dev": dev, "ino": int(fields[4]),
                             "st_dev": device(status.st_dev),
                             "disk_bytes": status.st_blocks * 512})
    return mappings


def main():
    document = json.load(open(sys.argv[1]))
    work = sys.argv[2]
    listed = {p["pid"]: p for p in document["processes"]}
    problems = []
    false_orphans = []
    host_files = {}
    for item in sys.argv[3].split():
        pid_text, _, paths = item.partition(":")
        pid = int(pid_text)
        expected = sorted(path for path in paths.split(",") if path)
        mappings = truth(pid, work)
        seen = sorted(m["path"] for m in mappings)
        if seen != expected:
            sys.exit("premise: /proc says pid %d holds %s orphaned, the case wants %s"
                     % (pid, seen, expected))
        files = {(m["st_dev"], m["ino"]): m for m in mappings}
        host_files.update(files)
        want = sorted((m["dev"], m["ino"], m["st_dev"], os.path.basename(m["path"]))
                      for m in files.values())
        process = listed.get(pid, {})
        got = sorted((o["dev"], o["ino"], o.get("st_dev"), os.path.basename(o["path"]))
                     for o in process.get("orphans", []))
        if got != want:
            problems.append("pid %d: orphans %s, /proc says %s" % (pid, got, want))
            false_orphans += [orphan for orphan in got if orphan not in want]
        counts = (process.get("orphaned_mappings", 0), process.get("orphaned_files", 0),
                  process.get("orphaned_files_disk_bytes", 0))
        want_counts = (len(mappings), len(files), sum(m["disk_bytes"] for m in files.values()))
        if counts != want_counts:
            problems.append("pid %d: (orphaned mappings, files, disk bytes) %s, /proc says %s"
                            % (pid, counts, want_counts))
    totals = (document["orphaned_files"], document["orphaned_files_disk_bytes"])
    want_totals = (len(host_files), sum(m["disk_bytes"] for m in host_files.values()))
    if totals != want_totals:
        problems.append("host: (orphaned files, disk bytes) %s, /proc says %s"
                        % (totals, want_totals))
    if problems:
        print("; ".join(problems))
        sys.exit(2 if false_orphans else 1)


main()
