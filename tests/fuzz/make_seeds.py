#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (corpus/NAME/*): small inputs
that each reach one path a real agent takes. Run from anywhere; the event
records follow bpf/mapwatch_events.h (x86-64, little endian)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
COMM_LEN, NAME_LEN = 16, 128
MMAP, MUNMAP, MREMAP, MPROTECT, TRUNCATE, UNLINK, RENAME, CHECK, FORK, EXEC, EXIT = range(1, 12)
SEED, ANSWER_CHECKS, SWEEP, REMOVE, SNAPSHOT = 11, 12, 13, 14, 15
MMAP_FILE, INODE_KNOWN, INODE_FILED = 1, 4, 8
UNLINK_LAST = 1


def write(harness, name, data):
    directory = os.path.join(HERE, "corpus", harness)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as file:
        file.write(data)


# The harness folds pid p to 1 + p % 6 and ino i to 1 + i % 12; odd tid: no step back in time.
def header(pid, step=100, flags=0, comm=b"java"):
    return struct.pack("<QIIIIII16s", step, 0, 0, pid, 1, 40, flags, comm)


def file_id(ino, size=4 * 4096, nlink=1, inode=1):
    return struct.pack("<QQQIIII", inode, ino, size, 1, nlink, 7, 0)


def op(operation, payload=b""):
    return bytes([operation - 1 if operation <= EXIT else operation]) + payload


def mmap(pid, page, ino, name=b"00000000000000461285.index", filed=False):
    flags = MMAP_FILE | INODE_KNOWN | (INODE_FILED if filed else 0)
    body = struct.pack("<QQQII", page * 4096, 4 * 4096, 0, 3, 1) + file_id(ino) + struct.pack("<QQ", 99, 0)
    if not filed:
        body += name.ljust(NAME_LEN, b"\0")
    return op(MMAP, header(pid, flags=flags) + body)


def unlink(pid, ino):
    return op(UNLINK, header(pid, flags=UNLINK_LAST) + file_id(ino, nlink=0))


def simple(operation, pid, payload):
    return op(operation, header(pid) + payload)


write("event_stream", "map-unlink-unmap",
      mmap(0, 1, 0) + op(SNAPSHOT) + unlink(0, 0) + op(SNAPSHOT) +
      simple(MUNMAP, 0, struct.pack("<QQ", 1 * 4096, 4096)) + op(SNAPSHOT))
write("event_stream", "fork-exit",
      mmap(0, 1, 0) + unlink(0, 0) + simple(FORK, 0, struct.pack("<II", 1, 0)) +
      simple(EXIT, 0, struct.pack("<II", 0, 0)) + op(SNAPSHOT))
# child pid folded onto the parent's: the decoder rejects it, nothing is freed twice
write("event_stream", "self-fork",
      mmap(0, 1, 0) + simple(FORK, 0, struct.pack("<II", 0, 0)) + op(SNAPSHOT) +
      simple(EXIT, 0, struct.pack("<II", 0, 0)) + op(SNAPSHOT))
write("event_stream", "resize-remap-mremap",
      mmap(1, 2, 3) + op(TRUNCATE, header(1) + file_id(3, size=2 * 4096)) +
      mmap(1, 10, 3, filed=True) +
      simple(MREMAP, 1, struct.pack("<QQQQII", 10 * 4096, 4 * 4096, 20 * 4096, 8 * 4096, 1, 0)) +
      simple(MPROTECT, 1, struct.pack("<QQII", 20 * 4096, 4096, 1, 0)) + op(SNAPSHOT))
write("event_stream", "rename-check-exec",
      mmap(2, 3, 4) +
      op(RENAME, header(2) + file_id(4) + struct.pack("<Q", 5) + b"x.deleted".ljust(NAME_LEN, b"\0")) +
      simple(CHECK, 2, struct.pack("<QII", 5, 0, 0)) + op(ANSWER_CHECKS, b"\x00") +
      simple(EXEC, 2, struct.pack("<II", 2, 0)) + op(SNAPSHOT))
write("event_stream", "seed-sweep-remove",
      op(SEED, bytes([3, 2]) + bytes([1, 2, 5, 1, 1, 3, 4, 7]) + bytes([6, 1, 5, 1, 1, 1, 1, 7])) +
      op(SNAPSHOT) + op(SWEEP) + op(REMOVE, b"\x03") + op(SNAPSHOT))

lines = {
    "kafka-orphan": b"7f3fc1800000-7f3fc2200000 rw-s 00000000 fe:00 9440471                    "
                    b"/kafka-logs/t-4/00000000000000461285.timeindex (deleted)",
    "heap": b"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]",
    "anonymous": b"7ffd4d268000-7ffd4d289000 rw-p 00000000 00:00 0 ",
    "leading-spaces": b"7f0000000000-7f0000001000 r--p 00001000 08:01 1234                       "
                      b"   /tmp/  spaced name",
    "named-deleted-twice": b"7f0000000000-7f0000001000 r--s 00000000 fe:00 77                         "
                           b"/srv/old.index (deleted) (deleted)",
    "memfd": b"7f0000000000-7f0000200000 rw-s 00000000 00:01 2048                       /memfd:buf (deleted)",
    "dev-zero": b"7f0000000000-7f0000200000 rw-s 00000000 00:01 5                          /dev/zero (deleted)",
    "sysv": b"7f0000000000-7f0000001000 rw-s 00000000 00:01 65538                      /SYSV00000000 (deleted)",
    "short-addresses": b"08048000-08049000 r-xp 00000000 08:01 1234 /bin/x",
    "escaped-newline": b"7f0000000000-7f0000001000 r--p 00000000 fe:00 9                          /tmp/a\\012b",
    "malformed": b"7f0000000000-zz r--p",
}
for name, line in lines.items():
    write("proc_maps_line", name, line)

commands = {
    "agent": [b"agent", b"--interval", b"1.5", b"--textfile", b"/tmp/m.prom", b"--snapshot",
              b"/tmp/s.json", b"--top", b"10"],
    "agent-kernel-sizes": [b"agent", b"--ring-buffer-size", b"64K", b"--max-inodes", b"1M"],
    "filters": [b"top", b"-p", b"1", b"--pid", b"4242", b"-c", b"java", b"--cgroup",
                b"/system.slice", b"-b", b"-n", b"2"],
    "scan-json": [b"scan", b"--json", b"--check", b"--by-file", b"-v"],
    "trace-help": [b"trace", b"--json", b"--help"],
    "bad-interval": [b"agent", b"--interval", b"0x10"],
    "version": [b"--version"],
}
for name, argv in commands.items():
    write("options", name, b"\0".join(argv))
