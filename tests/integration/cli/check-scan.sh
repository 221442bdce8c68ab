#!/bin/bash
# `mapwatch scan` against files a user can make: paths too long for the
# PROCMAP_QUERY buffer, names that end in " (deleted)", a scan without
# CAP_SYS_ADMIN, and a report written to a full disk.
# usage: check-scan.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-scan.XXXXXX)
holder_pid=""

cleanup() {
	kill_and_reap $holder_pid
	rm -rf "$work"
}
trap cleanup EXIT

# A process holding the mappings below, until killed; prints what it made as JSON.
python3 - "$work" >"$work/made.json" 2>"$work/holder.err" <<'EOF' &
import ctypes, json, mmap, os, sys, time

work = sys.argv[1]
page = mmap.PAGESIZE
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]

def map_file(path, file_pages, mapped_pages):
    """Maps mapped_pages of a file_pages-long file, as a shared read-only mapping."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.ftruncate(fd, file_pages * page)
    address = libc.mmap(None, mapped_pages * page, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    if address in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap " + path)
    os.close(fd)
    return "%x" % address

def deep_path(length):
    """A file path of exactly length bytes, in directories made for it."""
    path = os.path.join(work, "deep%d" % length)
    os.mkdir(path)
    while length - len(path) > 255:
        path = os.path.join(path, "d" * 200)
        os.mkdir(path)
    return os.path.join(path, "f" * (length - len(path) - 1))

made = {"orphans": {}, "live": {}, "stale": {}}
for length in (4086, 4095):
    path = deep_path(length)
    made["orphans"][map_file(path, 3, 3)] = path
    os.unlink(path)
for name in ("old.index (deleted)", "gone.index"):
    path = os.path.join(work, name)
    made["orphans"][map_file(path, 3, 3)] = path
    os.unlink(path)
for name in ("segment.index (deleted)", "live.index"):
    path = os.path.join(work, name)
    made["live"][map_file(path, 3, 3)] = path
# three pages mapped over a one-page file: a stale mapping, live
path = os.path.join(work, "short.index")
made["stale"][map_file(path, 1, 3)] = path
print(json.dumps(made), flush=True)
time.sleep(3600)
EOF
holder_pid=$!
if ! wait_for -p "$holder_pid" -l "$work/holder.err" 60 "the holder's mappings" \
	ends_a_line "$work/made.json"; then
	finish
	exit 1
fi

# check_scan NAME -- command prefix...: scan --json of the holder must list exactly its orphans.
check_scan() {
	local name=$1
	shift 2
	if ! "$@" "$mapwatch" scan --json --pid "$holder_pid" >"$work/scan.json" 2>"$work/err"; then
		fail "$name: scan failed: $(cat "$work/err")"
		return
	fi
	if python3 - "$work/made.json" "$work/scan.json" "$holder_pid" >"$work/why" 2>&1 <<'EOF'; then
import json, sys
from snapshot_orphans import orphan_mappings
made = json.load(open(sys.argv[1]))
document = json.load(open(sys.argv[2]))
processes = [p for p in document["processes"] if p["pid"] == int(sys.argv[3])]
if len(processes) != 1:
    sys.exit("holder not listed: %s" % document["processes"])
process = processes[0]
seen = {o["start"]: o["path"] for o in orphan_mappings(process)}
problems = []
for start, path in made["orphans"].items():
    if start not in seen:
        problems.append("orphan %s (%d bytes) missing" % (path[-40:], len(path)))
    elif seen[start] != path:
        problems.append("orphan at %s named %r, not %r" % (start, seen[start][-60:], path[-60:]))
for start, path in made["live"].items():
    if start in seen:
        problems.append("live file %r reported as an orphan" % path[-60:])
if process["orphaned_mappings"] != len(made["orphans"]):
    problems.append("orphaned_mappings %d, made %d" % (process["orphaned_mappings"],
                                                      len(made["orphans"])))
if process["stale_mappings"] != len(made["stale"]):
    problems.append("stale_mappings %d, made %d" % (process["stale_mappings"], len(made["stale"])))
if problems:
    sys.exit("; ".join(problems))
EOF
		pass "$name"
	else
		fail "$name: $(cat "$work/why")"
	fi
}

check_scan "scan as root" --
# Without CAP_SYS_ADMIN (and CAP_CHECKPOINT_RESTORE) map_files is closed: sizes of
# deleted files are unknown, which must not make their mappings stale.
no_map_files=(capsh --drop=cap_sys_admin,cap_checkpoint_restore --)
range=$(awk '/gone.index/ { print $1; exit }' "/proc/$holder_pid/maps")
if "${no_map_files[@]}" -c "stat -L /proc/$holder_pid/map_files/$range" >/dev/null 2>&1; then
	fail "capsh did not close map_files"
else
	check_scan "scan without CAP_SYS_ADMIN" -- "${no_map_files[@]}" -c '"$0" "$@"'
fi

# A full disk: status 1 and one line naming the cause, for both formats.
for format in text json; do
	flag=()
	[ "$format" = json ] && flag=(--json)
	"$mapwatch" scan "${flag[@]}" >/dev/full 2>"$work/err"
	status=$?
	lines=$(wc -l <"$work/err")
	if [ "$status" -eq 1 ] && [ "$lines" -eq 1 ] && grep -q "No space left on device" "$work/err"; then
		pass "scan $format to a full disk"
	else
		fail "scan $format to a full disk: status $status, stderr: $(cat "$work/err")"
	fi
done

finish
