#!/usr/bin/env bash
# Side by side with the peers, on the same workload over loopback: N phones
# each pushing M small patrol-visit records as Automerge documents through a
# byte-counting proxy, then fresh phones fetching them all; one table with
# ratios and the limit rows (bench/table.py).
#
# The peers:
#   automerge-repo  its Node sync server with the Node file system storage,
#                   installed here by package name into a temporary folder
#                   (bench/peer/*.mjs; nothing of it committed);
#   samod           the Rust port of automerge-repo on the same Automerge
#                   core as ours, its axum WebSocket server with its Tokio
#                   file system storage (bench/samod, a crate outside the
#                   workspace: samod never enters the product's tree).
# Ours is the release server binary (tests/benches/peer.rs).
#
#   scripts/peer-bench.sh                     # N=50 M=200, both peers
#   N=5 M=20 scripts/peer-bench.sh            # a quick run
#   PEERS=samod scripts/peer-bench.sh         # one peer (scripts/samod-bench.sh)
#   SAMOD_CONCURRENT=1 ...                    # samod's phones all at once
#
# Each side's figures are printed as they come ("<side>: {json}" on
# stderr); a failing side is reported and the others still printed.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-50}"
M="${M:-200}"
PEERS="${PEERS:-automerge-repo samod}"

work="$(mktemp -d)"
server=""
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Adds the server process's CPU time and peak memory (from /proc, read
# before it is stopped) to a side's JSON.
with_server_usage() { # json-in json-out pid
  local hwm ticks
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$3/status")
  ticks=$(awk '{print $14+$15}' "/proc/$3/stat")
  python3 - "$1" "$hwm" "$ticks" "$(getconf CLK_TCK)" > "$2" <<'PY'
import json, sys
side = json.load(open(sys.argv[1]))
side["server_peak_kib"] = int(sys.argv[2]); side["server_cpu_s"] = int(sys.argv[3]) / int(sys.argv[4])
print(json.dumps(side))
PY
}

wait_listening() { # log pid
  for _ in $(seq 1 300); do
    grep -q listening "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; return 1; }
    sleep 0.1
  done
  return 1
}

run_automerge_repo() {
  cp bench/peer/server.mjs bench/peer/client.mjs "$work/"
  (cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
    @automerge/automerge-repo @automerge/automerge-repo-network-websocket \
    @automerge/automerge-repo-storage-nodefs ws >/dev/null)
  local port; port=$(free_port)
  node "$work/server.mjs" "$port" "$work/am-store" > "$work/am-server.log" 2>&1 &
  server=$!
  wait_listening "$work/am-server.log" "$server"
  node "$work/client.mjs" "$port" "$work/am-store" "$N" "$M" > "$work/am-client.json"
  with_server_usage "$work/am-client.json" "$work/automerge-repo.json" "$server"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  # The server's own unhandled errors it survived (bench/peer/server.mjs).
  python3 - "$work/automerge-repo.json" "$(grep -c '^server_error' "$work/am-server.log" || true)" <<'PY'
import json, sys
side = json.load(open(sys.argv[1])); side["server_errors"] = int(sys.argv[2] or 0)
json.dump(side, open(sys.argv[1], "w"))
PY
}

run_samod() {
  (cd bench/samod && cargo build --release --locked >/dev/null 2>&1)
  local bin=bench/samod/target/release/samod-bench port
  port=$(free_port)
  "$bin" server "$port" "$work/samod-store" > "$work/samod-server.log" 2>&1 &
  server=$!
  wait_listening "$work/samod-server.log" "$server"
  "$bin" client "$port" "$work/samod-store" "$N" "$M" > "$work/samod-client.json"
  with_server_usage "$work/samod-client.json" "$work/samod.json" "$server"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

run_ours() {
  cargo build --release --locked -p trygghetslogg-server >/dev/null 2>&1
  PEER_N="$N" PEER_M="$M" cargo bench --locked -p trygghetslogg-tests --bench peer 2>/dev/null \
    | grep '^{' > "$work/ours.json"
}

status=0
for side in $PEERS ours; do
  fn="run_${side//-/_}"
  if "$fn"; then
    echo "$side: $(cat "$work/$side.json")" >&2
  else
    echo "$side: FAILED" >&2
    status=1
  fi
done
python3 bench/table.py "$N" "$M" "$work"/{automerge-repo,samod,ours}.json
exit $status
