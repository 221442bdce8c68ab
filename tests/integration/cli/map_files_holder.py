"""A process that maps files and holds them: check-filesystems.sh's holder.

usage: map_files_holder.py COMM READY FILE...: names itself COMM (before any
mapping, so the agent's --comm filter lets its mmap calls through), maps each
FILE whole, read-only and shared, creates READY, and sleeps until killed.
"""
import ctypes
import mmap
import os
import sys
import time

PR_SET_NAME = 15
ctypes.CDLL(None).prctl(PR_SET_NAME, sys.argv[1].encode(), 0, 0, 0)
held = []
for path in sys.argv[3:]:
    with open(path, "rb") as f:
        held.append(mmap.mmap(f.fileno(), os.fstat(f.fileno()).st_size, prot=mmap.PROT_READ))
open(sys.argv[2], "w").close()
while True:
    time.sleep(3600)
