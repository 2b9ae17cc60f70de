//! Widgets shared by the screens.

pub mod counter;
pub mod history;
pub mod notes;
pub mod sync_status;
pub mod timer;

pub use counter::Counter;
pub use history::History;
pub use notes::NotesField;
pub use sync_status::SyncStatus;
pub use timer::VisitTimer;
