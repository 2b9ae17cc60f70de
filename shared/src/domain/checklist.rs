//! The on-site checklist of a licensing inspection, from the municipal
//! supervision practice summarised in `docs/domain.md`.
//!
//! In the document the checklist is a map from the item's stable key to its
//! entry, so two inspectors editing different items at the same time both
//! keep their answer.

use autosurgeon::{Hydrate, Reconcile, Text};

/// One thing an inspection checks. The keys are stable: they are stored in
/// documents and in the follow-up tables, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChecklistItem {
    ResponsibleManagerPresent,
    NoServingToMinors,
    NoServingToIntoxicated,
    OrderAndSobriety,
    FoodAvailable,
    ServingHoursKept,
    OutdoorAreaDelimited,
    MarketingAndPricing,
    StaffRegister,
    SecurityStaff,
}

impl ChecklistItem {
    pub const ALL: [ChecklistItem; 10] = [
        ChecklistItem::ResponsibleManagerPresent,
        ChecklistItem::NoServingToMinors,
        ChecklistItem::NoServingToIntoxicated,
        ChecklistItem::OrderAndSobriety,
        ChecklistItem::FoodAvailable,
        ChecklistItem::ServingHoursKept,
        ChecklistItem::OutdoorAreaDelimited,
        ChecklistItem::MarketingAndPricing,
        ChecklistItem::StaffRegister,
        ChecklistItem::SecurityStaff,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            ChecklistItem::ResponsibleManagerPresent => "responsible_manager_present",
            ChecklistItem::NoServingToMinors => "no_serving_to_minors",
            ChecklistItem::NoServingToIntoxicated => "no_serving_to_intoxicated",
            ChecklistItem::OrderAndSobriety => "order_and_sobriety",
            ChecklistItem::FoodAvailable => "food_available",
            ChecklistItem::ServingHoursKept => "serving_hours_kept",
            ChecklistItem::OutdoorAreaDelimited => "outdoor_area_delimited",
            ChecklistItem::MarketingAndPricing => "marketing_and_pricing",
            ChecklistItem::StaffRegister => "staff_register",
            ChecklistItem::SecurityStaff => "security_staff",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.key() == key)
    }
}

/// The answer for one item. A remark is not a sanction: only the
/// municipality decides sanctions, after the licensee has been heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Reconcile, Hydrate)]
pub enum Answer {
    Fine,
    Remark,
    #[default]
    NotChecked,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Fine, Answer::Remark, Answer::NotChecked];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Fine => "fine",
            Answer::Remark => "remark",
            Answer::NotChecked => "not_checked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct ChecklistEntry {
    pub answer: Answer,
    pub comment: Text,
}
