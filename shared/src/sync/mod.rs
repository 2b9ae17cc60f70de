//! The sync protocol: one HTTP request per sync carries everything the
//! device has that the server has not acknowledged, and its response
//! carries everything the device lacks and may see. See `docs/protocol.md`
//! for the full description a client author needs.
//!
//! - [`wire`]: the messages, encoded as CBOR, and their parsing at the
//!   boundary into checked values.
//! - [`cursor`]: the device's position in the server's change log, with a
//!   check that tells when the server's log is not the one the device saw
//!   (a server restored from an older backup).
//! - [`coding`]: gzip of sync bodies, bounded when inflating.
//! - [`changes`]: splitting and checking the Automerge changes of a document.
//! - [`push`]: the server's decision for one pushed document (sans-IO).

pub mod changes;
pub mod coding;
pub mod cursor;
pub mod error_code;
pub mod push;
pub mod wire;

pub use cursor::Cursor;
pub use error_code::ErrorCode;
pub use wire::{
    DocResult, DocUpdate, IncomingDoc, IncomingSync, RejectCode, SyncRequest, SyncResponse,
    WireError,
};
