//! A venue licensed to serve alcohol (serveringstillstånd), subject to
//! supervision under alkohollagen (2010:1622).

use autosurgeon::{Hydrate, Reconcile};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 3] = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High];

    /// The value written as [`RiskLevel::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

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
    /// The municipality it belongs to (`shared::municipality`), set when
    /// it is made and never moved. Absent in documents made before
    /// municipalities existed: the upgrade writes the first one in.
    #[autosurgeon(missing = "Option::default")]
    pub municipality_id: Option<Uuid>,
    pub demo: bool,
}

/// The order venues are offered for inspection: higher risk first (those
/// to supervise first), then by name.
pub fn inspection_order<K>(venues: &mut [(K, Venue)]) {
    venues.sort_by(|a, b| {
        inspection_key(a.1.risk, &a.1.name).cmp(&inspection_key(b.1.risk, &b.1.name))
    });
}

/// The sort key of [`inspection_order`], for lists that hold only a
/// venue's risk and name (the follow-up's rows).
pub fn inspection_key(risk: RiskLevel, name: &str) -> (std::cmp::Reverse<RiskLevel>, &str) {
    (std::cmp::Reverse(risk), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue(name: &str, risk: RiskLevel) -> Venue {
        Venue {
            name: name.into(),
            licensee: "AB".into(),
            serving_hours: ServingHours {
                opens: "11:00".into(),
                closes: "01:00".into(),
            },
            conditions: LicenceConditions::default(),
            risk,
            municipality_id: None,
            demo: true,
        }
    }

    #[test]
    fn higher_risk_first_then_by_name() {
        let mut v = vec![
            (1, venue("Bryggan", RiskLevel::Low)),
            (2, venue("Kajutan", RiskLevel::High)),
            (3, venue("Ankaret", RiskLevel::High)),
            (4, venue("Sjöboden", RiskLevel::Medium)),
        ];
        inspection_order(&mut v);
        let order: Vec<i32> = v.iter().map(|(k, _)| *k).collect();
        assert_eq!(order, vec![3, 2, 4, 1]);
    }
}
