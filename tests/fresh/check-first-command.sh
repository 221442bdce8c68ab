#!/bin/bash
# README's first command on a machine that has only what it installs itself:
# a minimal Debian 12 root (mmdebstrap), entered with unshare + chroot, with
# /proc, /sys (BTF, tracefs) and /dev bound in. The command is taken from the
# README as a user would copy it; it must install, build and start the agent,
# and the agent must write its textfile and snapshot.
#
#   bash tests/fresh/check-first-command.sh [WORKDIR]
#
# Debian's packages are cached in the host's /var/cache/apt/archives (bound
# into the root), and the bare root in /var/cache/mapwatch for a day, so a
# second run downloads almost nothing. Needs root, mmdebstrap and python3.
set -u
source="$(cd "$(dirname "$0")/../.." && pwd)"
. "$source/tests/integration/check_harness.sh"

work="${1:-$(mktemp -d /var/tmp/mapwatch-fresh.XXXXXX)}"
root="$work/root"
log="$work/first-command.log"
cache_dir=/var/cache/mapwatch
base="$cache_dir/bookworm-apt.tar"
suite_deadline=${MAPWATCH_FRESH_DEADLINE:-1500} # seconds: packages, build, first interval

command -v mmdebstrap >/dev/null || { echo "FAIL: mmdebstrap is not installed (setup-debian.sh --test)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (chroot, mounts)"; exit 1; }

first_command=$(awk '/^```sh$/ { inside = 1; next } inside && NF { print; exit }' "$source/README.md")
[ -n "$first_command" ] || { echo "FAIL: no sh block at the top of README.md"; exit 1; }
echo "README's first command: $first_command"

holder=""
cleanup() {
	[ -n "$holder" ] && kill -9 -- "-$holder" 2>/dev/null
	wait 2>/dev/null
	# The mounts lived in the unshared namespace and went with it.
	[ -z "${1:-}" ] && rm -rf "$work"
}
trap cleanup EXIT

# The bare root: Debian's "apt" variant (essential packages and apt), nothing
# of ours. Made again once a day so it follows the archive.
mkdir -p "$cache_dir"
if [ ! -s "$base" ] || [ -n "$(find "$base" -mmin +1440)" ]; then
	echo "making a bare Debian 12 root with mmdebstrap"
	# mmdebstrap picks the format by the name's ending: a tarball.
	if ! mmdebstrap --quiet --variant=apt bookworm "$cache_dir/new-bookworm-apt.tar" \
		"deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main"; then
		echo "FAIL: mmdebstrap could not make a Debian 12 root"
		exit 1
	fi
	mv "$cache_dir/new-bookworm-apt.tar" "$base"
fi
mkdir -p "$root/src" "$root/var/cache/apt/archives"
tar -C "$root" -xf "$base" || { echo "FAIL: unpacking the bare root"; exit 1; }
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The sources as a clone has them: tracked and new files, not the build trees.
git -C "$source" ls-files -z --cached --others --exclude-standard |
	(cd "$source" && xargs -0 tar -cf - --no-recursion) | tar -C "$root/src" -xf -

# The command runs until SIGINT. It starts in its own session so that the
# whole tree (setup, build, agent) can be stopped together.
setsid unshare --mount --propagation private bash -c '
	root=$1; first_command=$2
	mount --rbind /proc "$root/proc" && mount --rbind /sys "$root/sys" &&
	mount --rbind /dev "$root/dev" &&
	mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives" || exit 99
	# tracefs comes from the host if mounted there; otherwise the agent mounts it.
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 TERM=dumb sh -c "cd /src && $first_command"
' first-command "$root" "$first_command" >"$log" 2>&1 </dev/null &
holder=$!

# Ready: both outputs written once (each is renamed into place whole).
deadline=$((SECONDS + suite_deadline))
while [ $SECONDS -lt $deadline ]; do
	[ -s "$root/src/build/mapwatch.prom" ] && [ -s "$root/src/build/snapshot.json" ] && break
	kill -0 "$holder" 2>/dev/null || break
	sleep 1
done

if [ -s "$root/src/build/mapwatch.prom" ] && [ -s "$root/src/build/snapshot.json" ]; then
	pass "README's first command installed, built and started the agent ($SECONDS s)"
else
	fail "README's first command did not bring the agent to its first write in ${suite_deadline}s; the log ends:"
	tail -n 40 "$log" | sed 's/^/    /'
	finish
	exit 1
fi

if python3 - "$root/src/build/snapshot.json" <<'PY'; then
import json, sys
snapshot = json.load(open(sys.argv[1]))
assert snapshot["version"] >= 1 and snapshot["source"] == "agent", snapshot
assert snapshot["max_map_count"] > 0 and isinstance(snapshot["processes"], list)
PY
	pass "the snapshot is a whole JSON document from the agent"
else
	fail "the snapshot is not the agent's JSON"
fi
for metric in mapwatch_max_map_count mapwatch_tracked_mappings mapwatch_last_update_timestamp_seconds; do
	if grep -q "^$metric " "$root/src/build/mapwatch.prom"; then
		pass "the textfile has $metric"
	else
		fail "the textfile has no $metric"
	fi
done
if command -v promtool >/dev/null; then
	# promtool's lint finds only the two contract names ending in _count
	# (deploy/reference.md, "Metrics").
	findings=$(promtool check metrics <"$root/src/build/mapwatch.prom" 2>&1 |
		grep -v -e '^mapwatch_max_map_count ' -e '^mapwatch_process_map_count ')
	if [ -z "$findings" ]; then pass "promtool reads the textfile"; else fail "promtool: $findings"; fi
fi
if grep -q "^mapwatch: agent started: " "$log"; then
	pass "the agent logged its start line"
else
	fail "no start line from the agent in the log"
fi

# Ctrl-C, as the README says: the agent leaves with status 0.
agent=$(pgrep -f -n "^build/mapwatch agent" -s "$holder" 2>/dev/null || pgrep -n -s "$holder" -x mapwatch)
if [ -n "$agent" ]; then
	kill -INT "$agent"
	status=0
	wait "$holder" || status=$?
	holder=""
	if [ "$status" -eq 0 ]; then pass "Ctrl-C stops the agent with status 0"; else fail "Ctrl-C: exit status $status"; fi
else
	fail "no agent process in the command's session"
fi

if [ "${MAPWATCH_FRESH_KEEP:-}" ]; then trap 'cleanup keep' EXIT; echo "kept: $work"; fi
finish
