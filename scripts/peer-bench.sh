#!/usr/bin/env bash
# Side by side with a peer: automerge-repo's sync server (Node; installed here
# by package name into a temporary folder, nothing of it committed) and ours
# (the release server binary), on the same workload over loopback: N phones
# each pushing M small records as Automerge documents through a byte-counting
# proxy, then fresh phones fetching them all. Prints one table with ratios.
#
#   scripts/peer-bench.sh            # N=50 M=200
#   N=5 M=20 scripts/peer-bench.sh   # a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-50}"
M="${M:-200}"

work="$(mktemp -d)"
trap 'kill ${peer:-} 2>/dev/null || true; rm -rf "$work"' EXIT
cp bench/peer/server.mjs bench/peer/client.mjs "$work/"
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
  @automerge/automerge-repo @automerge/automerge-repo-network-websocket \
  @automerge/automerge-repo-storage-nodefs ws >/dev/null)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
node "$work/server.mjs" "$port" "$work/store" > "$work/server.log" 2>&1 &
peer=$!
sleep 1.5
node "$work/client.mjs" "$port" "$work/store" "$N" "$M" > "$work/peer.json"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$peer/status")
ticks=$(awk '{print $14+$15}' "/proc/$peer/stat")
kill "$peer"; peer=""

cargo build --release --locked -p trygghetslogg-server >/dev/null 2>&1
PEER_N="$N" PEER_M="$M" cargo bench --locked -p trygghetslogg-tests --bench peer 2>/dev/null | grep '^{' > "$work/ours.json"

python3 - "$work/peer.json" "$work/ours.json" "$hwm" "$ticks" "$N" "$M" <<'PY'
import json, sys
peer = json.load(open(sys.argv[1])); ours = json.load(open(sys.argv[2]))
peer["server_peak_kib"] = int(sys.argv[3]); peer["server_cpu_s"] = int(sys.argv[4]) / 100
n, m = sys.argv[5], sys.argv[6]
rows = [("time until every record is stored (ms)", "pushed_ms"),
        ("bytes on the wire, pushing", "push_bytes"),
        ("time for fresh phones to have them all (ms)", "fetch_ms"),
        ("bytes on the wire, fetching", "fetch_bytes"),
        ("server CPU time (s)", "server_cpu_s"),
        ("server peak memory (KiB)", "server_peak_kib")]
print(f"\n{n} phones × {m} records\n")
print("| figure | automerge-repo | Trygghetslogg | ratio |\n|---|---|---|---|")
for name, k in rows:
    p, o = peer[k], ours[k]
    ratio = f"{p / o:.1f}×" if o else "—"
    print(f"| {name} | {p:,.1f} | {o:,.1f} | {ratio} |")
PY
