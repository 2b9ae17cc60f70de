//! Trygghetslogg's officer app, and under it the device side of the sync
//! engine, which also runs headless so that tests can simulate many devices
//! in one process with the very same code.
//!
//! - [`store`]: the device's SQLite store of Automerge documents, with the
//!   outbox of changes the server has not acknowledged.
//! - [`sync_client`]: one sync round trip and the loop around it, over a
//!   [`sync_client::Transport`] (HTTP in the app, in-process in tests).
//! - [`enrolment`]: the one-time, online enrolment of the device.

pub mod enrolment;
pub mod keys;
pub mod platform;
pub mod store;
pub mod sync_client;
#[cfg(feature = "ui")]
pub mod ui;

pub use store::{DeviceStore, StoreError};
