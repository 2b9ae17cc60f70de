//! The deterministic simulation (see `tests/src/sim.rs`): devices and the
//! server under a seeded schedule of edits, faults and crashes; after the
//! faults heal, nothing saved anywhere is lost and everyone agrees.
//!
//! `SIM_SEEDS=n` runs seeds 0..n (default 300, what CI runs);
//! `SIM_SEED=s` runs one seed, to reproduce a failure;
//! `SIM_SEEDS=10000` is the long mode quoted in docs/reliability.md.

use std::time::Instant;

use e2e::sim::{run_seed, SimConfig, SimReport};

fn seeds() -> Vec<u64> {
    if let Some(s) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![s];
    }
    let n = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300u64);
    (0..n).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_under_faults_crashes_and_wrong_clocks() -> anyhow::Result<()> {
    let config = SimConfig::default();
    let started = Instant::now();
    let mut total = SimReport::default();
    let seeds = seeds();
    for &seed in &seeds {
        let r = match run_seed(seed, config).await {
            Ok(r) => r,
            Err(e) => panic!("simulation seed {seed} failed (rerun with SIM_SEED={seed}): {e:#}"),
        };
        total.edits += r.edits;
        total.syncs += r.syncs;
        total.device_crashes += r.device_crashes;
        total.server_restarts += r.server_restarts;
        total.quarantined += r.quarantined;
        total.documents += r.documents;
        total.erased += r.erased;
        total.redacted += r.redacted;
        total.conflicts += r.conflicts;
        total.restores += r.restores;
        total.municipality_changes += r.municipality_changes;
        for (k, v) in r.faults {
            *total.faults.entry(k).or_default() += v;
        }
    }
    println!(
        "{} seeds in {:.1} s: {} edits, {} syncs, {} device crashes, {} server restarts, {} refusals corrected, {} documents, {} erased, {} redacted ({} conflicts decided), {} restores of an older backup, {} officers moved between municipalities; faults {:?}",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        total.edits,
        total.syncs,
        total.device_crashes,
        total.server_restarts,
        total.quarantined,
        total.documents,
        total.erased,
        total.redacted,
        total.conflicts,
        total.restores,
        total.municipality_changes,
        total.faults
    );
    Ok(())
}
