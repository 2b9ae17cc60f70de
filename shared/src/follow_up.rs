//! The follow-up of the promise plan over a chosen period: which period, how
//! much of each output target falls in it, how delivery compares, the patrol
//! dosage week by week, and how a count may be shown to the public.
//!
//! Brå's handbook (step 5) asks for process follow-up per quarter or
//! tertial; targets are written per year, tertial, quarter or plan, so a
//! target is prorated by months to the period asked for.

use std::fmt;

mod in_force;
mod open;
pub mod public;
pub mod venue_status;

pub use in_force::{hotspot_active, plan_in_force, DateSpan};
pub use open::{open_follow_ups, InspectionFact};

use crate::domain::{Millis, OutputTarget, TargetPeriod};
use crate::local_time::{day_bounds, local_day};

/// A follow-up period in Stockholm's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Quarter { year: i32, quarter: u8 },
    Tertial { year: i32, tertial: u8 },
    Year(i32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a period: write 2026-Q3 (quarter), 2026-T2 (tertial) or 2026 (year)")]
pub struct PeriodError(pub String);

impl Period {
    /// Reads `2026-Q3`, `2026-T2` or `2026`; a Swede's `2026-K3` (kvartal)
    /// is the same quarter.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let err = || PeriodError(s.chars().take(40).collect());
        let s = s.trim();
        let (year, part) = match s.split_once('-') {
            Some((y, p)) => (y, Some(p)),
            None => (s, None),
        };
        let year: i32 = year.parse().map_err(|_| err())?;
        if !(2000..=2200).contains(&year) {
            return Err(err());
        }
        let number = |p: &str, prefix: char, max: u8| -> Result<u8, PeriodError> {
            let n: u8 = p
                .strip_prefix(prefix)
                .or_else(|| p.strip_prefix(prefix.to_ascii_lowercase()))
                .and_then(|n| n.parse().ok())
                .ok_or_else(err)?;
            if (1..=max).contains(&n) {
                Ok(n)
            } else {
                Err(err())
            }
        };
        match part {
            None => Ok(Period::Year(year)),
            Some(p) if p.starts_with(['Q', 'q']) => Ok(Period::Quarter {
                year,
                quarter: number(p, 'Q', 4)?,
            }),
            Some(p) if p.starts_with(['K', 'k']) => Ok(Period::Quarter {
                year,
                quarter: number(p, 'K', 4)?,
            }),
            Some(p) if p.starts_with(['T', 't']) => Ok(Period::Tertial {
                year,
                tertial: number(p, 'T', 3)?,
            }),
            Some(_) => Err(err()),
        }
    }

    /// The quarter a moment falls in.
    pub fn quarter_of(ms: Millis) -> Period {
        let t = crate::local_time::to_local(ms);
        Period::Quarter {
            year: t.year(),
            quarter: (u8::from(t.month()) - 1) / 3 + 1,
        }
    }

    pub fn year(&self) -> i32 {
        match *self {
            Period::Quarter { year, .. } | Period::Tertial { year, .. } | Period::Year(year) => {
                year
            }
        }
    }

    /// First month (1-12) and number of months.
    pub fn months(&self) -> (u8, u8) {
        match *self {
            Period::Quarter { quarter, .. } => ((quarter - 1) * 3 + 1, 3),
            Period::Tertial { tertial, .. } => ((tertial - 1) * 4 + 1, 4),
            Period::Year(_) => (1, 12),
        }
    }

    /// Year and month of the first day, and of the day after the last.
    fn first_and_end_months(&self) -> ((i32, u8), (i32, u8)) {
        let (first, count) = self.months();
        let end = first + count;
        let end = if end > 12 {
            (self.year() + 1, end - 12)
        } else {
            (self.year(), end)
        };
        ((self.year(), first), end)
    }

    /// `YYYY-MM-DD` of the first day and of the day after the last.
    pub fn dates(&self) -> (String, String) {
        let ((y, m), (end_y, end_m)) = self.first_and_end_months();
        (
            format!("{y:04}-{m:02}-01"),
            format!("{end_y:04}-{end_m:02}-01"),
        )
    }

    /// Stockholm day numbers `[first, end)`.
    pub fn days(&self) -> (i64, i64) {
        let ((y, m), (end_y, end_m)) = self.first_and_end_months();
        // The first of a month from 1 to 12 always exists.
        let day = |y, m| crate::local_time::day_of(y, m, 1).unwrap_or(0);
        (day(y, m), day(end_y, end_m))
    }

    /// The UTC span `[start, end)` of the period in milliseconds.
    pub fn bounds_ms(&self) -> (Millis, Millis) {
        let (first, end) = self.days();
        (day_bounds(first).0, day_bounds(end).0)
    }

    /// The value of the period in a URL (`2026-Q3`), the inverse of
    /// [`Period::parse`].
    pub fn key(&self) -> String {
        match *self {
            Period::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Period::Tertial { year, tertial } => format!("{year}-T{tertial}"),
            Period::Year(year) => format!("{year}"),
        }
    }

    /// The period after this one, of the same length.
    pub fn next(&self) -> Period {
        match *self {
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
            Period::Tertial { year, tertial: 3 } => Period::Tertial {
                year: year + 1,
                tertial: 1,
            },
            Period::Tertial { year, tertial } => Period::Tertial {
                year,
                tertial: tertial + 1,
            },
            Period::Year(year) => Period::Year(year + 1),
        }
    }

    /// The period before this one, of the same length.
    pub fn previous(&self) -> Period {
        match *self {
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
            Period::Tertial { year, tertial: 1 } => Period::Tertial {
                year: year - 1,
                tertial: 3,
            },
            Period::Tertial { year, tertial } => Period::Tertial {
                year,
                tertial: tertial - 1,
            },
            Period::Year(year) => Period::Year(year - 1),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Quarter { year, quarter } => write!(f, "{year} Q{quarter}"),
            Period::Tertial { year, tertial } => write!(f, "{year} T{tertial}"),
            Period::Year(year) => write!(f, "{year}"),
        }
    }
}

