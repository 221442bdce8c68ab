#!/bin/bash
# `mapwatch scan` as a cron job or a Nagios-style check runs it, and what it
# says about disk space: exit statuses 0 clean, 3 orphans found with --check,
# 1 failure (a --pid that names no process), 2 usage; one line per deleted
# file across processes (--by-file), each file's disk space counted once.
# usage: check-scan-report.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-scan-report.XXXXXX)
holder_pid=""
child_pid=""
clean_pid=""

cleanup() {
	kill_and_reap $holder_pid $child_pid $clean_pid
	rm -rf "$work"
}
trap cleanup EXIT

# A holder and its forked child map one sparse deleted file (1 MiB long, 64 KiB
# written) and the holder a second one; it prints their truth as JSON.
python3 - "$work" >"$work/made.json" 2>"$work/holder.err" <<'EOF' &
import json, mmap, os, sys, time

work = sys.argv[1]
made = {"files": {}}

def deleted(name, length, written):
    path = os.path.join(work, name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.ftruncate(fd, length)
    os.pwrite(fd, b"x" * written, 0)
    os.fsync(fd)
    status = os.fstat(fd)
    mapping = mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ)
    os.close(fd)
    os.unlink(path)
    made["files"][str(status.st_ino)] = {"path": path, "size": status.st_size,
                                         "disk": status.st_blocks * 512}
    return mapping

shared = deleted("shared.index", 1 << 20, 64 << 10)
own = deleted("own.timeindex", 8192, 8192)
child = os.fork()
if child == 0:
    time.sleep(3600)
    os._exit(0)
made["pids"] = [os.getpid(), child]
print(json.dumps(made), flush=True)
time.sleep(3600)
EOF
holder_pid=$!
sleep 3600 &
clean_pid=$!
if ! wait_for -p "$holder_pid" -l "$work/holder.err" 60 "the holder's mappings" \
	ends_a_line "$work/made.json"; then
	finish
	exit 1
fi
child_pid=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pids"][1])' \
	"$work/made.json")

# expect_status NAME STATUS STDERR_LINES -- command...: the status, and how many stderr lines.
expect_status() {
	local name=$1 want=$2 lines=$3
	shift 4
	"$@" >"$work/out" 2>"$work/err"
	local got=$?
	local got_lines
	got_lines=$(wc -l <"$work/err")
	if [ "$got" -ne "$want" ]; then
		fail "$name: exit $got, wanted $want; stderr: $(cat "$work/err")"
	elif [ "$got_lines" -ne "$lines" ]; then
		fail "$name: $got_lines lines on stderr, wanted $lines: $(cat "$work/err")"
	else
		pass "$name"
	fi
}

expect_status "orphans found without --check: still 0" 0 0 -- \
	"$mapwatch" scan --pid "$holder_pid"
expect_status "orphans found with --check: 3" 3 0 -- \
	"$mapwatch" scan --check --pid "$holder_pid"
expect_status "--check --json: 3 as well" 3 0 -- \
	"$mapwatch" scan --check --json --pid "$holder_pid"
expect_status "a clean process with --check: 0" 0 0 -- \
	"$mapwatch" scan --check --pid "$clean_pid"
expect_status "no process matches --comm: 0" 0 0 -- \
	"$mapwatch" scan --check --comm no-such-name
expect_status "a --pid that names no process: 1" 1 1 -- \
	"$mapwatch" scan --check --pid 4194303
grep -q -- "--pid 4194303: no such process" "$work/err" && pass "the missing pid named" ||
	fail "the missing pid not named: $(cat "$work/err")"
expect_status "one missing --pid of two: 1, one line" 1 1 -- \
	"$mapwatch" scan --check --pid "$holder_pid" --pid 4194303
grep -q "^$holder_pid " "$work/out" && pass "the process that exists is still reported" ||
	fail "no report for $holder_pid: $(cat "$work/out")"
expect_status "bad usage: 2" 2 1 -- "$mapwatch" scan --check --frobnicate
expect_status "--by-file --json: 2" 2 1 -- "$mapwatch" scan --by-file --json

