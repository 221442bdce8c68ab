#!/bin/sh
# Usage: check-install.sh BUILD_DIR SOURCE_DIR
# `cmake --install` as an operator and a packager run it: with --prefix, and
# with DESTDIR under /usr. Every file must land where deploy/README.md says,
# nothing else may be installed, the data files must be the tree's own, the
# unit must name the installed binary and pass `systemd-analyze verify`
# there, man must find and render the page by name, and the installed alert
# rules must pass their installed tests.
set -eu

build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# Relative to the prefix; the source of each file that is copied as is.
expected="bin/mapwatch
lib/systemd/system/mapwatch.service
share/doc/mapwatch/README.md README.md
share/doc/mapwatch/deploy.md deploy/README.md
share/doc/mapwatch/reference.md deploy/reference.md
share/man/man8/mapwatch.8
share/mapwatch/grafana/mapwatch-dashboard.json deploy/grafana/mapwatch-dashboard.json
share/mapwatch/kubernetes/daemonset.yaml deploy/kubernetes/daemonset.yaml
share/mapwatch/kubernetes/podmonitor.yaml deploy/kubernetes/podmonitor.yaml
share/mapwatch/prometheus/mapwatch-alerts.test.yml deploy/prometheus/mapwatch-alerts.test.yml
share/mapwatch/prometheus/mapwatch-alerts.yml deploy/prometheus/mapwatch-alerts.yml"

# check_tree ROOT PREFIX: the files under ROOT, installed for PREFIX.
check_tree() {
	root=$1
	prefix=$2
	echo "$expected" | cut -d' ' -f1 | sort >"$work/expected"
	(cd "$root$prefix" && find . -type f | sed 's|^\./||' | sort) >"$work/found"
	if ! cmp -s "$work/expected" "$work/found"; then
		fail "install under $root$prefix differs from the expected layout (- expected, + installed):"
		diff -u "$work/expected" "$work/found" | sed -n 's/^\([-+][^-+]\)/    \1/p'
	fi
	echo "$expected" | while read -r installed original; do
		[ -n "$original" ] || continue
		cmp -s "$source/$original" "$root$prefix/$installed" ||
			echo "FAIL: $prefix/$installed is not a copy of $original"
	done >"$work/copies"
	if [ -s "$work/copies" ]; then
		cat "$work/copies"
		failures=$((failures + 1))
	fi
	[ -x "$root$prefix/bin/mapwatch" ] || fail "$prefix/bin/mapwatch is not executable"
	exec_start=$(sed -n 's/^ExecStart=//p' "$root$prefix/lib/systemd/system/mapwatch.service")
	case "$exec_start" in
	"$prefix/bin/mapwatch agent "*) ;;
	*) fail "installed unit runs '$exec_start', not $prefix/bin/mapwatch agent ..." ;;
	esac
}

# 1. cmake --install --prefix: runnable where it lands.
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || {
	cat "$work/install.log"
	fail "cmake --install --prefix $prefix failed"
	exit 1
}
check_tree "" "$prefix"

version=$("$build/mapwatch" --version)
[ "$("$prefix/bin/mapwatch" --version)" = "$version" ] ||
	fail "installed binary does not print '$version'"

grep -qx "$prefix/lib/systemd/system/mapwatch.service" "$build/install_manifest.txt" ||
	fail "the unit is not in install_manifest.txt: uninstalling would leave it behind"

# verify checks ExecStart's binary and runs man for Documentation=man:.
if command -v systemd-analyze >/dev/null 2>&1; then
	if ! messages=$(MANPATH="$prefix/share/man" systemd-analyze verify \
		"$prefix/lib/systemd/system/mapwatch.service" 2>&1) || [ -n "$messages" ]; then
		echo "$messages"
		fail "systemd-analyze verify rejects the installed unit"
	fi
else
	fail "systemd-analyze not found (package systemd)"
fi

page=$(MANPATH="$prefix/share/man" man -w mapwatch 2>/dev/null || true)
[ "$page" = "$prefix/share/man/man8/mapwatch.8" ] ||
	fail "man -w mapwatch finds '$page', not the installed page"
MANPATH="$prefix/share/man" MANWIDTH=80 MANPAGER=cat man --warnings 8 mapwatch \
	>"$work/man.txt" 2>"$work/man.err" || fail "man 8 mapwatch failed: $(cat "$work/man.err")"
[ ! -s "$work/man.err" ] || fail "man 8 mapwatch warns: $(cat "$work/man.err")"
grep -q "mapwatch $(echo "$version" | cut -d' ' -f2)" "$work/man.txt" ||
	fail "the installed page does not show version $version"

# The rules and their tests travel together: the installed pair must pass.
if command -v promtool >/dev/null 2>&1; then
	(cd "$prefix/share/mapwatch/prometheus" && promtool test rules mapwatch-alerts.test.yml) \
		>"$work/promtool.log" 2>&1 || {
		cat "$work/promtool.log"
		fail "promtool test rules fails on the installed rules"
	}
else
	fail "promtool not found (package prometheus)"
fi

# 2. DESTDIR under /usr, as a package build does: files in the stage, paths
# in them for /usr.
DESTDIR=$work/stage cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 || {
	cat "$work/install.log"
	fail "DESTDIR=... cmake --install --prefix /usr failed"
	exit 1
}
check_tree "$work/stage" /usr

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "PASS: cmake --install puts every file in place, for --prefix and for DESTDIR"
