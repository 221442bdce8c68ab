"""What a deploy check found wrong, and how it ends: each failure on a line
of its own, then the status ctest reads."""
import sys

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def finish(passed):
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        sys.exit(1)
    print(f"PASS: {passed}")