# The snapshot: each deleted file once per process and once on the host.
"$mapwatch" scan --json --pid "$holder_pid" --pid "$child_pid" >"$work/scan.json" 2>"$work/err"
if python3 - "$work/made.json" "$work/scan.json" >"$work/why" 2>&1 <<'EOF'; then
import json, sys
made = json.load(open(sys.argv[1]))
document = json.load(open(sys.argv[2]))
files = made["files"]
holder, child = made["pids"]
by_pid = {p["pid"]: p for p in document["processes"]}
problems = []
shared = next(f for f in files.values() if f["path"].endswith("shared.index"))
own = next(f for f in files.values() if f["path"].endswith("own.timeindex"))
if set(by_pid) != {holder, child}:
    problems.append("processes %s" % sorted(by_pid))
else:
    expected = {holder: (2, shared["size"] + own["size"], shared["disk"] + own["disk"]),
                child: (2, shared["size"] + own["size"], shared["disk"] + own["disk"])}
    for pid, (count, size, disk) in expected.items():
        got = (by_pid[pid]["orphaned_files"], by_pid[pid]["orphaned_files_size_bytes"],
               by_pid[pid]["orphaned_files_disk_bytes"])
        if got != (count, size, disk):
            problems.append("pid %d: files, size, disk %s, made %s" % (pid, got, (count, size, disk)))
# two processes map each file: address space twice, disk space once
host = (document["orphaned_files"], document["orphaned_files_size_bytes"],
        document["orphaned_files_disk_bytes"])
want = (2, shared["size"] + own["size"], shared["disk"] + own["disk"])
if host != want:
    problems.append("host files, size, disk %s, made %s" % (host, want))
if shared["disk"] >= shared["size"]:
    problems.append("the sparse file is not sparse here: %s" % shared)
if problems:
    sys.exit("; ".join(problems))
EOF
	pass "scan --json: disk space of each deleted file once"
else
	fail "scan --json: $(cat "$work/why") $(cat "$work/err")"
fi

# --by-file: one line per file with every pid that maps it.
"$mapwatch" scan --by-file --pid "$holder_pid" --pid "$child_pid" >"$work/by-file" 2>"$work/err"
status=$?
if python3 - "$work/made.json" "$work/by-file" "$status" >"$work/why" 2>&1 <<'EOF'; then
import json, sys
made = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
problems = []
if sys.argv[3] != "0":
    problems.append("status %s" % sys.argv[3])
header = lines[0].split()
if header != ["DISK", "SIZE", "CACHED", "DELETED", "MAPS", "PIDS", "PATH"]:
    problems.append("header %r" % lines[0])
pids = ",".join(str(p) for p in sorted(made["pids"]))
for ino, made_file in made["files"].items():
    rows = [l for l in lines[1:] if l.endswith(" " + made_file["path"])]
    if len(rows) != 1:
        problems.append("%d lines for %s" % (len(rows), made_file["path"]))
        continue
    fields = rows[0].split()
    # "64.0 KiB" "1.0 MiB" "4.0 KiB" "-" MAPS PIDS PATH
    if fields[7] != "2" or fields[8] != pids:
        problems.append("maps and pids %r, wanted 2 and %s" % (fields[7:9], pids))
    if made_file["size"] == 1 << 20 and fields[2:4] != ["1.0", "MiB"]:
        problems.append("size of the sparse file %r" % fields[2:4])
    if made_file["size"] == 1 << 20 and fields[0:2] != ["%.1f" % (made_file["disk"] / 1024), "KiB"]:
        problems.append("disk space of the sparse file %r, made %d" % (fields[0:2], made_file["disk"]))
# the larger disk space first
paths = [l.split()[-1] for l in lines[1:3]]
if not paths[0].endswith("shared.index"):
    problems.append("order %s" % paths)
if not any(l.startswith("host: 2 deleted files hold ") for l in lines):
    problems.append("no host line")
if problems:
    sys.exit("; ".join(problems) + "\n" + "\n".join(lines))
EOF
	pass "scan --by-file: one line per file, both pids"
else
	fail "scan --by-file: $(cat "$work/why") $(cat "$work/err")"
fi

finish
