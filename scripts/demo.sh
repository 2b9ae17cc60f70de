#!/usr/bin/env bash
# Starts Trygghetslogg with demo data on the embedded default (SQLite in
# ./data/demo): the server on http://127.0.0.1:8080, seeded with the example
# promise plan, invented hotspots and venues and a year of invented patrols
# and inspections, a demo coordinator for the pages, and, when there is a display,
# the officer app enrolled against it as the demo officer. The README's run
# command. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

LISTEN="${LISTEN:-127.0.0.1:8080}"
DATA=data/demo

bash scripts/install-system-deps.sh
cargo build --release --locked -p trygghetslogg-server -p trygghetslogg-app
S=./target/release/trygghetslogg-server

"$S" --data-dir "$DATA" serve --demo --demo-records --listen "$LISTEN" &
server=$!
trap 'kill $server 2>/dev/null || true; kill ${app:-} 2>/dev/null || true' EXIT INT TERM

# Wait for the server to answer.
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/${LISTEN%:*}/${LISTEN#*:}") 2>/dev/null; then break; fi
  sleep 0.1
done

echo "Coordinators' pages: http://$LISTEN/ (user name demo, password demo-samordnare);"
echo "public summary: http://$LISTEN/public"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # A phone enrolled once: the code is spent on first start, the enrolment kept.
  export TRYGGHETSLOGG_APP_DIR="$DATA/phone"
  export TRYGGHETSLOGG_SERVER="http://$LISTEN"
  if [ ! -e "$TRYGGHETSLOGG_APP_DIR/device.sqlite3" ]; then
    TRYGGHETSLOGG_ENROLMENT_CODE="$("$S" --data-dir "$DATA" enrol-code --officer "Demo Polis")"
    export TRYGGHETSLOGG_ENROLMENT_CODE
  fi
  ./target/release/trygghetslogg-app &
  app=$!
  echo "The officer app is open, enrolled as Demo Polis."
else
  echo "No display: the app is not started. Run it elsewhere with"
  echo "  TRYGGHETSLOGG_SERVER=http://$LISTEN cargo run --release -p trygghetslogg-app"
  echo "and an enrolment code from: $S --data-dir $DATA enrol-code --officer \"Demo Polis\""
fi
wait "$server"
