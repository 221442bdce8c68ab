#!/bin/sh
# Installs the Debian 12 packages mapwatch needs, only those missing.
#   sh deploy/setup-debian.sh          build and run
#   sh deploy/setup-debian.sh --test   also what the test suite uses
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-debian.sh: run as root (it installs packages with apt-get)" >&2
	exit 1
fi

packages="gcc make cmake pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libjansson-dev uthash-dev libbsd-dev libncurses-dev libcap-ng-dev libmicrohttpd-dev"
if [ "${1:-}" = "--test" ]; then
	# systemd-analyze (systemd), groff and man (groff-base, man-db) check
	# the unit and the man page; setpriv (util-linux) runs with the unit's
	# capabilities; liburing: a deletion through io_uring, which only the
	# audit sees; libclang-rt-14-dev: libFuzzer for the fuzz harnesses;
	# valgrind: the memcheck runs; bpftrace: the peer the benchmarks compare
	# against; mmdebstrap: the bare Debian root README's first command is
	# tried in; stress-ng: the load the suite is run under; btrfs-progs,
	# xfsprogs: the filesystems check-filesystems.sh makes on loop files;
	# default-jdk-headless: the JVMs check-release.sh asks for a collection.
	packages="$packages libcriterion-dev prometheus prometheus-node-exporter tmux python3-yaml
		procps bpftrace systemd groff-base man-db util-linux liburing-dev libclang-rt-14-dev
		valgrind mmdebstrap stress-ng btrfs-progs xfsprogs default-jdk-headless"
fi

missing=""
for package in $packages; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $package"
	fi
done

if [ -n "$missing" ]; then
	echo "setup-debian.sh: installing$missing"
	apt-get update -qq
	# Keep the packages' services from starting: we only want their binaries.
	DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends $missing
fi
