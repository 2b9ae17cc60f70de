//! The pure core of Trygghetslogg: domain types, their Automerge document
//! schemas, validation, the follow-up projection and the sync protocol's
//! wire format and decisions.
//!
//! Nothing here does IO. The server and the app are shells that turn HTTP
//! requests, SQLite rows and clicks into calls of these functions, so every
//! business rule can be read, and tested, in this crate alone.

pub mod access;
pub mod chunks;
pub mod domain;
pub mod enrolment_link;
pub mod erasure;
pub mod follow_up;
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
pub mod ids;
pub mod lifecycle;
pub mod local_time;
pub mod municipality;
pub mod patrol_plan;
pub mod projection;
pub mod record;
pub mod redaction;
pub mod reference_csv;
pub mod retention;
pub mod roles;
pub mod rollup;
pub mod schema;
pub mod sign_in;
pub mod spreadsheet;
pub mod sync;
pub mod two_factor;
pub mod validation;
pub mod vocabulary;
pub mod weighted_list;

pub use ids::{ActorKey, DocId, MunicipalityId, OfficerId, PoliceAreaId};
pub use record::{DocKind, Record, RecordError};
