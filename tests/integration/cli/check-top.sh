#!/bin/bash
# mapwatch top in a real terminal (tmux), against two processes with known
# orphans: what a person sees in the header, the table, the detail view; the
# keys (sort, select, filter, pause, refresh interval, quit); a process that
# exits while shown; resizing; names with control bytes shown escaped; and
# --batch frames for scripts.
# usage: check-top.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
session=mapwatch-top-$$
work=$(mktemp -d /tmp/mapwatch-top.XXXXXX)
big="" small="" own="" mapper="" truncator="" live="" child=""

cleanup() {
	tmux kill-session -t "$session" 2>/dev/null
	[ -n "$big" ] && kill "$big" 2>/dev/null
	[ -n "$small" ] && kill "$small" 2>/dev/null
	[ -n "$own" ] && kill "$own" 2>/dev/null
	kill_and_reap "$live" "$truncator" "$mapper" "$child"
	rm -rf "$work"
}
trap cleanup EXIT
check() { # check NAME command...
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name: $(screen)"; fi
}

screen() { tmux capture-pane -p -t "$session"; }
has() { screen | grep -qF -- "$1"; }    # has TEXT: a fixed string on the screen now
has_re() { screen | grep -qE -- "$1"; } # has_re REGEX
lacks() { ! has "$1"; }
line_has() { screen | sed -n "$1p" | grep -qE -- "$2"; } # line_has N REGEX: on line N
line_differs() { [ "$(screen | sed -n "$1p")" != "$2" ]; } # line_differs N TEXT
# What top draws, waited for: it redraws when its data or the terminal
# changes, later on a loaded host; 60 s before a check fails with the screen.
shows() { poll 60 has "$1"; }
shows_re() { poll 60 has_re "$1"; }
shows_on() { poll 60 line_has "$1" "$2"; }
gone() { poll 60 lacks "$1"; }
above() { # above A B: a line with fixed string A above one with B, on one screen
	local now a b
	now=$(screen)
	a=$(grep -nF -- "$1" <<<"$now" | head -1 | cut -d: -f1)
	b=$(grep -nF -- "$2" <<<"$now" | head -1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
keys() { tmux send-keys -t "$session" "$@"; }

# A holder: names itself (prctl), maps files, deletes them, waits. SIGUSR1:
# one more orphan, deleted while top watches, and 20 more mappings.
cat >"$work/holder.py" <<'EOF'
import ctypes, mmap, os, signal, sys, time
name, directory = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
sizes = [int(s) for s in sys.argv[3].split(",")]
names = [os.fsencode(n) for n in sys.argv[4].split(",")] if len(sys.argv) > 4 else []
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name), 0, 0, 0)  # PR_SET_NAME
kept = []
def orphan(path, size):
    with open(path, "wb") as f:
        f.write(b"x" * size)
    with open(path, "r+b") as f:
        kept.append(mmap.mmap(f.fileno(), size))
    os.unlink(path)
for i, size in enumerate(sizes):
    orphan(os.path.join(directory, names[i] if i < len(names) else b"%d.bin" % i), size)
def late(signum, frame):
    orphan(os.path.join(directory, b"late.bin"), 65536)
    for i in range(20):
        # alternating protections: the kernel cannot merge them into one mapping
        kept.append(mmap.mmap(-1, 4096, prot=mmap.PROT_READ if i % 2 else mmap.PROT_READ | mmap.PROT_WRITE))
signal.signal(signal.SIGUSR1, late)
sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    signal.pause()
EOF
mkdir "$work/big" "$work/small"
# the interpreter itself: a wrapper script (pyenv's shims) would fork on the way
python=$(python3 -c 'import sys; print(sys.executable)')
# holder-big: one orphan of 4 MiB. The other: three of 64 KiB, an escape
# sequence in its name and in a file name, a newline too.
"$python" "$work/holder.py" holder-big "$work/big" 4194304 >"$work/big.out" &
big=$!
"$python" "$work/holder.py" $'esc\e[7mB' "$work/small" 65536,65536,65536 \
	"b1.bin,b2.bin,"$'bad\e[31mname\n.bin' >"$work/small.out" &
