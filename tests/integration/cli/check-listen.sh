#!/bin/bash
# agent --listen: a real Prometheus scrapes the agent and its query API
# returns the orphans a test process holds; /metrics serves the textfile's
# bytes, which promtool accepts; hostile clients (1,000 connections, a
# slowloris, a slow reader, a 1 MiB header, binary garbage, HTTP/0.9) get
# an error or a closed connection while the textfile and the snapshot go on
# being replaced and others are still served; SIGTERM with clients
# connected exits 0; the serving thread holds no more capabilities than the
# agent and none of its signals; a bad ADDR:PORT or a taken port is one
# clear line before anything is loaded.
# usage: check-listen.sh PATH_TO_MAPWATCH
set -u
. "$(dirname "$0")/../check_harness.sh"
mapwatch=$1
here=$(cd "$(dirname "$0")" && pwd)
clients="$here/http_clients.py"
work=$(mktemp -d /tmp/mapwatch-listen.XXXXXX)
agent_pid=""
holder_pid=""
prometheus_pid=""
client_pids=()
# The holder's orphans, each a page
ORPHANS=7

cleanup() {
	touch "$work/stop"
	kill_and_reap $agent_pid $holder_pid $prometheus_pid "${client_pids[@]}"
	rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_agent: host-wide (--top 0: the holder has a series whatever else the
# host holds), rewriting both outputs every second, serving on a port the
# kernel picks, which the start line names.
start_agent() {
	"$mapwatch" agent --interval 1 --top 0 --textfile "$work/m.prom" --snapshot "$work/s.json" \
		--listen 127.0.0.1:0 >/dev/null 2>"$work/agent.err" &
	agent_pid=$!
	wait_for -p "$agent_pid" -l "$work/agent.err" 120 "the agent's start line" \
		grep -q "agent started" "$work/agent.err" || return 1
	port=$(sed -n 's|.*metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$work/agent.err")
	[ -n "$port" ] || {
		fail "the start line names no address: $(cat "$work/agent.err")"
		return 1
	}
	# a host-wide first snapshot: slow under a sanitizer on a busy host
	wait_for_new_write -t 300 -p "$agent_pid" -l "$work/agent.err" "$work/s.json" 1 ""
}

# stop_agent_within SECONDS: SIGTERM, and its status once it has exited
# (137 when it had to be killed: it did not stop by itself).
# gone PID: exited (a zombie until reaped) or reaped
gone() { [ ! -e "/proc/$1/stat" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
stop_agent_within() {
	kill -TERM "$agent_pid"
	(poll "$1" gone "$agent_pid" || kill -9 "$agent_pid") &
	local watchdog=$! status=0
	wait "$agent_pid" || status=$?
	wait "$watchdog"
	agent_pid=""
	return "$status"
}

# start_client NAME KIND ARGS...: a long-running client of http_clients.py,
# waited for until it holds its connections.
start_client() {
	local name=$1
	shift
	python3 "$clients" "$1" 127.0.0.1 "$port" "${@:2}" >"$work/$name.out" 2>&1 &
	client_pids+=($!)
	wait_for -p $! -l "$work/$name.out" 60 "$name holding its connections" \
		grep -q holding "$work/$name.out"
}

# stop_clients: tells them to finish; each says what it saw.
stop_clients() {
	local pid status=0
	touch "$work/stop"
	for pid in "${client_pids[@]}"; do
		wait "$pid" || status=1
	done
	client_pids=()
	rm -f "$work/stop"
	return "$status"
}

# ---- a bad address is bad usage; a taken port fails before loading ----
for bad in foo 127.0.0.1 127.0.0.1:65536 ::1:9437 '[::1]9437' localhost:9437 :9437 '127.0.0.1:' \
	'[fe80::1%no-such-if]:9437' 127.1:9437; do
	status=0
	"$mapwatch" agent --listen "$bad" >/dev/null 2>"$work/bad.err" || status=$?
	if [ "$status" -eq 2 ] && [ "$(wc -l <"$work/bad.err")" -eq 1 ] &&
		grep -q -- "--listen: '.*' .*expected ADDR:PORT" "$work/bad.err"; then
		pass "--listen '$bad': exit 2, $(cat "$work/bad.err")"
	else
		fail "--listen '$bad': exit $status, $(cat "$work/bad.err")"
	fi
done
"$mapwatch" top --listen 127.0.0.1:9437 >/dev/null 2>&1
[ $? -eq 2 ] && pass "only the agent takes --listen" || fail "top accepted --listen"

# ---- a process holding orphans ----
mkdir "$work/held"
python3 - "$work/held" "$ORPHANS" >"$work/holder.out" <<'EOF' &
import mmap, os, sys, time
held = []
for i in range(int(sys.argv[2])):
    path = os.path.join(sys.argv[1], "segment-%d.index" % i)
    with open(path, "wb") as file:
        file.write(b"x" * 4096)
    with open(path, "r+b") as file:
        held.append(mmap.mmap(file.fileno(), 4096))
    os.unlink(path)
print("ready", flush=True)
time.sleep(3600)
EOF
holder_pid=$!
wait_for -p "$holder_pid" 60 "the holder's orphans" grep -q ready "$work/holder.out"

start_agent || {
	finish
	exit
}

# a second agent on the same port: refused before anything is loaded
status=0
"$mapwatch" agent --textfile "$work/other.prom" --listen "127.0.0.1:$port" >/dev/null \
	2>"$work/taken.err" || status=$?
if [ "$status" -eq 1 ] && grep -q "cannot listen: Address already in use: another process" "$work/taken.err" &&
	! grep -q "agent started" "$work/taken.err"; then
	pass "a taken port: exit 1, $(cat "$work/taken.err")"
else
	fail "a taken port: exit $status, $(cat "$work/taken.err")"
fi

# ---- the serving thread: the agent's capabilities, none of its signals ----
# SIGINT (2), SIGUSR1 (10) and SIGTERM (15) are read from the agent's signalfd
main_caps=$(awk '$1 == "CapEff:" { print $2 }' "/proc/$agent_pid/status")
threads=0
for task in /proc/"$agent_pid"/task/*; do
	tid=${task##*/}
	[ "$tid" = "$agent_pid" ] && continue
	threads=$((threads + 1))
	caps=$(awk '$1 == "CapEff:" || $1 == "CapPrm:" { print $2 }' "$task/status" | sort -u)
	blocked=$(awk '$1 == "SigBlk:" { print $2 }' "$task/status")
	[ "$caps" = "$main_caps" ] && pass "thread $tid holds the agent's capabilities ($caps)" ||
		fail "thread $tid holds $caps, the agent $main_caps"
	if (((0x$blocked >> 1 & 1) && (0x$blocked >> 9 & 1) && (0x$blocked >> 14 & 1))); then
		pass "thread $tid blocks SIGINT, SIGUSR1 and SIGTERM ($blocked)"
	else
		fail "thread $tid could take the agent's signals: SigBlk $blocked"
	fi
done
[ "$threads" -eq 1 ] && pass "one serving thread" || fail "$threads threads besides the agent's"

# ---- the landing page, and /metrics as the textfile's very bytes ----
python3 "$clients" get 127.0.0.1 "$port" / >"$work/landing.html" &&
	grep -q 'href="/metrics"' "$work/landing.html" && pass "/ links to /metrics" ||
	fail "landing page: $(head -c 500 "$work/landing.html")"
# The file is renamed into place before its text is served: tried until
# no write fell between reading one and the other.
if python3 "$clients" same-as-file 127.0.0.1 "$port" "$work/m.prom" >"$work/same.out" 2>&1; then
	pass "/metrics serves the textfile's bytes: $(cat "$work/same.out")"
else
	fail "$(cat "$work/same.out")"
fi
python3 "$clients" get 127.0.0.1 "$port" /metrics >"$work/served.prom"
promtool check metrics <"$work/served.prom" >"$work/promtool.out" 2>&1
if grep -v 'map_count non-histogram and non-summary metrics should not have "_count" suffix' \
	"$work/promtool.out" | grep -q .; then
	fail "promtool on /metrics: $(head -c 2000 "$work/promtool.out")"
else
	pass "promtool check metrics accepts /metrics"
fi

# ---- a real Prometheus scrapes it ----
prometheus_port=$(free_port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mapwatch
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$prometheus_port" >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
# query_is PROMQL VALUE: within 120 s, Prometheus's answer is one series of VALUE
query_is() { python3 "$clients" query 127.0.0.1 "$prometheus_port" "$1" "$2"; }
holder_query="mapwatch_process_orphaned_mappings{job=\"mapwatch\",pid=\"$holder_pid\"}"
if query_is "$holder_query" "$ORPHANS" >"$work/query.out" 2>&1; then
	pass "Prometheus scraped the agent: $(cat "$work/query.out")"
else
	fail "Prometheus: $(cat "$work/query.out")$(tails "$work/prometheus.log" "$work/agent.err")"
fi
query_is 'up{job="mapwatch"}' 1 >"$work/query.out" 2>&1 && pass "Prometheus: $(cat "$work/query.out")" ||
	fail "Prometheus: $(cat "$work/query.out")"

# ---- hostile requests: an error or a closed connection, nothing served ----
for kind in big-header garbage http09; do
	if python3 "$clients" request 127.0.0.1 "$port" "$kind" >"$work/request.out" 2>&1; then
		pass "$(cat "$work/request.out")"
	else
		fail "$(cat "$work/request.out")"
	fi
done
kill -0 "$agent_pid" 2>/dev/null && pass "the agent is still running" || fail "the agent died"

# ---- held connections while the outputs go on being replaced ----
start_client flood flood 1000 "$work/stop"
start_client slowloris slowloris 10 "$work/stop"
start_client reader slow-reader "$work/stop"
# three replacements each: two whole intervals begun under the flood. The
# clients hold on until told: an agent they could block writes nothing more,
# however long the wait (generous: a host-wide write under a sanitizer on a
# busy host takes tens of seconds).
wait_for_new_write -t 300 -p "$agent_pid" -l "$work/agent.err" "$work/m.prom" 3 &&
	wait_for_new_write -t 300 -p "$agent_pid" -l "$work/agent.err" "$work/s.json" 3 &&
	pass "the textfile and the snapshot are replaced while 1,000 connections, a slowloris and a slow reader hold on"
python3 "$clients" get 127.0.0.1 "$port" /metrics >"$work/during.prom" &&
	grep -q "^mapwatch_process_orphaned_mappings{pid=\"$holder_pid\"" "$work/during.prom" &&
	pass "another client is served meanwhile" || fail "another client was not served during the flood"
if stop_clients; then
	pass "clients: $(cat "$work/flood.out" "$work/slowloris.out" "$work/reader.out" | grep -v holding | tr '\n' ';')"
else
	fail "clients: $(cat "$work/flood.out" "$work/slowloris.out" "$work/reader.out")"
fi
# the slow reader held an exposition across the agent's writes and got it whole
read_stamp=$(sed -n 's/.*mapwatch_last_update_timestamp_seconds \([0-9.]*\).*/\1/p' "$work/reader.out")
file_stamp=$(awk '$1 == "mapwatch_last_update_timestamp_seconds" { print $2 }' "$work/m.prom")
if [ -n "$read_stamp" ] && python3 -c "import sys; sys.exit(not float('$read_stamp') < float('$file_stamp'))"; then
	pass "the slow reader's exposition, whole, is one of an earlier write ($read_stamp < $file_stamp)"
else
	fail "slow reader's exposition stamped '$read_stamp', the textfile's '$file_stamp'"
fi

# ---- SIGTERM with clients connected ----
start_client flood flood 200 "$work/stop"
start_client slowloris slowloris 10 "$work/stop"
start_client reader slow-reader "$work/stop"
status=0
# an export in progress finishes first: tens of seconds under a sanitizer
stop_agent_within 300 || status=$?
if [ "$status" -eq 0 ] && ! grep -q "agent stopped" "$work/agent.err"; then
	pass "SIGTERM with clients connected: exit 0"
else
	fail "SIGTERM with clients connected: exit $status$(tails "$work/agent.err")"
fi
touch "$work/stop"
for pid in "${client_pids[@]}"; do wait "$pid"; done
client_pids=()

finish
