#!/bin/bash
# Least privilege: once loaded and attached, the agent holds only the
# capabilities its /proc reads need (deploy/reference.md,
# "Requirements and privileges"), in every set,
# and still does all its work with them: orphans of another user's process,
# deletion times, names, and the /proc repair after lost events.
# usage: check-privileges.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
work=$(mktemp -d /tmp/mapwatch-privileges.XXXXXX)
chmod 755 "$work"
agent_pid=""
holder_pid=""
NOBODY=65534
# CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_CHECKPOINT_RESTORE (40)
PROC_READS=0000010000080004
# and CAP_DAC_OVERRIDE (1)
PROC_READS_AND_OVERRIDE=0000010000080006
UNIT_CAPS=-all,+bpf,+perfmon,+sys_ptrace,+dac_read_search,+checkpoint_restore

cleanup() {
	kill_and_reap $agent_pid $holder_pid
	rm -rf "$work"
}
trap cleanup EXIT

# status_field PID FIELD: a line of /proc/PID/status, value only.
status_field() { awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"; }

# start_agent DIR [prefix command...]: the agent, writing DIR/m.prom and DIR/s.json on SIGUSR1;
# its ring buffer holds a round of a few files, not a burst of 300 while it is stopped.
start_agent() {
	local dir=$1
	shift
	rm -f "$dir/s.json"
	"$@" "$mapwatch" agent --interval 600 --top 0 --ring-buffer-size 64K \
		--textfile "$dir/m.prom" --snapshot "$dir/s.json" >/dev/null 2>"$dir/agent.err" &
	agent_pid=$!
	# the first snapshot follows the drop of capabilities
	wait_for_new_write -p "$agent_pid" -l "$dir/agent.err" "$dir/s.json" 1 ""
}

stop_agent() {
	kill -TERM "$agent_pid" 2>/dev/null
	wait "$agent_pid"
	local status=$?
	agent_pid=""
	return $status
}

# fresh_snapshot DIR: asks for a write and waits for the new snapshot. The
# write drains the ring buffer first: it has all that happened before it.
fresh_snapshot() {
	write_now -p "$agent_pid" -l "$1/agent.err" "$1/s.json"
}

# expect_caps NAME PID MASK: permitted, effective and bounding are MASK; nothing inheritable.
expect_caps() {
	local name=$1 pid=$2 mask=$3 got
	got="$(status_field "$pid" CapPrm) $(status_field "$pid" CapEff) $(status_field "$pid" CapBnd)"
	got="$got $(status_field "$pid" CapInh) $(status_field "$pid" CapAmb) $(status_field "$pid" NoNewPrivs)"
	[ "$got" = "$mask $mask $mask 0000000000000000 0000000000000000 1" ] && pass "$name" ||
		fail "$name: CapPrm CapEff CapBnd CapInh CapAmb NoNewPrivs are $got, wanted $mask"
}

# A process of another user, told on its stdin to map COUNT files and unlink the first
# UNLINK of them; it answers "done" on its stdout.
mkdir "$work/files"
chown "$NOBODY:$NOBODY" "$work/files"
mkfifo "$work/holder.in"
setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups /usr/bin/python3 -c '
import mmap, os, sys
directory, held, round = sys.argv[1], [], 0
for line in open(sys.argv[2]):
    count, unlink = map(int, line.split())
    for i in range(count):
        path = os.path.join(directory, "r%d-%020d.index" % (round, i))
        with open(path, "wb") as file:
            file.write(b"m" * 4096)
        with open(path, "r+b") as file:
            held.append(mmap.mmap(file.fileno(), 4096))
        if i < unlink:
            os.unlink(path)
    round += 1
    print("done", flush=True)
' "$work/files" "$work/holder.in" >"$work/holder.out" 2>"$work/holder.err" &
holder_pid=$!
exec 3>"$work/holder.in"
# holder_round COUNT UNLINK: one round, waited for.
holder_round() {
	local before
	before=$(grep -c done "$work/holder.out")
	echo "$1 $2" >&3
	wait_for -p "$holder_pid" -l "$work/holder.err" 60 "the holder's round of $1 files" \
		done_more_than "$before"
}
done_more_than() { [ "$(grep -c done "$work/holder.out")" -gt "$1" ]; }

# expect_orphans NAME DIR COUNT KNOWN_AGES: the snapshot lists COUNT orphans of the holder,
# each named with its full path, the last KNOWN_AGES deleted at a time the agent knows.
expect_orphans() {
	local name=$1 dir=$2 count=$3 known=$4
	if python3 - "$dir/s.json" "$holder_pid" "$count" "$work/files" "$known" >"$work/why" 2>&1 <<'EOF'; then
import json, sys
from snapshot_orphans import orphan_mappings
snapshot, pid, count, directory, known = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
entries = [p for p in json.load(open(snapshot))["processes"] if p["pid"] == pid]
orphans = orphan_mappings(entries[0]) if entries else []
if len(orphans) != count:
    sys.exit("%d orphans, wanted %d" % (len(orphans), count))
for orphan in orphans:
    if not orphan["path"].startswith(directory + "/r"):
        sys.exit("orphan named %r" % orphan["path"])
ages = sum(orphan["deleted_seconds_ago"] is not None for orphan in orphans)
if ages < known:
    sys.exit("%d orphans have an age, wanted at least %d" % (ages, known))
EOF
		pass "$name"
	else
		fail "$name: $(cat "$work/why")"
	fi
}

# ---- as root ----
mkdir "$work/root"
start_agent "$work/root"
expect_caps "as root the agent keeps only the /proc reads" "$agent_pid" "$PROC_READS"
holder_round 5 2
fresh_snapshot "$work/root"
expect_orphans "another user's orphans are seen after the drop" "$work/root" 2 2
# Lost events, then the repair: /proc/PID/maps and map_files of another user's process.
# A deletion whose record was lost has no known time.
kill -STOP "$agent_pid"
holder_round 300 100
kill -CONT "$agent_pid"
fresh_snapshot "$work/root"
expect_orphans "the repair after lost events reads another user's process" "$work/root" 102 2
lost=$(awk '$1 == "mapwatch_events_lost_total" { print $2 }' "$work/root/m.prom")
[ "${lost:-0}" -gt 0 ] && pass "events were lost ($lost), and repaired" ||
	fail "no event lost: the repair went untested"
stop_agent && pass "the agent stops cleanly without its start-up capabilities" ||
	fail "the agent's stop failed: $(cat "$work/root/agent.err")"

# ---- with only the systemd unit's capabilities (no CAP_SETPCAP: the bounding set stays) ----
mkdir "$work/unit"
start_agent "$work/unit" setpriv --inh-caps="$UNIT_CAPS" --ambient-caps="$UNIT_CAPS" \
	--bounding-set="$UNIT_CAPS" --
got="$(status_field "$agent_pid" CapPrm) $(status_field "$agent_pid" CapEff) $(status_field "$agent_pid" CapAmb)"
[ "$got" = "$PROC_READS $PROC_READS 0000000000000000" ] &&
	pass "under the unit's set CAP_BPF and CAP_PERFMON go" ||
	fail "under the unit's set CapPrm CapEff CapAmb are $got"
holder_round 1 1
fresh_snapshot "$work/unit"
expect_orphans "under the unit's set the orphans are seen" "$work/unit" 103 1
stop_agent

# ---- an output directory only CAP_DAC_OVERRIDE lets root write ----
mkdir "$work/other"
chown "$NOBODY:$NOBODY" "$work/other"
chmod 755 "$work/other"
start_agent "$work/other"
expect_caps "CAP_DAC_OVERRIDE is kept for a directory root cannot write otherwise" \
	"$agent_pid" "$PROC_READS_AND_OVERRIDE"
fresh_snapshot "$work/other" && pass "and the outputs are written there"
stop_agent

exec 3>&-
finish
