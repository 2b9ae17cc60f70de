//! The domain's records, as they are stored in Automerge documents.
//!
//! Reference data (hotspots, venues, the promise plan) is kept by
//! coordinators; field records (patrol visits, inspections, other
//! activities) are made by officers on their phones. Every type here derives
//! `Reconcile` and `Hydrate` so that autosurgeon maps it to and from a
//! document: free text is an Automerge `Text` (concurrent edits of the same
//! notes merge character by character), tallies are Automerge counters
//! (two phones tapping "+1" both count), keyed lists merge by id.
//!
//! Times are milliseconds since the Unix epoch, UTC, as the phone's clock
//! saw them; the server separately records when it first received a record,
//! because phone clocks can be wrong. Dates are ISO `YYYY-MM-DD` strings.

pub mod activity;
pub mod checklist;
pub mod directory;
pub mod hotspot;
pub mod inspection;
pub mod patrol_visit;
pub mod plan;
pub mod tally;
pub mod venue;

pub use activity::{Activity, ActivityKind};
pub use checklist::{Answer, ChecklistEntry, ChecklistItem};
pub use directory::{Directory, DirectoryEntry};
pub use hotspot::{Dosage, GeoPoint, Hotspot};
pub use inspection::{FollowUp, Inspection, Organisation, Participant};
pub use patrol_visit::{AreaCheck, PatrolVisit, SafetyProblem};
pub use plan::{Counts, FocusArea, Initiative, OutputTarget, Owner, PromisePlan, TargetPeriod};
pub use tally::Tally;
pub use venue::{
    inspection_key, inspection_order, LicenceConditions, RiskLevel, ServingHours, Venue,
};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;