small=$!
wait_for -p "$big" 60 "holder-big's orphans" grep -q ready "$work/big.out"
wait_for -p "$small" 60 "the other holder's orphans" grep -q ready "$work/small.out"
max_map_count=$(cat /proc/sys/vm/max_map_count)

# Not a terminal, not --batch: one line saying what to do instead.
"$mapwatch" top </dev/null >"$work/out" 2>"$work/err"
status=$?
[ "$status" -eq 1 ] && grep -q -- "--batch" "$work/err" && [ "$(wc -l <"$work/err")" -eq 1 ] &&
	pass "top without a terminal points to --batch" ||
	fail "top without a terminal: status $status: $(cat "$work/err")"

# --batch -n 2: two plain-text frames, then exit 0, and no raw control byte.
timeout 30 "$mapwatch" top --batch -n 2 --interval 0.3 --pid "$big" --pid "$small" \
	>"$work/batch.out" 2>"$work/batch.err"
status=$?
[ "$status" -eq 0 ] && pass "top --batch -n 2 exits 0 by itself" ||
	fail "top --batch: status $status: $(cat "$work/batch.err")"
[ "$(grep -c '^mapwatch top - ' "$work/batch.out")" -eq 2 ] && pass "two frames" ||
	fail "frames: $(cat "$work/batch.out")"
grep -qF 'esc\033[7mB' "$work/batch.out" &&
	! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$work/batch.out" &&
	pass "batch output escapes the control bytes of a name" ||
	fail "batch escaping: $(cat -v "$work/batch.out")"
grep -qE "^ +$big holder-big +[0-9]+ +[0-9.]+ +1 +4\.0 MiB " "$work/batch.out" &&
	pass "batch row of holder-big" || fail "batch rows: $(cat "$work/batch.out")"

# -n 1: one frame, read from /proc alone. No later frame needs the kernel's
# records, so no BPF program is loaded: a user without capabilities can look
# at its own processes (the live view refuses to start without them).
chmod 755 "$work"
mkdir "$work/own" && chown nobody "$work/own"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	"$python" "$work/holder.py" holder-own "$work/own" 65536 >"$work/own.out" &
own=$!
wait_for -p "$own" 60 "holder-own's orphan" grep -q ready "$work/own.out"
timeout 60 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	"$mapwatch" top --batch -n 1 --pid "$own" >"$work/once.out" 2>"$work/once.err"
status=$?
[ "$status" -eq 0 ] && [ "$(grep -c '^mapwatch top - ' "$work/once.out")" -eq 1 ] &&
	grep -qE "^ +$own holder-own +[0-9]+ +[0-9.]+ +1 +64\.0 KiB " "$work/once.out" &&
	pass "top --batch -n 1: one frame from /proc, without the live view's capabilities" ||
	fail "top --batch -n 1: status $status: $(cat "$work/once.out" "$work/once.err")"

# Processes outside --pid: one that truncates a file the watched one maps
# (the kernel reports it, anyone may change a mapped file), and a child the
# watched one forks (SIGUSR1). The list gains a row for neither.
frames() { grep -c '^mapwatch top - ' "$work/live.out"; }
frames_past() { [ "$(frames)" -ge "$1" ]; }
cat >"$work/file.py" <<'EOF'
import ctypes, mmap, os, signal, sys
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(os.fsencode(sys.argv[1])), 0, 0, 0)  # PR_SET_NAME
with open(sys.argv[2], "r+b") as f:
    if sys.argv[1].startswith("mapper"):
        kept = mmap.mmap(f.fileno(), 4096)
    else:
        os.ftruncate(f.fileno(), 4096)