/// Stockholm day number of a `YYYY-MM-DD` date (0 if it is not one).
fn day_number(date: &str) -> i64 {
    crate::local_time::day_of_date(date).unwrap_or(0)
}

/// Months in a plan period (`YYYY-MM-DD` inclusive bounds), at least 1.
pub fn plan_months(period_start: &str, period_end: &str) -> u32 {
    let days = day_number(period_end) - day_number(period_start) + 1;
    ((days as f64 / 30.44).round() as u32).max(1)
}

/// The part of an output target that falls in `period`, prorated by months
/// and rounded up ("at least 52 a year" is at least 13 a quarter).
pub fn target_in(target: &OutputTarget, period: &Period, plan_months: u32) -> u64 {
    let per_months = match target.per {
        TargetPeriod::Year => 12,
        TargetPeriod::Tertial => 4,
        TargetPeriod::Quarter => 3,
        TargetPeriod::Plan => plan_months.max(1),
    };
    let months = u64::from(period.months().1);
    (target.at_least * months).div_ceil(u64::from(per_months))
}

/// Delivered output against the target for the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub delivered: u64,
    pub target: Option<u64>,
}

impl Progress {
    /// Percent of the target delivered (may pass 100); none without a target.
    pub fn percent(&self) -> Option<u64> {
        match self.target {
            Some(0) => Some(100),
            Some(t) => Some(self.delivered * 100 / t),
            None => None,
        }
    }

    pub fn met(&self) -> Option<bool> {
        self.target.map(|t| self.delivered >= t)
    }
}

/// What the plan prescribes over `days` at a per-week rate, prorated by day
/// and rounded up.
pub fn prescribed(per_week: u64, days: u64) -> u64 {
    (per_week * days).div_ceil(7)
}

/// How long a venue may go without an inspection: every venue at least
/// once a year.
pub const INSPECTION_INTERVAL_MS: Millis = 365 * 24 * 60 * 60 * 1000;

