#!/bin/bash
# Files told apart as the kernel does, on real mounts this check makes and
# removes: a loop-mounted btrfs (two subvolumes whose files share inode
# numbers, a third, and a snapshot), a loop-mounted xfs, and an overlay on
# tmpfs (a lower file, an upper one, one copied up by a write). Each case
# with the agent live before the mappings and deletions, with the agent
# started after them, and with scan; each compared with what
# /proc/PID/maps and a stat through /proc/PID/map_files say.
# usage: check-filesystems.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/mapwatch-filesystems.XXXXXX)
pids=()
mounts=()
agent_pid=""
comm=mwfs-holder

cleanup() {
	local i
	kill_and_reap $agent_pid "${pids[@]}"
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

for tool in mkfs.btrfs btrfs mkfs.xfs; do
	command -v "$tool" >/dev/null || {
		echo "FAIL: $tool is missing (deploy/setup-debian.sh --test installs it)"
		exit 1
	}
done

# mount_on DIR MOUNT-ARGS...: mounts, and remembers DIR for the cleanup.
mount_on() {
	local dir=$1
	shift
	mkdir -p "$dir"
	mount "$@" "$dir" || {
		echo "FAIL: mount $* $dir"
		exit 1
	}
	mounts+=("$dir")
}

# Loop mounts (-o loop frees its device at umount); sparse images.
truncate -s 256M "$work/btrfs.img" && mkfs.btrfs -q "$work/btrfs.img" >/dev/null 2>&1 ||
	{ echo "FAIL: mkfs.btrfs"; exit 1; }
mount_on "$work/btrfs" -o loop "$work/btrfs.img"
truncate -s 320M "$work/xfs.img" && mkfs.xfs -q "$work/xfs.img" >/dev/null 2>&1 ||
	{ echo "FAIL: mkfs.xfs"; exit 1; }
mount_on "$work/xfs" -o loop "$work/xfs.img"
mount_on "$work/tmp" -t tmpfs tmpfs

# holder NAME FILE...: a process named $comm mapping each FILE whole; its pid in $holder.
holder() {
	local name=$1
	shift
	python3 "$here/map_files_holder.py" "$comm" "$work/$name.ready" "$@" \
		2>>"$work/holders.err" &
	holder=$!
	pids+=("$holder")
	wait_for -p "$holder" -l "$work/holders.err" 60 "holder $name's mappings" \
		test -e "$work/$name.ready" && return 0
	finish
	exit 1
}

# data FILE: 8 KiB written through to disk, so its blocks no longer move.
data() { head -c 8192 /dev/urandom >"$1" && sync -f "$1"; }

# same_ino FILE...: all have one inode number (the collision the case is about).
same_ino() {
	local numbers
	numbers=$(stat -c %i "$@" | sort -u | wc -l)
	[ "$numbers" -eq 1 ] && return 0
	echo "FAIL: no inode number collision: $(stat -c '%n %i' "$@" | tr '\n' ' ')"
	exit 1
}

# setup PHASE: the files of one phase, in new subvolumes and a new overlay,
# so the inode numbers collide again.
setup() {
	local p=$1 b=$work/btrfs/$1 o=$work/tmp/$1
	btrfs -q subvolume create "$b-sv1" >/dev/null && btrfs -q subvolume create "$b-sv2" \
		>/dev/null && btrfs -q subvolume create "$b-sv3" >/dev/null ||
		{ echo "FAIL: btrfs subvolume create"; exit 1; }
	data "$b-sv1/a" && data "$b-sv1/same" && data "$b-sv2/b" && data "$b-sv2/same" &&
		data "$b-sv3/c"
	data "$work/xfs/$p-x1" && data "$work/xfs/$p-x2" && data "$work/xfs/$p-x3"
	mkdir -p "$o/lower" "$o/upper" "$o/work" "$o/merged"
	data "$o/lower/l" && data "$o/lower/c"
	mount_on "$o/merged" -t overlay overlay \
		-o "lowerdir=$o/lower,upperdir=$o/upper,workdir=$o/work"
	data "$o/merged/u"
	# copied up by a write, then mapped
	echo more >>"$o/merged/c" && sync -f "$o/merged/c"
}

# map PHASE: the holders; their pids in h_pair (a file in each of two
# subvolumes, and a name both have), h_snap (a snapshot's copy of a file
# h_pair maps), h_xfs and h_ovl.
map() {
	local p=$1 b=$work/btrfs/$1 o=$work/tmp/$1/merged
	holder "$p-pair" "$b-sv1/a" "$b-sv2/b" "$b-sv1/same" "$b-sv2/same"
	h_pair=$holder
	btrfs -q subvolume snapshot "$b-sv1" "$b-snap" >/dev/null ||
		{ echo "FAIL: btrfs subvolume snapshot"; exit 1; }
	same_ino "$b-sv1/a" "$b-sv2/b" "$b-sv3/c" "$b-snap/a"
	same_ino "$b-sv1/same" "$b-sv2/same"
	holder "$p-snap" "$b-snap/a"
	h_snap=$holder
	holder "$p-xfs" "$work/xfs/$p-x1" "$work/xfs/$p-x2"
	h_xfs=$holder
	holder "$p-ovl" "$o/l" "$o/u" "$o/c"
	h_ovl=$holder
}

# delete PHASE: the deletions, then h_third: a third, still linked file of
# the same inode number, mapped by another process. What each holds
# orphaned, by the names it mapped them under, in $expected.
delete() {
	local p=$1 b=$work/btrfs/$1 o=$work/tmp/$1/merged
	rm "$b-sv2/b" "$b-sv2/same" "$b-snap/a" "$work/xfs/$p-x1" "$o/l" "$o/u" "$o/c"
	mv "$work/xfs/$p-x3" "$work/xfs/$p-x2"
	holder "$p-third" "$b-sv3/c"
	h_third=$holder
	expected="$h_pair:$b-sv2/b,$b-sv2/same $h_snap:$b-snap/a $h_third: $h_xfs:$work/xfs/$p-x1,$work/xfs/$p-x2 $h_ovl:$o/u,$o/c"
}

# compare SNAPSHOT: the snapshot against /proc and the expected orphans;
# prints what differs, status 1 then.
compare() {
	python3 "$here/check_filesystems.py" "$1" "$work" "$expected"
}

# agent_settled: the agent's latest snapshot matches (status in compared: 0),
# or lists a false orphan (2), which no wait mends; 1 meanwhile: it may
# still be checking files the kernel sent it to /proc for.
agent_settled() {
	compare "$work/agent.json" >"$work/why" 2>&1
	compared=$?
	[ "$compared" -ne 1 ]
}

# check_agent WHAT: waits until the agent's snapshot matches, or fails.
check_agent() {
	compared=1
	poll -p "$agent_pid" 120 agent_settled
	if [ "$compared" -eq 0 ]; then
		pass "agent, $1: each file as /proc tells it apart, orphaned as its links say"
	else
		fail "agent, $1: $(cat "$work/why")$(tails "$work/agent.err")"
	fi
}

check_scan() {
	"$mapwatch" scan --json --comm "$comm" >"$work/scan.json" 2>"$work/scan.err"
	if compare "$work/scan.json" >"$work/why" 2>&1; then
		pass "scan, $1: each file as /proc tells it apart, orphaned as its links say"
	else
		fail "scan, $1: $(cat "$work/why") $(cat "$work/scan.err")"
	fi
}

stop_agent() {
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	agent_pid=""
}

start_agent() {
	"$mapwatch" agent --interval 0.5 --top 0 --comm "$comm" --snapshot "$work/agent.json" \
		--textfile "$work/agent.prom" >/dev/null 2>"$work/agent.err" &
	agent_pid=$!
	# seeded once its first snapshot is in
	wait_for_new_write -p "$agent_pid" -l "$work/agent.err" "$work/agent.json" 1 ""
}

stop_holders() {
	kill_and_reap "${pids[@]}"
	pids=()
}

# ---- live: the agent sees the mappings made and the files deleted ----
setup live
start_agent
map live
delete live
check_agent "live"
check_scan "live"
stop_agent
stop_holders

# ---- seeded: the mappings read from /proc, the deletions seen live ----
setup seeded
map seeded
start_agent
delete seeded
check_agent "seeded, then deletions live"
check_scan "seeded"
stop_agent
stop_holders

# ---- the agent started after the deletions: all of it from /proc ----
setup after
map after
delete after
start_agent
check_agent "started after the deletions"
check_scan "after the deletions"
stop_agent
stop_holders

# ---- trace: the kernel's own verdict on each overlay unlink ----
setup traced
o=$work/tmp/traced/merged
"$mapwatch" trace >"$work/trace.txt" 2>"$work/trace.err" &
agent_pid=$!
wait_for_trace -l "$work/trace.err" "$work/trace.txt" "$agent_pid" true || {
	finish
	exit 1
}
holder traced-ovl "$o/l" "$o/u" "$o/c"
declare -A id_of
for name in l u c; do
	id_of[$name]="dev=$(printf '%02x:%02x' $(stat -c '%Hd %Ld' "$o/$name")) ino=$(stat -c %i "$o/$name")"
done
rm "$o/l" "$o/u" "$o/c"
for name in l u c; do
	# the unlink as trace prints it: the deletion of the last link says last_link=yes
	line=" unlink pid=[0-9]+ comm=rm ${id_of[$name]} "
	wait_for -p "$agent_pid" -l "$work/trace.err" 60 "trace's unlink of $name" \
		grep -qE -- "$line" "$work/trace.txt" || continue
	verdict=no
	grep -E -- "$line" "$work/trace.txt" | grep -q "last_link=yes" && verdict=yes
	want=yes
	[ "$name" = l ] && want=no
	[ "$verdict" = "$want" ] &&
		pass "trace, overlay $name: last link gone: $want (the real inode's links)" ||
		fail "trace, overlay $name: last link gone: $verdict, wanted $want: $(grep -E -- "$line" "$work/trace.txt")"
done
kill -INT "$agent_pid"
wait "$agent_pid"
agent_pid=""

finish
