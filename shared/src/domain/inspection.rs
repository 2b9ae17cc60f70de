//! A licensing inspection (tillsynsbesök) of a venue, alone or jointly by
//! police and municipality (samordnad tillsyn), documented as a protocol.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use super::checklist::{ChecklistEntry, ChecklistItem};
use super::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum Organisation {
    Police,
    Municipality,
}

impl Organisation {
    pub fn as_str(self) -> &'static str {
        match self {
            Organisation::Police => "police",
            Organisation::Municipality => "municipality",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "police" => Some(Organisation::Police),
            "municipality" => Some(Organisation::Municipality),
            _ => None,
        }
    }
}

/// A user of the product taking part in an inspection.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Participant {
    #[key]
    pub officer_id: Uuid,
    pub organisation: Organisation,
}

/// What the inspectors propose; only the municipality decides sanctions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Reconcile, Hydrate)]
pub enum FollowUp {
    #[default]
    None,
    Revisit,
    SupervisionCase,
}

impl FollowUp {
    pub const ALL: [FollowUp; 3] = [FollowUp::None, FollowUp::Revisit, FollowUp::SupervisionCase];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FollowUp::None => "none",
            FollowUp::Revisit => "revisit",
            FollowUp::SupervisionCase => "supervision_case",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Inspection {
    pub venue_id: Uuid,
    pub initiative_id: Uuid,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub participants: Vec<Participant>,
    /// Keyed by `ChecklistItem::key`.
    pub checklist: BTreeMap<String, ChecklistEntry>,
    pub findings: Text,
    pub follow_up: FollowUp,
    /// When the findings were read back to the responsible manager (the
    /// acknowledgement step); absent in older documents.
    #[autosurgeon(missing = "Default::default")]
    pub read_back_at: Option<Millis>,
    /// Set when the inspection was discarded (opened by mistake): it then
    /// counts nowhere (`lifecycle`). Absent in older documents.
    #[autosurgeon(missing = "Default::default")]
    pub discarded_at: Option<Millis>,
}

impl Inspection {
    /// A new inspection with every checklist item present and not checked,
    /// so that later edits of different items touch different map keys.
    pub fn new(venue_id: Uuid, initiative_id: Uuid, started_at: Millis) -> Self {
        Inspection {
            venue_id,
            initiative_id,
            started_at,
            ended_at: None,
            participants: Vec::new(),
            checklist: ChecklistItem::ALL
                .iter()
                .map(|i| (i.key().to_string(), ChecklistEntry::default()))
                .collect(),
            findings: Text::default(),
            follow_up: FollowUp::None,
            read_back_at: None,
            discarded_at: None,
        }
    }

    pub fn entry(&self, item: ChecklistItem) -> Option<&ChecklistEntry> {
        self.checklist.get(item.key())
    }

    pub fn entry_mut(&mut self, item: ChecklistItem) -> &mut ChecklistEntry {
        self.checklist.entry(item.key().to_string()).or_default()
    }
}