def fork(signum, frame):
    if os.fork() == 0:
        sys.stdout.write("child %d\n" % os.getpid())
        sys.stdout.flush()
        while True:
            signal.pause()
def fork_exec(signum, frame):
    child = os.fork()
    if child == 0:
        os.execv("/bin/sleep", ["sleep", "1000"])
    sys.stdout.write("exec %d\n" % child)
    sys.stdout.flush()
signal.signal(signal.SIGUSR1, fork)
signal.signal(signal.SIGUSR2, fork_exec)
sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    signal.pause()
EOF
head -c 4096 /dev/zero >"$work/mapped.bin"
mapper_name=mapper$$ # the --comm filter below: no other process of the host
"$python" "$work/file.py" "$mapper_name" "$work/mapped.bin" >"$work/mapper.out" &
mapper=$!
wait_for -p "$mapper" 60 "the mapper's mapping" grep -q ready "$work/mapper.out"
"$mapwatch" top --batch --interval 0.3 --pid "$mapper" >"$work/live.out" 2>"$work/live.err" &
live=$!
wait_for -p "$live" -l "$work/live.err" 60 "top's first frame" frames_past 1
"$python" "$work/file.py" truncator "$work/mapped.bin" >"$work/truncator.out" &
truncator=$!
wait_for -p "$truncator" 60 "the truncate" grep -q ready "$work/truncator.out"
kill -USR1 "$mapper"
wait_for -p "$mapper" 60 "the mapper's child" grep -q child "$work/mapper.out"
child=$(awk '/^child /{print $2}' "$work/mapper.out")
# the refresh of the second frame from now began after the truncate and the fork
wait_for -p "$live" -l "$work/live.err" 60 "two frames past the truncate and the fork" \
	frames_past $(($(frames) + 2))
last=$(awk '/^mapwatch top - /{frame=""} {frame=frame $0 "\n"} END{printf "%s", frame}' \
	"$work/live.out")
! grep -q truncator <<<"$last" && pass "a truncate from outside --pid adds no row" ||
	fail "a truncate from outside --pid: $last"
! grep -qE "^ +$child " <<<"$last" && pass "a child of a --pid process adds no row" ||
	fail "the child $child of a --pid process: $last"
grep -qF "Processes watched: 1" <<<"$last" && pass "--pid: one process watched" ||
	fail "processes watched under --pid: $last"
kill_and_reap "$live" "$truncator" "$child"
live="" truncator="" child=""

# --comm: a child that execs another program leaves the filter with its old name.
execed() { [ "$(cat "/proc/$child/comm" 2>/dev/null)" = sleep ]; }
"$mapwatch" top --batch --interval 0.3 --comm "$mapper_name" >"$work/live.out" 2>"$work/live.err" &
live=$!
wait_for -p "$live" -l "$work/live.err" 60 "top's first frame" frames_past 1
kill -USR2 "$mapper"
wait_for -p "$mapper" 60 "the mapper's child" grep -q exec "$work/mapper.out"
child=$(awk '/^exec /{print $2}' "$work/mapper.out")
wait_for 60 "the child's exec" execed
wait_for -p "$live" -l "$work/live.err" 60 "two frames past the exec" \
	frames_past $(($(frames) + 2))
last=$(awk '/^mapwatch top - /{frame=""} {frame=frame $0 "\n"} END{printf "%s", frame}' \
	"$work/live.out")
! grep -qE "^ +$child " <<<"$last" && grep -qE "^ +$mapper $mapper_name " <<<"$last" &&
	pass "--comm: a child that execs another program leaves the list" ||
	fail "--comm, the child $child exec'd: $last"
kill_and_reap "$live" "$mapper" "$child"
live="" mapper="" child=""

tmux new-session -d -s "$session" -x 80 -y 24 \
	"env LC_ALL=C TZ=UTC $mapwatch top --interval 0.5 --pid $big --pid $small; echo exited \$?; sleep 30"

