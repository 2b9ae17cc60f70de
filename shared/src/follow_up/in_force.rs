//! What is in force in a period: the promise plan that governs it, and the
//! hotspots patrolled in it. The server's SQL reads the candidates' dates;
//! these rules choose.

use crate::local_time::LocalDate;

use super::Period;

/// A span of days, both ends included; an open end runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    pub first: LocalDate,
    pub last: Option<LocalDate>,
}

impl DateSpan {
    /// Reads the stored `YYYY-MM-DD` bounds; none when a bound is not a
    /// date (a damaged row, left out).
    pub fn parse(first: &str, last: Option<&str>) -> Option<DateSpan> {
        Some(DateSpan {
            first: LocalDate::parse(first)?,
            last: match last {
                None => None,
                Some(l) => Some(LocalDate::parse(l)?),
            },
        })
    }

    /// Whether any day of the span falls in the period.
    pub fn overlaps(&self, period: &Period) -> bool {
        let (first_day, end_day) = period.days();
        self.first.day() < end_day && self.last.is_none_or(|l| l.day() >= first_day)
    }
}

/// Whether a hotspot active over `span` is patrolled in `period` (its
/// visits count and its prescription applies there).
pub fn hotspot_active(span: &DateSpan, period: &Period) -> bool {
    span.overlaps(period)
}

/// The plan in force for a period: of the plans whose period overlaps it,
/// the one that starts last (a renewed plan replaces the old one from its
/// first day). `plans` holds each plan's key and span.
pub fn plan_in_force<'a, K>(plans: &'a [(K, DateSpan)], period: &Period) -> Option<&'a K> {
    plans
        .iter()
        .filter(|(_, span)| span.overlaps(period))
        .max_by_key(|(_, span)| span.first)
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    fn span(first: &str, last: Option<&str>) -> DateSpan {
        DateSpan::parse(first, last).expect("dates")
    }

    #[test]
    fn the_latest_plan_that_overlaps_the_period_is_in_force() {
        let plans = [
            ("2024–2025", span("2024-01-01", Some("2025-12-31"))),
            ("2026–2027", span("2026-01-01", Some("2027-12-31"))),
            ("renewed mid-2027", span("2027-07-01", Some("2028-06-30"))),
        ];
        let show: Vec<String> = ["2025-Q4", "2026-Q1", "2027-Q2", "2027", "2027-Q3", "2029"]
            .iter()
            .map(|p| {
                let period = Period::parse(p).expect("period");
                format!("{p}: {:?}", plan_in_force(&plans, &period))
            })
            .collect();
        expect![[r#"
            2025-Q4: Some("2024–2025")
            2026-Q1: Some("2026–2027")
            2027-Q2: Some("2026–2027")
            2027: Some("renewed mid-2027")
            2027-Q3: Some("renewed mid-2027")
            2029: None"#]]
        .assert_eq(&show.join("\n"));
    }

    #[test]
    fn a_hotspot_counts_in_every_period_it_is_active_on_one_day_of() {
        let cases = [
            ("from 2026-03-31", span("2026-03-31", None)),
            ("from 2026-04-01", span("2026-04-01", None)),
            ("to 2025-12-31", span("2025-01-01", Some("2025-12-31"))),
            ("to 2026-01-01", span("2025-01-01", Some("2026-01-01"))),
        ];
        let q1 = Period::parse("2026-Q1").expect("period");
        let show: Vec<String> = cases
            .iter()
            .map(|(name, s)| format!("{name}: {}", hotspot_active(s, &q1)))
            .collect();
        expect![[r#"
            from 2026-03-31: true
            from 2026-04-01: false
            to 2025-12-31: false
            to 2026-01-01: true"#]]
        .assert_eq(&show.join("\n"));
    }
}
