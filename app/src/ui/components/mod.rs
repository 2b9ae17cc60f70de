//! Widgets shared by the screens.

pub mod conflict;
pub mod counter;
pub mod discard;
pub mod erased;
pub mod history;
pub mod lease;
pub mod notes;
pub mod ongoing;
pub mod sync_status;
pub mod timer;

pub use conflict::ConflictNotice;
pub use counter::Counter;
pub use discard::{state_note, Discard};
pub use erased::ErasedNotice;
pub use history::History;
pub use lease::LeaseScreen;
pub use notes::NotesField;
pub use ongoing::OngoingVisit;
pub use sync_status::SyncStatus;
pub use timer::VisitTimer;
