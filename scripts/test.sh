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

# The tests' PostgreSQL, on loopback (scripts/postgres.sh: idempotent).
TRYGGHETSLOGG_TEST_POSTGRES="$(bash scripts/postgres.sh)"
export TRYGGHETSLOGG_TEST_POSTGRES

# Build every binary first: the process-level tests start the real server
# binary from the target directory.
cargo build --workspace --all-targets --locked
# --no-fail-fast: one failing test binary must not hide the others' results.
status=0
cargo test --workspace --locked --no-fail-fast || status=$?

# The suites that start a server, again with the store in PostgreSQL (a
# database per test). Left out: what reads or copies SQLite's own files
# (the byte scans of the data folder, SQLite's backup and its restores),
# which docs/operations.md covers for PostgreSQL with pg_dump, tested in
# tests/postgres.rs.
TRYGGHETSLOGG_TEST_DATABASE=postgres cargo test -p trygghetslogg-tests --locked --no-fail-fast \
    --test sync_e2e --test write_path --test bad_input --test crash_recovery \
    --test web_pages --test swedish_pages --test municipalities --test accounts \
    --test two_factor --test attacks --test erasure --test redaction \
    --test operations --test simulation -- \
    --skip byte_by_byte --skip restored_from_before --skip gone_everywhere \
    --skip a_backup_of_a_running_server || status=$?
# The tests' databases go (some 8 MB each); the server stays for the next run.
bash scripts/postgres.sh clean || true
exit "$status"
