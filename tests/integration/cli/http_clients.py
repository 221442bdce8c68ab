#!/usr/bin/env python3
"""Usage: http_clients.py KIND HOST PORT [ARGS...]

Clients of `mapwatch agent --listen`, well-behaved and hostile, for
check-listen.sh. Each hostile kind connects from its own loopback source
address (127.0.0.N), as separate machines would, so the agent's
per-address connection limit is what it meets.

  get PATH                  prints the body of a GET; exit 1 unless 200
  same-as-file FILE         exit 0 once a GET of /metrics, between two
                            looks at FILE that see the same file, returns
                            FILE's bytes; 1 if none did within 60 s
  query PROMQL VALUE        (PORT is Prometheus's) exit 0 once its query
                            API returns one series of that value; 1 if not
                            within 120 s, saying what it returned
  request KIND              one hostile request (big-header, garbage,
                            http09): exit 0 when the agent answers with an
                            error status or closes the connection, 1 when
                            it serves anything (or holds it open past 60 s)
  slowloris COUNT STOP      COUNT connections sending a header a byte at a
                            time until the file STOP exists
  flood COUNT STOP          COUNT connections opened and held until STOP
  slow-reader STOP          a GET read a few bytes at a time until STOP,
                            then to the end: exit 1 unless the body is
                            whole (Content-Length, a final newline)

The long-running kinds print "holding ..." once their connections are made
and a last line saying what they saw, then exit 0 (1 on a broken promise).
"""
import json
import os
import random
import resource
import select
import socket
import sys
import time
import urllib.parse
import urllib.request

DEADLINE_SECONDS = 60


