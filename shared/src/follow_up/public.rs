//! What the public summary may publish, and when.
//!
//! A live count is two things a citizen page must not be: a tracker of
//! where the police patrol right now (it moved within a second of one
//! officer's sync), and a source of small counts by subtraction (a
//! tertial minus a quarter gave one month's 2 activities, a count the page
//! hid). So the public figures are:
//!
//! - **of closed quarters only**, and a year as the sum of its closed
//!   quarters, never an open period;
//! - **published at most once a day** ([`due`]): the page shows the last
//!   publication, whatever arrived since;
//! - **rounded to base 5** ([`round`]), each quarter's figure on its own,
//!   and every total the sum of the rounded parts (consistent totals).
//!   Then every published figure, and every sum or difference of them, is
//!   a multiple of 5: no subtraction finds a count from 1 to 4, and a
//!   figure says only "about this many" (0 means 0 to 2).

use serde::{Deserialize, Serialize};

use super::Period;
use crate::domain::Millis;
use crate::local_time::local_day;

/// Published figures are multiples of this.
pub const BASE: u64 = 5;

/// `n` rounded to the nearest multiple of [`BASE`], halves up (0–2 → 0,
/// 3–7 → 5, 8–12 → 10).
pub fn round(n: u64) -> u64 {
    n.saturating_add(BASE / 2) / BASE * BASE
}

/// Whether a publication is due at `now`: none yet, or none today
/// (Stockholm's calendar).
pub fn due(last_published_at: Option<Millis>, now: Millis) -> bool {
    last_published_at.is_none_or(|last| local_day(last) < local_day(now))
}

/// The quarters of `years` that have ended by `now`, oldest first.
pub fn closed_quarters(years: std::ops::RangeInclusive<i32>, now: Millis) -> Vec<Period> {
    let today = local_day(now);
    years
        .flat_map(|year| (1..=4).map(move |quarter| Period::Quarter { year, quarter }))
        .filter(|q| q.days().1 <= today)
        .collect()
}

/// One published period: the two totals and each initiative's delivered
/// count, all rounded; the targets are the plan's (not counts of records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The period's key (`2026-Q2`, `2026`).
    pub period: String,
    pub municipality: String,
    pub visits: u64,
    pub inspections: u64,
    pub focus_areas: Vec<PublishedArea>,
    /// For a year: its quarters in the sum (a year still running has
    /// fewer than four).
    pub quarters: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedArea {
    pub name: String,
    pub initiatives: Vec<PublishedInitiative>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedInitiative {
    pub title: String,
    pub delivered: u64,
    pub target: Option<u64>,
}

impl Published {
    /// A quarter's figures from exact counts: each rounded.
    pub fn quarter(mut exact: Published) -> Published {
        exact.visits = round(exact.visits);
        exact.inspections = round(exact.inspections);
        for i in exact
            .focus_areas
            .iter_mut()
            .flat_map(|a| a.initiatives.iter_mut())
        {
            i.delivered = round(i.delivered);
        }
        exact.quarters = vec![exact.period.clone()];
        exact
    }

    /// A year as the sum of its published quarters, with `shape` (the
    /// year's plan: its areas, initiatives and targets) for the rows. An
    /// initiative's delivered count is the sum of its rounded quarterly
    /// counts, matched by area and title.
    pub fn year(year: i32, mut shape: Published, quarters: &[Published]) -> Published {
        shape.period = Period::Year(year).key();
        shape.visits = quarters.iter().map(|q| q.visits).sum();
        shape.inspections = quarters.iter().map(|q| q.inspections).sum();
        for area in &mut shape.focus_areas {
            for i in &mut area.initiatives {
                i.delivered = quarters
                    .iter()
                    .flat_map(|q| q.focus_areas.iter().filter(|a| a.name == area.name))
                    .flat_map(|a| a.initiatives.iter().filter(|x| x.title == i.title))
                    .map(|x| x.delivered)
                    .sum();
            }
        }
        shape.quarters = quarters.iter().map(|q| q.period.clone()).collect();
        shape
    }

    /// Every count of the publication (not the targets).
    pub fn counts(&self) -> Vec<u64> {
        let mut out = vec![self.visits, self.inspections];
        out.extend(
            self.focus_areas
                .iter()
                .flat_map(|a| a.initiatives.iter().map(|i| i.delivered)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_to_the_nearest_five() {
        let r: Vec<u64> = (0..13).map(round).collect();
        assert_eq!(r, [0, 0, 0, 5, 5, 5, 5, 5, 10, 10, 10, 10, 10]);
        assert_eq!(round(u64::MAX) % BASE, 0);
    }

    #[test]
    fn a_publication_is_due_once_a_day() {
        let day = 24 * 60 * 60 * 1000;
        let noon = 1_780_000_000_000;
        assert!(due(None, noon));
        assert!(!due(Some(noon), noon + 60_000));
        assert!(due(Some(noon), noon + day));
    }

    #[test]
    fn only_ended_quarters_are_published() {
        // 2026-05-15: the first quarter has ended, the second has not.
        let may =
            crate::local_time::day_bounds(crate::local_time::day_of(2026, 5, 15).expect("date")).0;
        let keys: Vec<String> = closed_quarters(2025..=2026, may)
            .iter()
            .map(Period::key)
            .collect();
        assert_eq!(
            keys,
            ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
        );
    }
}
