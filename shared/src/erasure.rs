//! Erasure of a whole field record: which records may be erased, for which
//! reasons, and whether the record's figures outlive it.
//!
//! Brottsdatalagen (2018:1177) 2 kap. 17–18 §§: personal data may not be
//! kept longer than the purpose needs. An erased record leaves the server
//! and, at their next sync, every phone; what may outlive it is its share
//! of the follow-up figures of a closed quarter, so that a report the
//! council has already seen does not change. Those kept rows carry no
//! officer, no free text and no time of day (`kept_row`).

use crate::domain::Millis;
use crate::follow_up::Period;
use crate::DocKind;

/// Why a record is erased. Chosen from this list on the page (none
/// preselected) and kept in the erasure ledger with the case number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErasureReason {
    /// Its retention period has ended (gallring), by the daily job or by a
    /// coordinator carrying out the municipality's gallringsbeslut.
    RetentionEnded,
    /// It should never have been made: the wrong place, a test, a
    /// duplicate. Its figures are not kept: it never happened.
    EnteredByMistake,
    /// A request (from the person concerned or the data controller's own
    /// decision) that it be erased.
    Request,
}

impl ErasureReason {
    pub const ALL: [ErasureReason; 3] = [
        ErasureReason::RetentionEnded,
        ErasureReason::EnteredByMistake,
        ErasureReason::Request,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErasureReason::RetentionEnded => "retention_ended",
            ErasureReason::EnteredByMistake => "entered_by_mistake",
            ErasureReason::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Only field records are erased as records: reference data (hotspots,
/// venues, the plan, the directory) holds no one's personal data that a
/// coordinator could not edit away, and the follow-up needs it.
pub fn may_erase(kind: DocKind) -> bool {
    kind.keeper() == crate::access::Keeper::Officers
}

/// Whether the record's figures are kept when it is erased at `erased_at`:
/// never for a record made by mistake; otherwise when the quarter it
/// counts in (by `at`, when it happened) had ended, so that a report
/// already given keeps its figures. A record of the quarter under way
/// leaves its figures with it: that quarter's report is not yet given.
pub fn keeps_figures(reason: ErasureReason, at: Millis, erased_at: Millis) -> bool {
    if reason == ErasureReason::EnteredByMistake {
        return false;
    }
    let (_, record_quarter_end) = Period::quarter_of(at).bounds_ms();
    record_quarter_end <= erased_at
}

/// The instant a kept row carries instead of the record's own times: the
/// start of its day in Stockholm. Enough for every period and ISO week the
/// follow-up counts in, and no time of day.
pub fn kept_instant(at: Millis) -> Millis {
    crate::local_time::day_bounds(crate::local_time::local_day(at)).0
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;
    // 2026-05-12 14:00 Stockholm (Q2).
    const MAY: Millis = 1_778_587_200_000;

    #[test]
    fn figures_are_kept_only_for_a_closed_quarter_and_never_for_a_mistake() {
        let july = MAY + 60 * DAY;
        assert!(keeps_figures(ErasureReason::RetentionEnded, MAY, july));
        assert!(keeps_figures(ErasureReason::Request, MAY, july));
        assert!(!keeps_figures(ErasureReason::EnteredByMistake, MAY, july));
        // The same quarter: still under way, nothing kept.
        assert!(!keeps_figures(ErasureReason::Request, MAY, MAY + DAY));
    }

    #[test]
    fn a_kept_instant_has_no_time_of_day_and_stays_in_its_day() {
        let kept = kept_instant(MAY);
        assert_eq!(
            crate::local_time::local_day(kept),
            crate::local_time::local_day(MAY)
        );
        assert_eq!(crate::local_time::format_time(kept), "00:00");
        assert_eq!(kept_instant(kept), kept);
    }

    #[test]
    fn reasons_round_trip_and_only_field_records_are_erased() {
        for r in ErasureReason::ALL {
            assert_eq!(ErasureReason::parse(r.as_str()), Some(r));
        }
        assert!(may_erase(DocKind::PatrolVisit));
        assert!(may_erase(DocKind::Inspection));
        assert!(may_erase(DocKind::Activity));
        assert!(!may_erase(DocKind::Venue));
        assert!(!may_erase(DocKind::Directory));
    }
}
