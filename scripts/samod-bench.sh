#!/usr/bin/env bash
# Side by side with samod, the Rust port of automerge-repo, and the limit
# rows: scripts/peer-bench.sh with samod as the only peer. N and M as there
# (default 50 × 200).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=samod exec bash scripts/peer-bench.sh "$@"