# The header: host totals, processes watched, the limit, the event rate.
check "header" shows "mapwatch top - "
check "orphan totals and processes watched" \
	shows "Orphaned: 4 mappings, 4.2 MiB   Processes watched: 2"
check "vm.max_map_count and lost events" shows "Lost events: 0   vm.max_map_count: $max_map_count"
check "events per second once two snapshots are in" shows_re '^Events: [0-9]+\.[0-9]/s'

# The table at 80x24: every column, in order.
check "column headings at 80 columns" \
	shows "    PID COMM              MAPS  MAP% ORPHANS ORPHANED BYTES  OLDEST REMAPS STALE"
check "help line at the bottom" shows_on 24 '^q quit'
# both rows drawn in full (top writes a frame line by line) before reading them
poll 60 has_re "^ +$big holder-big +[0-9]+ +[0-9.]+ +1 +4\.0 MiB +>[0-9]+[smh]" &&
	poll 60 has_re "^ +$small esc.* 3 +192\.0 KiB "
big_row=$(screen | grep -E "^ +$big holder-big ")
small_row=$(screen | grep -F -- "$small esc")
echo "$big_row" | grep -qE "^ +$big holder-big +[0-9]+ +[0-9.]+ +1 +4\.0 MiB +>[0-9]+[smh]" &&
	pass "holder-big: 1 orphan of 4.0 MiB, deleted before top started" || fail "big row: $(screen)"
echo "$small_row" | grep -qF 'esc\033[7mB' && echo "$small_row" | grep -qE " 3 +192\.0 KiB " &&
	pass "the other: its name escaped, 3 orphans of 192.0 KiB" || fail "small row: $(screen)"
# MAPS is the process's mappings: /proc lists them too ([vsyscall] is not counted)
maps=$(echo "$big_row" | awk '{print $3}')
proc_maps=$(wc -l <"/proc/$big/maps")
[ "$maps" -ge $((proc_maps - 2)) ] && [ "$maps" -le "$proc_maps" ] &&
	pass "MAPS agrees with /proc/$big/maps ($maps, $proc_maps lines)" ||
	fail "MAPS $maps, /proc/$big/maps has $proc_maps lines"
percent=$(echo "$big_row" | awk '{print $4}')
expected=$(awk -v m="$maps" -v l="$max_map_count" 'BEGIN { printf "%.1f", 100 * m / l }')
[ "$percent" = "$expected" ] && pass "MAP% is MAPS / vm.max_map_count" ||
	fail "MAP% $percent, expected $expected"
check "most orphaned bytes first" poll 60 above holder-big 'esc\033'

# Selection: Enter opens the selected process, so what it opens shows which
# row is selected. Sorting keeps the selection on its process; Up moves it.
opens() { # opens PID COMM: Enter shows that process's detail; Esc goes back
	keys Enter
	shows "PID $1  $2  orphans"
	local found=$?
	keys Escape
	shows "Enter files" >/dev/null
	return $found
}
check "the first row is selected" opens "$big" holder-big

# Sorting: < moves the sort to the ORPHANS column.
keys '<'
check "< sorts by orphans" shows "sort: orphans"
check "three orphans before one" poll 60 above 'esc\033' holder-big
check "the selection stays on its process when re-sorted" opens "$big" holder-big
keys R
check "R reverses" shows "sort: orphans, reversed"
check "reversed order" poll 60 above holder-big 'esc\033'
keys R
check "R again" gone "reversed"
keys Up
check "Up selects the row above" opens "$small" 'esc\033[7mB'
keys Down
check "Down the row below" opens "$big" holder-big
keys Up
# the next keys only once Up has been read whole: a late '/' must not meet half an escape sequence
check "Up again" opens "$small" 'esc\033[7mB'

