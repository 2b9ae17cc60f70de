#!/usr/bin/env bash
# Side by side with a peer: automerge-repo's sync server (Node; installed here
# by package name into a temporary folder, nothing of it committed) and ours
# (the release server binary), on the same workload over loopback: N phones
# each pushing M small records as Automerge documents through a byte-counting
# proxy, then fresh phones fetching them all. Prints one table with ratios.
#
#   scripts/peer-bench.sh            # N=50 M=200
#   N=5 M=20 scripts/peer-bench.sh   # a quick run
#   PEER_JSON=f scripts/peer-bench.sh  # reuse the peer's figures (the
#                                      # "peer:" line of an earlier run)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-50}"
M="${M:-200}"

work="$(mktemp -d)"
trap 'kill ${peer:-} 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -n "${PEER_JSON:-}" ]; then
  # The peer's figures from an earlier run (the line this script printed).
  cp "$PEER_JSON" "$work/peer.json"
else
  cp bench/peer/server.mjs bench/peer/client.mjs "$work/"
  (cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
    @automerge/automerge-repo @automerge/automerge-repo-network-websocket \
    @automerge/automerge-repo-storage-nodefs ws >/dev/null)

  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  node "$work/server.mjs" "$port" "$work/store" > "$work/server.log" 2>&1 &
  peer=$!
  sleep 1.5
  node "$work/client.mjs" "$port" "$work/store" "$N" "$M" > "$work/peer-client.json"
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$peer/status")
  ticks=$(awk '{print $14+$15}' "/proc/$peer/stat")
  kill "$peer"; peer=""
  python3 - "$work/peer-client.json" "$hwm" "$ticks" > "$work/peer.json" <<'PY'
import json, sys
peer = json.load(open(sys.argv[1]))
peer["server_peak_kib"] = int(sys.argv[2]); peer["server_cpu_s"] = int(sys.argv[3]) / 100
print(json.dumps(peer))
PY
  # Kept in the output, so that PEER_JSON can reuse a long run.
  echo "peer: $(cat "$work/peer.json")" >&2
fi

cargo build --release --locked -p trygghetslogg-server >/dev/null 2>&1
PEER_N="$N" PEER_M="$M" cargo bench --locked -p trygghetslogg-tests --bench peer 2>/dev/null | grep '^{' > "$work/ours.json"

python3 - "$work/peer.json" "$work/ours.json" "$N" "$M" <<'PY'
import json, sys
peer = json.load(open(sys.argv[1])); ours = json.load(open(sys.argv[2]))
peer["fetch_record_bytes"] = peer["fetch_bytes"]
n, m = sys.argv[3], sys.argv[4]
rows = [("time until every record is stored (ms)", "pushed_ms"),
        ("bytes on the wire, pushing", "push_bytes"),
        ("time for fresh phones to have them all (ms)", "fetch_ms"),
        ("bytes on the wire, fetching", "fetch_bytes"),
        ("the same, records only (ours without reference data)", "fetch_record_bytes"),
        ("server CPU time (s)", "server_cpu_s"),
        ("server peak memory (KiB)", "server_peak_kib")]
print(f"\n{n} phones × {m} records\n")
print("| figure | automerge-repo | Trygghetslogg | ratio |\n|---|---|---|---|")
for name, k in rows:
    p, o = peer[k], ours[k]
    ratio = f"{p / o:.1f}×" if o else "—"
    print(f"| {name} | {p:,.1f} | {o:,.1f} | {ratio} |")
PY
