//! `seed`: a large invented data set for the benchmarks, through the real
//! ingest path.

use server::db::Db;
use shared::domain::Millis;

#[allow(clippy::too_many_arguments)]
pub fn run(
    db: &Db,
    now: Millis,
    municipality: Option<String>,
    visits: u64,
    inspections: u64,
    hotspots: u64,
    venues: u64,
    years: i32,
) -> anyhow::Result<()> {
    let defaults = server::seed::Size::default();
    let size = server::seed::Size {
        municipality: municipality.unwrap_or(defaults.municipality.clone()),
        visits,
        inspections,
        hotspots,
        venues,
        years: years.max(1),
        ..defaults
    };
    let started = std::time::Instant::now();
    let mut last = 0;
    server::seed::seed(db, size, now, |done, total| {
        if done * 20 / total != last || done == total {
            last = done * 20 / total;
            eprintln!(
                "seeded {done} of {total} records ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    })?;
    println!(
        "seeded {visits} visits and {inspections} inspections in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
