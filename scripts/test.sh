#!/usr/bin/env bash
# Runs every test of Trygghetslogg. The README's test command; CI runs it too.
# Installs the system packages it needs first (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

# A clean clone gains nothing from incremental caches, and they take
# gigabytes of the CI machine's disk.
if [[ "${CI:-}" == "true" ]]; then
    export CARGO_INCREMENTAL=0
fi

# Build every binary first: the process-level tests start the real server
# binary from the target directory.
cargo build --workspace --all-targets --locked
# --no-fail-fast: one failing test binary must not hide the others' results.
cargo test --workspace --locked --no-fail-fast
