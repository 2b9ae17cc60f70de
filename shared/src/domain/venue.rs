//! A venue licensed to serve alcohol (serveringstillstånd), subject to
//! supervision under alkohollagen (2010:1622).

use autosurgeon::{Hydrate, Reconcile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

/// Serving hours as local wall-clock times `HH:MM`; `closes` may be after
/// midnight (e.g. opens 11:00, closes 02:00).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct ServingHours {
    pub opens: String,
    pub closes: String,
}

/// The licence's conditions that a visit checks and that raise the risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct LicenceConditions {
    pub security_staff_required: bool,
    pub late_hours: bool,
    pub dancing: bool,
    pub outdoor_area: bool,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Venue {
    pub name: String,
    /// The licence holder, as a company name from the public register.
    pub licensee: String,
    pub serving_hours: ServingHours,
    pub conditions: LicenceConditions,
    pub risk: RiskLevel,
    pub demo: bool,
}