def connect(host, port, source, receive_buffer=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        # before connect(): the window offered to the agent stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind((source, 0))
    sock.settimeout(DEADLINE_SECONDS)
    sock.connect((host, port))
    return sock


def read_all(sock):
    """Everything until the agent closes; stops early on a reset."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return data


def split_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, body


def get(host, port, path):
    sock = connect(host, port, "127.0.0.1")
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                  % (path, host, port)).encode())
    status, headers, body = split_response(read_all(sock))
    sock.close()
    if status.split()[1:2] != ["200"]:
        sys.exit("GET %s: %r" % (path, status))
    if int(headers.get("content-length", -1)) != len(body):
        sys.exit("GET %s: %d bytes, Content-Length %s" % (path, len(body), headers.get("content-length")))
    sys.stdout.buffer.write(body)


def fetch(host, port, path):
    sock = connect(host, port, "127.0.0.1")
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                  % (path, host, port)).encode())
    status, _, body = split_response(read_all(sock))
    sock.close()
    return status, body


def file_id(path):
    """Changes each time a writer renames a new file into place."""
    status = os.stat(path)
    return status.st_ino, status.st_ctime_ns


def same_as_file(host, port, path):
    deadline = time.monotonic() + DEADLINE_SECONDS
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        before = file_id(path)
        with open(path, "rb") as file:
            text = file.read()
        _, body = fetch(host, port, "/metrics")
        if file_id(path) == before and body == text:
            print("%d bytes, the same, at try %d" % (len(body), tries))
            return
        time.sleep(0.05)
    sys.exit("/metrics never matched %s in %d tries" % (path, tries))


def query(host, port, promql, value):
    url = "http://%s:%d/api/v1/query?%s" % (host, port, urllib.parse.urlencode({"query": promql}))
    deadline = time.monotonic() + 2 * DEADLINE_SECONDS
    seen = "nothing"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                result = json.load(answer)["data"]["result"]
            seen = [series["value"][1] for series in result]
            if seen == [value]:
                print("%s is %s" % (promql, value))
                return
        except (OSError, ValueError, KeyError) as error:
            seen = repr(error)
        time.sleep(0.2)
    sys.exit("%s: %s, not %s, after %d s" % (promql, seen, value, 2 * DEADLINE_SECONDS))


def hostile_request(kind):
    if kind == "big-header":
        # 1 MiB in one header line: far past what the agent keeps per connection
        return b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * (1 << 20) + b"\r\n\r\n"
    if kind == "garbage":
        noise = random.Random(21)
        return bytes(noise.randrange(256) for _ in range(65536))
    if kind == "http09":
        # HTTP/0.9: a request line without a version, answered by a bare body
        return b"GET /metrics\r\n"
    sys.exit("unknown request kind %r" % kind)


def request(host, port, kind):
    sock = connect(host, port, "127.0.0.5")
    started = time.monotonic()
    try:
        sock.sendall(hostile_request(kind))
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed on us mid-send: what a refusal can look like
    try:
        data = read_all(sock)
    except socket.timeout:
        sys.exit("%s: connection still open after %d s" % (kind, DEADLINE_SECONDS))
    elapsed = time.monotonic() - started
    sock.close()
    first = data.split(b"\r\n", 1)[0].decode("latin-1")
    if b"mapwatch_" in data:
        sys.exit("%s: the agent served metrics: %r" % (kind, data[:200]))
    if not data:
        print("%s: closed without an answer after %.1f s" % (kind, elapsed))
        return
    parts = first.split()
    if len(parts) >= 2 and parts[0].startswith("HTTP/1.") and parts[1][:1] in "45":
        print("%s: %s, then closed after %.1f s" % (kind, first, elapsed))
        return
    sys.exit("%s: not an error status: %r" % (kind, data[:200]))


def raise_file_limit(count):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, count + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def still_open(sock):
    """Whether the agent has not closed it (no EOF, no reset) yet."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def until(stop, step):
    while not os.path.exists(stop):
        step()
        time.sleep(0.2)


def slowloris(host, port, count, stop):
    """A request whose headers never end: a byte at a time, every header well formed."""
    start = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\n"
    filler = b"X-Slow: a\r\n"
    socks = [connect(host, port, "127.0.0.3") for _ in range(count)]
    sent = [0] * count
    print("holding %d" % count, flush=True)

    def step():
        for i, sock in enumerate(socks):
            if sock is None:
                continue
            offset = sent[i]
            if offset < len(start):
                byte = start[offset:offset + 1]
            else:
                at = (offset - len(start)) % len(filler)
                byte = filler[at:at + 1]
            try:
                sock.send(byte)
                sent[i] += 1
            except OSError:
                socks[i] = None

    until(stop, step)
    open_now = sum(1 for sock in socks if sock is not None and still_open(sock))
    print("slowloris: %d of %d connections still open at the end, %d bytes sent on each at most"
          % (open_now, count, max(sent)))


def flood(host, port, count, stop):
    """Connections started all at once (non-blocking), as a flood comes."""
    raise_file_limit(count)
    pending = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.2", 0))
        sock.setblocking(False)
        sock.connect_ex((host, port))
        pending.append(sock)
    socks, refused = [], 0
    deadline = time.monotonic() + DEADLINE_SECONDS
    while pending and time.monotonic() < deadline:
        _, writable, _ = select.select([], pending, [], 1)
        for sock in writable:
            pending.remove(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                refused += 1
                sock.close()
            else:
                socks.append(sock)
    print("holding %d (refused %d, %d still connecting)" % (len(socks), refused, len(pending)),
          flush=True)
    until(stop, lambda: None)
    open_now = sum(1 for sock in socks if still_open(sock))
    print("flood: %d connections made, %d still open at the end" % (len(socks), open_now))


def slow_reader(host, port, stop):
    sock = connect(host, port, "127.0.0.4", receive_buffer=1024)
    sock.sendall(("GET /metrics HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                  % (host, port)).encode())
    data = sock.recv(64)
    print("holding 1", flush=True)

    def step():
        nonlocal data
        data += sock.recv(64)

    until(stop, step)
    data += read_all(sock)
    sock.close()
    status, headers, body = split_response(data)
    length = int(headers.get("content-length", -1))
    if status.split()[1:2] != ["200"] or length != len(body) or not body.endswith(b"\n"):
        sys.exit("slow reader: %r, %d bytes of %d" % (status, len(body), length))
    # when it was rendered: older than the textfile by then, if the agent went on publishing
    stamp = [line for line in body.decode().splitlines()
             if line.startswith("mapwatch_last_update_timestamp_seconds ")]
    print("slow reader: a whole exposition of %d bytes, %s" % (len(body), stamp[0] if stamp else "no timestamp"))


def main():
    kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    if kind == "get":
        get(host, port, args[0])
    elif kind == "same-as-file":
        same_as_file(host, port, args[0])
    elif kind == "query":
        query(host, port, args[0], args[1])
    elif kind == "request":
        request(host, port, args[0])
    elif kind == "slowloris":
        slowloris(host, port, int(args[0]), args[1])
    elif kind == "flood":
        flood(host, port, int(args[0]), args[1])
    elif kind == "slow-reader":
        slow_reader(host, port, args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
