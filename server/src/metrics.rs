//! What an operator's Prometheus reads at `/metrics`, in the Prometheus
//! text format (0.0.4) by the `prometheus-client` crate: syncs and their
//! latency, refusals by code, the writer's queue, the database's size and
//! the erasures carried out. Counted where they happen (`http::sync`);
//! read from the store when scraped (size, erasures, queue). Never a
//! record's content, an officer or a device: labels are outcomes and codes.
//!
//! `/metrics` answers only with `serve --metrics-token-file`, to a request
//! carrying that token as a bearer token; without it the route is 404.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::Db;
use crate::error::Error;

/// How a sync ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// `ok`, `rejected` (some document refused, 422) or `error` (4xx/5xx).
    pub outcome: &'static str,
}

/// A refusal's code (`shared::sync::RejectCode` of a document, or the
/// request's `ErrorCode`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Code {
    pub code: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub syncs: Family<Outcome, Counter>,
    pub sync_seconds: Histogram,
    pub refusals: Family<Code, Counter>,
    writer_queue: Gauge,
    database_bytes: Gauge,
    erasures: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("trygghetslogg");
        let syncs = Family::<Outcome, Counter>::default();
        registry.register("syncs", "Syncs answered, by outcome", syncs.clone());
        // 1 ms to about 16 s.
        let sync_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "sync_duration_seconds",
            "Time to answer a sync, from its request to its response",
            sync_seconds.clone(),
        );
        let refusals = Family::<Code, Counter>::default();
        registry.register(
            "refusals",
            "Documents refused and requests refused, by code",
            refusals.clone(),
        );
        let writer_queue = Gauge::default();
        registry.register(
            "writer_queue_depth",
            "Writes waiting for the database's writer",
            writer_queue.clone(),
        );
        let database_bytes = Gauge::default();
        registry.register(
            "database_bytes",
            "Size of the store, its write-ahead log and the erasure ledger",
            database_bytes.clone(),
        );
        let erasures = Gauge::default();
        registry.register(
            "erasures",
            "Records erased, as the erasure ledger holds them",
            erasures.clone(),
        );
        Metrics {
            registry,
            syncs,
            sync_seconds,
            refusals,
            writer_queue,
            database_bytes,
            erasures,
        }
    }
}

impl Metrics {
    /// Counts a refusal by its code.
    pub fn refused(&self, code: &'static str) {
        self.refusals.get_or_create(&Code { code }).inc();
    }

    /// The text Prometheus scrapes, with the values read from the store now.
    pub async fn render(&self, db: &Db) -> Result<String, Error> {
        let bytes = match db.path() {
            Some(path) => {
                let size =
                    |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                let wal = path.with_extension("sqlite3-wal");
                let bytes =
                    size(path.to_path_buf()) + size(wal) + size(crate::db::ledger_path(path));
                i64::try_from(bytes).unwrap_or(i64::MAX)
            }
            None => {
                db.read(|c| {
                    c.query_row("SELECT pg_database_size(current_database())", [], |r| {
                        r.get(0)
                    })
                })
                .await?
            }
        };
        self.database_bytes.set(bytes);
        self.writer_queue
            .set(i64::try_from(db.queue_depth()).unwrap_or(i64::MAX));
        let erased: i64 = db
            .read(|c| c.query_row("SELECT count(*) FROM ledger.erasures", [], |r| r.get(0)))
            .await?;
        self.erasures.set(erased);
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .map_err(Error::internal)?;
        Ok(out)
    }
}
