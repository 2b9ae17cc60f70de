//! A foot-patrol visit to a hotspot: who, when, how long, what was seen and
//! done. Never a position track: at most a yes/no that the visit started and
//! ended inside the hotspot's area.

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use super::{Millis, Tally};

/// Safety problems an officer can tag with one tap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SafetyProblem {
    PoorLighting,
    Disorder,
    Littering,
    Vandalism,
    DrugActivity,
    Intoxication,
    GatheringOfYouth,
    TrafficHazard,
}

impl SafetyProblem {
    pub const ALL: [SafetyProblem; 8] = [
        SafetyProblem::PoorLighting,
        SafetyProblem::Disorder,
        SafetyProblem::Littering,
        SafetyProblem::Vandalism,
        SafetyProblem::DrugActivity,
        SafetyProblem::Intoxication,
        SafetyProblem::GatheringOfYouth,
        SafetyProblem::TrafficHazard,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            SafetyProblem::PoorLighting => "poor_lighting",
            SafetyProblem::Disorder => "disorder",
            SafetyProblem::Littering => "littering",
            SafetyProblem::Vandalism => "vandalism",
            SafetyProblem::DrugActivity => "drug_activity",
            SafetyProblem::Intoxication => "intoxication",
            SafetyProblem::GatheringOfYouth => "gathering_of_youth",
            SafetyProblem::TrafficHazard => "traffic_hazard",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// Whether the phone's position, read once, was inside the hotspot's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct AreaCheck {
    pub at_start: Option<bool>,
    pub at_end: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct PatrolVisit {
    pub hotspot_id: Uuid,
    /// Set from the hotspot when the visit is created (see `rollup`).
    pub initiative_id: Uuid,
    pub started_at: Millis,
    /// None while the visit is under way.
    pub ended_at: Option<Millis>,
    pub officers_count: u64,
    /// Officers taking part besides the one who logged it; they see and may
    /// amend the record.
    pub participants: Vec<Uuid>,
    pub contacts: Tally,
    pub interventions: Tally,
    /// Keys of `SafetyProblem`; a map so that two phones tagging at the
    /// same time merge without duplicates.
    pub problems: std::collections::BTreeMap<String, bool>,
    pub notes: Text,
    pub area_check: AreaCheck,
    /// Set when the officer discarded the visit (started by mistake): it
    /// then counts nowhere (`lifecycle`). Absent in documents written
    /// before the field existed.
    #[autosurgeon(missing = "Default::default")]
    pub discarded_at: Option<Millis>,
}

impl PatrolVisit {
    pub fn new(hotspot_id: Uuid, initiative_id: Uuid, started_at: Millis) -> Self {
        PatrolVisit {
            hotspot_id,
            initiative_id,
            started_at,
            ended_at: None,
            officers_count: 2,
            participants: Vec::new(),
            contacts: Tally::new(0),
            interventions: Tally::new(0),
            problems: Default::default(),
            notes: Text::default(),
            area_check: AreaCheck::default(),
            discarded_at: None,
        }
    }

    /// Duration in whole seconds, once the visit has ended.
    pub fn duration_s(&self) -> Option<i64> {
        self.ended_at.map(|e| (e - self.started_at) / 1000)
    }

    /// The problem tags that are set, in a stable order.
    pub fn problem_tags(&self) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|(_, on)| **on)
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// The safety problems tagged, as values (unknown keys, which
    /// validation refuses, are left out), in the catalogue's order.
    pub fn problems_seen(&self) -> Vec<SafetyProblem> {
        SafetyProblem::ALL
            .into_iter()
            .filter(|p| self.problems.get(p.key()).copied().unwrap_or(false))
            .collect()
    }
}
