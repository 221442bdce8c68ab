#!/bin/sh
# Usage: check-systemd-unit.sh UNIT_FILE MAN_PAGE [MAPWATCH_BINARY]
# Checks the unit the way systemd will read it: `systemd-analyze verify`
# (unknown keys, bad values, a missing ExecStart binary, a Documentation= man
# page that man cannot find) and `systemd-analyze security` (exposure must
# stay at or below EXPOSURE_MAX on its 0-100 scale).
# Without systemd-analyze, falls back to parsing the unit as INI.
set -eu

unit=$1
man_page=$2
binary=${3:-}
exposure_max=25 # "2.5" in systemd-analyze's output

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze not found: parsing $unit as INI only"
	exec python3 - "$unit" <<'PY'
import configparser, sys
parser = configparser.ConfigParser(strict=False, interpolation=None)
parser.optionxform = str
parser.read_file(open(sys.argv[1]))
for section in ("Unit", "Service", "Install"):
    if section not in parser:
        sys.exit(f"{sys.argv[1]}: no [{section}] section")
if not parser["Service"].get("ExecStart", "").startswith("/usr/local/bin/mapwatch agent"):
    sys.exit(f"{sys.argv[1]}: ExecStart does not run mapwatch agent")
PY
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# verify resolves the unit's dependencies (sysinit.target, ...) and the
# ExecStart binary inside --root, so give it a copy of the host's units (a
# symlink to them loops when resolved inside the root) and the binary at its
# install path.
units=/usr/lib/systemd/system
[ -d "$units" ] || units=/lib/systemd/system
mkdir -p "$root/usr/lib/systemd"
cp -a "$units" "$root/usr/lib/systemd/system"
mkdir -p "$root/etc/systemd/system" "$root/usr/local/bin" "$root/usr/local/share/man/man8"
cp "$unit" "$root/etc/systemd/system/mapwatch.service"
# verify runs man(1) outside the root for Documentation=man:...; point it at
# the page this tree builds.
cp "$man_page" "$root/usr/local/share/man/man8/mapwatch.8"
export MANPATH="$root/usr/local/share/man"
if [ -n "$binary" ]; then
	cp "$binary" "$root/usr/local/bin/mapwatch"
else
	# Not built in this tree: only the unit is under test here.
	printf '#!/bin/sh\nexit 0\n' >"$root/usr/local/bin/mapwatch"
	chmod 0755 "$root/usr/local/bin/mapwatch"
fi

# verify exits 0 even on unknown keys and bad values; it only prints them.
messages=$(systemd-analyze verify --root="$root" mapwatch.service 2>&1) || {
	echo "$messages"
	echo "FAIL: systemd-analyze verify rejected $unit"
	exit 1
}
if [ -n "$messages" ]; then
	echo "$messages"
	echo "FAIL: systemd-analyze verify complained about $unit"
	exit 1
fi

if ! systemd-analyze security --offline=yes --threshold="$exposure_max" \
	--root="$root" mapwatch.service; then
	echo "FAIL: $unit is more exposed than $exposure_max/100"
	exit 1
fi
echo "PASS: $unit"