/// Whether a venue last inspected at `last` (never: none) is due for an
/// inspection at `at`.
pub fn inspection_due(last: Option<Millis>, at: Millis) -> bool {
    last.is_none_or(|l| l < at - INSPECTION_INTERVAL_MS)
}

/// What the follow-up needs of one patrol visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFact {
    pub started_at: Millis,
    pub duration_s: Option<i64>,
    pub in_dosage_window: Option<bool>,
}

/// Delivered patrol dosage at one hotspot in one week (Monday to Sunday).
#[derive(Debug, Clone, PartialEq)]
pub struct WeekDosage {
    /// Stockholm day number of the week's Monday.
    pub monday: i64,
    pub visits: u64,
    pub minutes: u64,
    /// Visits of 10–16 minutes, the Koper window.
    pub in_window: u64,
}

impl WeekDosage {
    /// Share of the week's visits that lasted 10–16 minutes.
    pub fn window_share(&self) -> Option<f64> {
        (self.visits > 0).then(|| self.in_window as f64 / self.visits as f64)
    }

    /// The ISO date of the week's Monday.
    pub fn monday_date(&self) -> String {
        crate::local_time::format_date(day_bounds(self.monday).0)
    }

    /// The ISO 8601 week number (vecka), as Swedish calendars print it.
    pub fn week_number(&self) -> u8 {
        let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1)
            .map(|d| d.to_julian_day())
            .unwrap_or(0);
        time::Date::from_julian_day(epoch + self.monday as i32)
            .map(|d| d.iso_week())
            .unwrap_or(0)
    }

    /// Whether the week is over by the Stockholm day `today`: a week under
    /// way is not yet a week that fell short.
    pub fn is_over(&self, today: i64) -> bool {
        today >= self.monday + 7
    }
}

