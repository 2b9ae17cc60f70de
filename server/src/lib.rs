//! Trygghetslogg's server: takes in the devices' changes, merges and stores
//! them durably in SQLite, keeps the follow-up tables, and serves the sync
//! protocol (see `docs/protocol.md`).
//!
//! - [`db`]: the store (writer thread, schema, documents, identity, the
//!   per-document ingest decision, the outgoing updates, the projection).
//! - [`sync`]: one sync request, start to end.
//! - [`http`]: the axum shell: `router` for tests, `run` for a listener.
//! - [`web`]: the coordinators' pages and the public summary.
//! - [`demo`]: the demo data set.

pub mod body_limit;
pub mod clock;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod metrics;
pub mod peer_rate;
pub mod seed;
pub mod sync;
pub mod transport;
pub mod web;

pub use error::Error;
pub use http::{router, run, AppState, Limits};
