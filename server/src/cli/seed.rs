//! `seed`: a large invented data set for the benchmarks, through the real
//! ingest path.

use server::db::Db;
use shared::domain::Millis;

/// The size of the data set.
#[derive(clap::Args)]
pub struct SeedArgs {
    /// The municipality seeded, made (in the demo police area, with the
    /// example plan) if there is none of that name; by default the demo's
    /// first, Demokommun.
    #[arg(long)]
    municipality: Option<String>,
    #[arg(long, default_value_t = 1_000_000)]
    visits: u64,
    #[arg(long, default_value_t = 20_000)]
    inspections: u64,
    #[arg(long, default_value_t = 200)]
    hotspots: u64,
    #[arg(long, default_value_t = 300)]
    venues: u64,
    #[arg(long, default_value_t = 5)]
    years: i32,
}

pub fn run(db: &Db, now: Millis, args: SeedArgs) -> anyhow::Result<()> {
    let defaults = server::seed::Size::default();
    let (visits, inspections) = (args.visits, args.inspections);
    let size = server::seed::Size {
        municipality: args.municipality.unwrap_or(defaults.municipality.clone()),
        visits,
        inspections,
        hotspots: args.hotspots,
        venues: args.venues,
        years: args.years.max(1),
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
