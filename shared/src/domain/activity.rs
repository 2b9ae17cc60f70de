//! Any other promised activity: a school visit, a themed evening for
//! guardians, information to pupils, an enforcement action.

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum ActivityKind {
    SchoolVisit,
    InformationMeeting,
    ThemedEvening,
    Enforcement,
    Outreach,
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::SchoolVisit,
        ActivityKind::InformationMeeting,
        ActivityKind::ThemedEvening,
        ActivityKind::Enforcement,
        ActivityKind::Outreach,
        ActivityKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::SchoolVisit => "school_visit",
            ActivityKind::InformationMeeting => "information_meeting",
            ActivityKind::ThemedEvening => "themed_evening",
            ActivityKind::Enforcement => "enforcement",
            ActivityKind::Outreach => "outreach",
            ActivityKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Activity {
    pub initiative_id: Uuid,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: ActivityKind,
    /// How many people were reached: a count, never who.
    pub people_reached: u64,
    pub participants: Vec<Uuid>,
    pub notes: Text,
    /// True until the officer saves it; a draft counts nowhere
    /// (`lifecycle`). Absent (false) in documents written before drafts.
    #[autosurgeon(missing = "Default::default")]
    pub draft: bool,
    /// Set when the activity was discarded; it then counts nowhere.
    #[autosurgeon(missing = "Default::default")]
    pub discarded_at: Option<super::Millis>,
}

impl Activity {
    /// A new activity, a draft until saved.
    pub fn new(initiative_id: Uuid, date: String, kind: ActivityKind) -> Self {
        Activity {
            initiative_id,
            date,
            kind,
            people_reached: 0,
            participants: Vec::new(),
            notes: Text::default(),
            draft: true,
            discarded_at: None,
        }
    }
}
