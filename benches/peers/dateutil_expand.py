"""The expansion peer: python-dateutil's rrule with zoneinfo on the same rules.

Reads the JSON lines written by teho-bench (start date, RRULE value, excluded local
date-times), builds every rule before timing, then times expanding them all into Unix
seconds. Prints count=, checksum= (wrapping sum of SplitMix64-mixed seconds, as the Rust
side computes it), seconds= and dateutil=.
"""

import datetime as dt
import json
import sys
import time
from zoneinfo import ZoneInfo

import dateutil
from dateutil.rrule import rruleset, rrulestr

MASK = (1 << 64) - 1
TALLINN = ZoneInfo("Europe/Tallinn")


def mix(z: int) -> int:
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def build(line: str):
    case = json.loads(line)
    start = dt.datetime.combine(dt.date.fromisoformat(case["start"]), dt.time(0), TALLINN)
    rule = rrulestr(case["rrule"], dtstart=start)
    if not case["exdates"]:
        return rule
    rules = rruleset()
    rules.rrule(rule)
    for ex in case["exdates"]:
        rules.exdate(dt.datetime.fromisoformat(ex).replace(tzinfo=TALLINN))
    return rules


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        rules = [build(line) for line in f if line.strip()]
    best = None
    out: list = []
    for _ in range(2):
        out = []
        started = time.perf_counter()
        for rule in rules:
            out.extend(int(t.timestamp()) for t in rule)
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    checksum = 0
    for t in out:
        checksum = (checksum + mix(t)) & MASK
    print(f"count={len(out)}")
    print(f"checksum={checksum}")
    print(f"seconds={best}")
    print(f"dateutil={getattr(dateutil, '__version__', '?')}")


if __name__ == "__main__":
    main()
