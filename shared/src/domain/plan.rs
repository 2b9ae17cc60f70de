//! The promise plan: the citizen promises (medborgarlöften) for a period,
//! their focus areas and initiatives, each with an owner and an output
//! target. Coordinators edit it; it is data, never code.

use autosurgeon::{Hydrate, Reconcile};
use uuid::Uuid;

/// Who carries an initiative out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum Owner {
    Police,
    Municipality,
    Joint,
}

impl Owner {
    pub const ALL: [Owner; 3] = [Owner::Police, Owner::Municipality, Owner::Joint];

    /// The value written as [`Owner::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Police => "police",
            Owner::Municipality => "municipality",
            Owner::Joint => "joint",
        }
    }
}

/// The period an output target counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum TargetPeriod {
    Year,
    Tertial,
    Quarter,
    /// The whole period of the plan.
    Plan,
}

impl TargetPeriod {
    pub const ALL: [TargetPeriod; 4] = [
        TargetPeriod::Year,
        TargetPeriod::Tertial,
        TargetPeriod::Quarter,
        TargetPeriod::Plan,
    ];

    /// The value written as [`TargetPeriod::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetPeriod::Year => "year",
            TargetPeriod::Tertial => "tertial",
            TargetPeriod::Quarter => "quarter",
            TargetPeriod::Plan => "plan",
        }
    }
}

/// "At least 52 speed checks per year".
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct OutputTarget {
    pub at_least: u64,
    pub unit: String,
    pub per: TargetPeriod,
}

/// Which field records count toward an initiative without anyone tagging
/// them: patrol visits at its hotspots, inspections, or activities logged
/// against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate)]
pub enum Counts {
    PatrolVisits,
    Inspections,
    Activities,
}

impl Counts {
    /// The kind of record whose count is an initiative's delivered output.
    pub fn record_kind(self) -> crate::record::DocKind {
        match self {
            Counts::PatrolVisits => crate::record::DocKind::PatrolVisit,
            Counts::Inspections => crate::record::DocKind::Inspection,
            Counts::Activities => crate::record::DocKind::Activity,
        }
    }

    pub const ALL: [Counts; 3] = [
        Counts::PatrolVisits,
        Counts::Inspections,
        Counts::Activities,
    ];

    /// The value written as [`Counts::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Counts::PatrolVisits => "patrol_visits",
            Counts::Inspections => "inspections",
            Counts::Activities => "activities",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Initiative {
    #[key]
    pub id: Uuid,
    pub title: String,
    pub owner: Owner,
    pub target: Option<OutputTarget>,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct FocusArea {
    #[key]
    pub id: Uuid,
    pub name: String,
    pub initiatives: Vec<Initiative>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct PromisePlan {
    pub municipality: String,
    /// `YYYY-MM-DD`, inclusive.
    pub period_start: String,
    /// `YYYY-MM-DD`, inclusive.
    pub period_end: String,
    pub focus_areas: Vec<FocusArea>,
    /// The municipality it belongs to (`shared::municipality`), set when
    /// it is made and never moved. Absent in documents made before
    /// municipalities existed: the upgrade writes the first one in.
    #[autosurgeon(missing = "Option::default")]
    pub municipality_id: Option<Uuid>,
    pub demo: bool,
}

impl PromisePlan {
    pub fn initiatives(&self) -> impl Iterator<Item = (&FocusArea, &Initiative)> {
        self.focus_areas
            .iter()
            .flat_map(|f| f.initiatives.iter().map(move |i| (f, i)))
    }

    pub fn initiative(&self, id: Uuid) -> Option<&Initiative> {
        self.initiatives().map(|(_, i)| i).find(|i| i.id == id)
    }
}