# Filter by name: / then the text, Enter; Esc clears it.
keys / e s c Enter
check "/ filters by name" shows "Filter: 'esc', 1 of 2 processes"
check "the filtered-out process is gone" gone "holder-big"
keys Escape
check "Esc clears the filter" shows "holder-big"

# Detail: the selected process's orphaned files with size and age, and charts.
keys Enter
check "Enter opens the process" shows "PID $small  esc\\033[7mB  orphans 3 (192.0 KiB)"
check "its files, with size and deletion time" shows "  64.0 KiB  before start  $work/small/b1.bin"
check "a file name's escape sequence and newline, escaped" \
	shows "small/bad\\033[31mname\\012.bin"
check "map count chart" shows "Map count over "
kill -USR1 "$small"
check "an orphan made while top watches shows when it was deleted" \
	shows_re '^  64\.0 KiB  [0-9]+s ago +.*/late\.bin'
check "the orphan chart's scale follows" shows "Orphaned mappings over"
check "the title counts it" shows "orphans 4 (256.0 KiB)"
charts_drawn() { screen | sed -n '/Map count over/,/SIZE/p' | grep -q '#'; }
check "the charts draw bars" poll 60 charts_drawn
keys Escape
check "Esc goes back to the list" shows "Enter files"
check "host totals follow" shows "Orphaned: 5 mappings"

# f: every orphaned file once, across processes, with the disk space it holds.
keys f
check "f lists every orphaned file" shows "Deleted files still mapped: 5, "
check "a file with its size, page cache, age unknown, pid and path" \
	shows_re "^ +[0-9.]+ KiB +64\.0 KiB +[0-9.]+ (B|KiB)  before start +$small +.*small/b1\.bin"
# at 80 columns the path is cut from its start
check "a file name's escapes, escaped there too" shows "\\033[31mname\\012.bin"
check "its help line" shows "Esc back  Up Down scroll  f processes"
keys Escape
check "Esc goes back from the files" shows "Enter files"

# Pause: the view holds still, collecting goes on; Space again resumes.
keys Space
check "Space pauses" shows "PAUSED"
before=$(screen | head -1)
# Nothing to wait for: a window in which a live view redraws three times
# and its clock moves on, the paused one must not.
sleep 1.5
[ "$(screen | head -1)" = "$before" ] && pass "a paused view does not change" ||
	fail "paused: $before / $(screen | head -1)"
keys Space
check "Space resumes" gone "PAUSED"
check "and the clock moves again" poll 60 line_differs 1 "$before"

# Refresh interval: d and a number; + doubles it; a bad value is refused.
keys d 2 Enter
check "d sets the refresh interval" shows "refresh every 2s"
keys +
check "+ doubles it" shows "refresh every 4s"
keys d x Enter
check "a bad interval is refused with a reason" shows "is not a number of seconds"
keys d 0 . 5 Enter
check "back to half a second" shows "refresh every 0.5s"

# A process that exits while its detail is shown.
keys G Enter
check "holder-big opened" shows "PID $big  holder-big  orphans 1 (4.0 MiB)"
kill "$big"
wait "$big" 2>/dev/null
big=""
check "it exits: the detail says so" shows "holder-big  has exited"
check "with its last figures" shows "Last seen"
keys Escape
check "the list goes on without it" shows "Processes watched: 1"
check "its row is gone" gone "holder-big"

# Resizing: a bigger terminal gets the names more room, 80x24 again fits.
tmux resize-window -t "$session" -x 132 -y 40
check "resized to 132x40: the help line moves to the bottom" shows_on 40 '^q quit'
check "a wider COMM column" shows_re '^    PID COMM {50,}MAPS'
tmux resize-window -t "$session" -x 80 -y 24
check "back at 80x24" \
	shows "    PID COMM              MAPS  MAP% ORPHANS ORPHANED BYTES  OLDEST REMAPS STALE"
check "help line at row 24" shows_on 24 '^q quit'

keys q
check "q quits with status 0" shows "exited 0"

finish
