#!/usr/bin/env bash
# Starts Trygghetslogg with demo data on the embedded default (SQLite in
# ./data/demo): the server on http://127.0.0.1:8080, seeded with the example
# promise plan and invented hotspots and venues, and prints an enrolment code
# for the demo officer. The README's run command.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
cargo build --release --locked -p trygghetslogg-server
exec ./target/release/trygghetslogg-server --data-dir data/demo serve --demo --listen "${LISTEN:-127.0.0.1:8080}"