/// Monday of the week a Stockholm day number falls in (1970-01-01 was a
/// Thursday).
pub fn monday_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// The delivered dosage at one hotspot for every week that overlaps the
/// period, weeks without visits included, so that gaps show.
pub fn dosage_by_week(period: &Period, visits: &[VisitFact]) -> Vec<WeekDosage> {
    let (first, end) = period.days();
    let mut weeks: Vec<WeekDosage> = (0..)
        .map(|w| monday_of(first) + 7 * w)
        .take_while(|m| *m < end)
        .map(|monday| WeekDosage {
            monday,
            visits: 0,
            minutes: 0,
            in_window: 0,
        })
        .collect();
    let start = monday_of(first);
    for v in visits {
        let w = (monday_of(local_day(v.started_at)) - start) / 7;
        if let Some(week) = usize::try_from(w).ok().and_then(|w| weeks.get_mut(w)) {
            week.visits += 1;
            week.minutes += v.duration_s.unwrap_or(0).max(0) as u64 / 60;
            week.in_window += u64::from(v.in_dosage_window == Some(true));
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_have_iso_numbers_and_a_week_under_way_is_not_over() {
        // 2026-12-28 is a Monday in ISO week 53 of 2026; 2026-01-05 in week 2.
        let day = |d: &str| crate::local_time::day_of_date(d).expect("date");
        let w = |d: &str| WeekDosage {
            monday: day(d),
            visits: 0,
            minutes: 0,
            in_window: 0,
        };
        assert_eq!(w("2026-12-28").week_number(), 53);
        assert_eq!(w("2026-01-05").week_number(), 2);
        assert_eq!(w("2025-12-29").week_number(), 1);
        let this = w("2026-11-30");
        assert!(!this.is_over(day("2026-12-02")));
        assert!(!this.is_over(day("2026-12-06")));
        assert!(this.is_over(day("2026-12-07")));
    }

    #[test]
    fn periods_read_and_write_the_same() {
        for s in ["2026-Q1", "2026-Q4", "2026-T2", "2027"] {
            assert_eq!(Period::parse(s).map(|p| p.key()), Ok(s.to_string()));
        }
        assert_eq!(
            Period::parse("2026-q3"),
            Ok(Period::Quarter {
                year: 2026,
                quarter: 3
            })
        );
        assert_eq!(Period::parse("2026-K4"), Period::parse("2026-Q4"));
        assert_eq!(Period::parse("2026-k1"), Period::parse("2026-Q1"));
        for bad in [
            "", "2026-Q5", "2026-K5", "2026-T0", "26", "2026-X1", "2026-Q", "Q3",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn period_dates_cover_the_months() {
        let q4 = Period::parse("2026-Q4").expect("a period");
        assert_eq!(q4.dates(), ("2026-10-01".into(), "2027-01-01".into()));
        let t2 = Period::parse("2026-T2").expect("a period");
        assert_eq!(t2.dates(), ("2026-05-01".into(), "2026-09-01".into()));
        let (start, end) = q4.bounds_ms();
        // Stockholm midnight is 22:00 or 23:00 UTC the day before.
        assert_eq!(
            crate::local_time::format_date_time(start),
            "2026-10-01 00:00"
        );
        assert_eq!(crate::local_time::format_date_time(end), "2027-01-01 00:00");
        assert_eq!(q4.previous().key(), "2026-Q3");
        assert_eq!(
            Period::parse("2026-Q1").expect("a period").previous().key(),
            "2025-Q4"
        );
    }

    #[test]
    fn targets_are_prorated_and_rounded_up() {
        let t = |at_least, per| OutputTarget {
            at_least,
            unit: "checks".into(),
            per,
        };
        let q = Period::parse("2026-Q2").expect("a period");
        let y = Period::Year(2026);
        assert_eq!(target_in(&t(52, TargetPeriod::Year), &q, 24), 13);
        assert_eq!(target_in(&t(10, TargetPeriod::Year), &q, 24), 3);
        assert_eq!(target_in(&t(2, TargetPeriod::Quarter), &y, 24), 8);
        assert_eq!(target_in(&t(24, TargetPeriod::Plan), &y, 24), 12);
        assert_eq!(plan_months("2024-01-01", "2025-12-31"), 24);
    }

    #[test]
    fn prescriptions_prorate_and_venues_fall_due_after_a_year() {
        assert_eq!(prescribed(5, 90), 65);
        assert_eq!(prescribed(7, 14), 14);
        assert!(inspection_due(None, 0));
        assert!(!inspection_due(Some(0), INSPECTION_INTERVAL_MS));
        assert!(inspection_due(Some(0), INSPECTION_INTERVAL_MS + 1));
    }

    #[test]
    fn progress_is_a_percent_of_the_target() {
        let p = Progress {
            delivered: 7,
            target: Some(13),
        };
        assert_eq!((p.percent(), p.met()), (Some(53), Some(false)));
    }

    #[test]
    fn dosage_is_summed_per_week_with_empty_weeks_kept() {
        let q = Period::parse("2026-Q1").expect("a period");
        let (start, _) = q.bounds_ms();
        let day = 86_400_000;
        let visit = |at, minutes: i64| VisitFact {
            started_at: at,
            duration_s: Some(minutes * 60),
            in_dosage_window: Some((10..=16).contains(&minutes)),
        };
        // 2026-01-01 is a Thursday: the first week starts Monday 2025-12-29.
        let weeks = dosage_by_week(
            &q,
            &[
                visit(start + 3_600_000, 12),
                visit(start + 2 * day, 20),
                visit(start + 20 * day, 15),
            ],
        );
        assert_eq!(weeks[0].monday_date(), "2025-12-29");
        assert_eq!(weeks.len(), 14);
        assert_eq!(
            (weeks[0].visits, weeks[0].minutes, weeks[0].in_window),
            (2, 32, 1)
        );
        assert_eq!(weeks[1].visits, 0);
        assert_eq!(weeks[2].visits + weeks[3].visits, 1);
        assert_eq!(weeks[0].window_share(), Some(0.5));
    }
}
