//! How long field records are kept (gallring): one rule per record kind,
//! set by the coordinators with the legal basis written beside it, and the
//! yearly review of the rules that Brottsdatalagen 2 kap. 18 § asks for
//! where no deadline is set.
//!
//! A record is kept `months` after the later of the day it happened and
//! the end of the promise period it counts toward (the council follows a
//! plan up until its end), then erased by the nightly job
//! (`shared::erasure`, reason `RetentionEnded`). A kind without a rule is
//! kept; the pages say so.

use crate::domain::Millis;
use crate::local_time::{day_bounds, LocalDate};
use crate::DocKind;

/// The longest retention a rule may set: 50 years.
pub const MAX_MONTHS: u32 = 600;
/// The longest legal basis text.
pub const MAX_BASIS_CHARS: usize = 500;

/// One kind's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRule {
    pub kind: DocKind,
    pub months: u32,
    /// The legal basis, e.g. "Kommunens gallringsbeslut 2025-14, 3 år".
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("only patrol visits, inspections and activities have retention rules")]
    NotAFieldRecord,
    #[error("keep records between 1 and {MAX_MONTHS} months")]
    Months,
    #[error("write the legal basis of the rule (at most {MAX_BASIS_CHARS} characters)")]
    Basis,
}

impl RetentionRule {
    /// A rule as a coordinator sets it, checked.
    pub fn new(kind: DocKind, months: u32, basis: &str) -> Result<Self, RuleError> {
        if !crate::erasure::may_erase(kind) {
            return Err(RuleError::NotAFieldRecord);
        }
        if months == 0 || months > MAX_MONTHS {
            return Err(RuleError::Months);
        }
        let basis = basis.trim();
        if basis.is_empty() || basis.chars().count() > MAX_BASIS_CHARS {
            return Err(RuleError::Basis);
        }
        Ok(RetentionRule {
            kind,
            months,
            basis: basis.to_string(),
        })
    }

    /// When a record that happened on `day`, counting toward a plan that
    /// ends on `plan_end` (none: no plan covers it), is erased: the start
    /// of the day `months` after the later of the two.
    pub fn erase_at(&self, day: LocalDate, plan_end: Option<LocalDate>) -> Millis {
        let from = plan_end.map_or(day, |end| end.max(day));
        let after = from.plus_months(self.months);
        day_bounds(after.day() + 1).0
    }
}

/// Whether the yearly review of the rules is due: never reviewed, or
/// last reviewed more than a year ago.
pub fn review_due(last_review: Option<Millis>, now: Millis) -> bool {
    last_review.is_none_or(|at| now - at > 365 * 86_400_000)
}

/// The phone lease coordinators set: a phone that has not reached the
/// server for longer stops showing records, and the server revokes it.
pub const DEFAULT_LEASE_DAYS: u32 = 30;
/// The longest lease: a year.
pub const MAX_LEASE_DAYS: u32 = 365;

/// Whether a phone last in contact at `last_contact` is past a lease of
/// `days` at `now`.
pub fn lease_expired(last_contact: Millis, days: u32, now: Millis) -> bool {
    now - last_contact > days as i64 * 86_400_000
}

/// The plan a record counts toward, by its day: the latest-starting plan
/// whose span holds the day (plans are the follow-up's `DateSpan`s).
pub fn plan_end_for(day: LocalDate, plans: &[crate::follow_up::DateSpan]) -> Option<LocalDate> {
    plans
        .iter()
        .filter(|p| p.first <= day && p.last.is_none_or(|l| day <= l))
        .max_by_key(|p| p.first)
        .and_then(|p| p.last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::follow_up::DateSpan;

    fn date(s: &str) -> LocalDate {
        LocalDate::parse(s).expect("a date")
    }

    #[test]
    fn a_record_is_kept_months_after_the_later_of_its_day_and_its_plans_end() {
        let rule = RetentionRule::new(DocKind::PatrolVisit, 36, "Gallringsbeslut 2025:14")
            .expect("a rule");
        let plans = [DateSpan::parse("2026-01-01", Some("2027-12-31")).expect("a span")];
        let day = date("2026-03-10");
        let end = plan_end_for(day, &plans);
        assert_eq!(end, Some(date("2027-12-31")));
        // Three years after the plan's end: erased from 2031-01-01.
        assert_eq!(
            crate::local_time::format_date(rule.erase_at(day, end)),
            "2031-01-01"
        );
        // Without a plan: three years after its own day.
        assert_eq!(
            crate::local_time::format_date(rule.erase_at(day, None)),
            "2029-03-11"
        );
    }

    #[test]
    fn months_are_calendar_months_clamped_to_the_months_length() {
        assert_eq!(date("2026-01-31").plus_months(1), date("2026-02-28"));
        assert_eq!(date("2024-01-31").plus_months(1), date("2024-02-29"));
        assert_eq!(date("2026-11-15").plus_months(3), date("2027-02-15"));
        assert_eq!(date("2026-12-31").plus_months(12), date("2027-12-31"));
    }

    #[test]
    fn only_field_records_with_a_basis_and_sane_months_get_a_rule() {
        assert_eq!(
            RetentionRule::new(DocKind::Venue, 12, "x"),
            Err(RuleError::NotAFieldRecord)
        );
        assert_eq!(
            RetentionRule::new(DocKind::Activity, 0, "x"),
            Err(RuleError::Months)
        );
        assert_eq!(
            RetentionRule::new(DocKind::Activity, 12, "  "),
            Err(RuleError::Basis)
        );
        assert!(RetentionRule::new(DocKind::Inspection, 60, "Alkohollagen 9 kap.").is_ok());
    }

    #[test]
    fn the_review_is_due_yearly() {
        let day = 86_400_000;
        assert!(review_due(None, 0));
        assert!(!review_due(Some(0), 300 * day));
        assert!(review_due(Some(0), 366 * day));
    }
}
