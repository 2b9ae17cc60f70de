#!/usr/bin/env python3
"""Prints the side-by-side table of scripts/peer-bench.sh: one row per
figure, one column per side that ran (a missing JSON file is a side that did
not run or failed), each peer's ratio to ours, and the limit a perfect
protocol and server would reach on this machine (tests/benches/peer.rs).

    bench/table.py N M automerge-repo.json samod.json ours.json
"""
import json
import os
import sys

n, m = sys.argv[1], sys.argv[2]
paths = dict(zip(["automerge-repo", "samod", "ours"], sys.argv[3:6]))
sides = {k: json.load(open(p)) for k, p in paths.items() if p and os.path.exists(p)}
ours = sides.get("ours", {})
peers = [k for k in ("samod", "automerge-repo") if k in sides]
for p in peers:
    # The peers' fresh phone fetches records only.
    sides[p].setdefault("fetch_record_bytes", sides[p].get("fetch_bytes"))

# (figure, key, the limit's key in ours)
rows = [
    ("time until every record is durably stored (ms)", "pushed_ms", "limit_push_ms"),
    ("bytes on the wire, pushing", "push_bytes", "limit_push_bytes"),
    ("time for fresh phones to have them all (ms)", "fetch_ms", None),
    ("bytes on the wire, fetching", "fetch_bytes", None),
    ("the same, records only (ours without reference data)", "fetch_record_bytes", "limit_push_bytes"),
    ("server CPU time (s)", "server_cpu_s", None),
    ("server peak memory (KiB)", "server_peak_kib", None),
]


def cell(v):
    return "—" if v is None else f"{v:,.1f}"


def ratio(a, b):
    return f"{a / b:.1f}×" if a is not None and b else "—"


print(f"\n{n} phones × {m} records\n")
head = ["figure"] + peers + ["Trygghetslogg"] + [f"{p} ÷ ours" for p in peers] + ["limit", "ours ÷ limit"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for name, key, limit_key in rows:
    o = ours.get(key)
    lim = ours.get(limit_key) if limit_key else None
    cells = [name] + [cell(sides[p].get(key)) for p in peers] + [cell(o)]
    cells += [ratio(sides[p].get(key), o) for p in peers]
    cells += [cell(lim), ratio(o, lim)]
    print("| " + " | ".join(cells) + " |")
notes = []
if "fsync_ms" in ours:
    notes.append(f"limit time: {ours.get('push_rounds')} round(s) of concurrent syncs × one fsync "
                 f"({ours['fsync_ms']:.2f} ms, median of 200 on this disk)")
notes.append("limit bytes: the same changes gzip-compressed, one stream per phone")
for p in peers:
    s = sides[p]
    extra = {k: s[k] for k in ("fetch_retries", "resets", "server_errors", "concurrent") if k in s}
    if extra:
        notes.append(f"{p}: " + ", ".join(f"{k} {v}" for k, v in extra.items()))
print()
for line in notes:
    print(f"- {line}")
