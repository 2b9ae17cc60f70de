//! Swedish local time for display: dates and times as Swedes write them
//! (`2025-03-01 21:15`), in Europe/Stockholm time (CET, and CEST from the
//! last Sunday of March to the last Sunday of October, switching at 01:00
//! UTC, the EU rule). Written here rather than pulling a time-zone database
//! into the phone app: one zone, one rule.

use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

use crate::domain::Millis;

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let next = if month == Month::December {
        Date::from_calendar_date(year + 1, Month::January, 1)
    } else {
        Date::from_calendar_date(year, month.next(), 1)
    };
    let mut d = next.ok()?.previous_day()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The Stockholm offset at a UTC instant.
pub fn stockholm_offset(utc: OffsetDateTime) -> UtcOffset {
    let year = utc.year();
    let summer = match (
        last_sunday(year, Month::March),
        last_sunday(year, Month::October),
    ) {
        (Some(start), Some(end)) => {
            let start = start.with_hms(1, 0, 0).map(|t| t.assume_utc());
            let end = end.with_hms(1, 0, 0).map(|t| t.assume_utc());
            matches!((start, end), (Ok(s), Ok(e)) if utc >= s && utc < e)
        }
        _ => false,
    };
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(UtcOffset::UTC)
}

pub fn to_local(ms: Millis) -> OffsetDateTime {
    let utc = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.to_offset(stockholm_offset(utc))
}

/// `2025-03-01 21:15`
pub fn format_date_time(ms: Millis) -> String {
    let t = to_local(ms);
    format!("{} {:02}:{:02}", format_date_of(t), t.hour(), t.minute())
}

/// `21:15`
pub fn format_time(ms: Millis) -> String {
    let t = to_local(ms);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `2025-03-01`
pub fn format_date(ms: Millis) -> String {
    format_date_of(to_local(ms))
}

fn format_date_of(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Days since 1970-01-01 in Stockholm, for "today".
pub fn local_day(ms: Millis) -> i64 {
    let t = to_local(ms);
    (t.date().to_julian_day()
        - Date::from_calendar_date(1970, Month::January, 1)
            .map(|d| d.to_julian_day())
            .unwrap_or(0)) as i64
}

/// The day number (as [`local_day`] counts) of a `YYYY-MM-DD` date.
pub fn day_of_date(date: &str) -> Option<i64> {
    let mut it = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    day_of(
        i32::try_from(y).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(d).ok()?,
    )
}

/// The day number (as [`local_day`] counts) of a calendar date; `None`
/// for a date that does not exist.
pub fn day_of(year: i32, month: u8, day: u8) -> Option<i64> {
    let day = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let epoch = Date::from_calendar_date(1970, Month::January, 1).ok()?;
    Some((day.to_julian_day() - epoch.to_julian_day()) as i64)
}

/// The UTC span `[start, end)` of Stockholm's calendar day number `day`
/// (as [`local_day`] counts). Clocks change at 01:00 UTC, never at a local
/// midnight, so the offset at the date's UTC midnight is the one in force
/// at its local midnight.
pub fn day_bounds(day: i64) -> (Millis, Millis) {
    let start = |d: i64| {
        let utc_midnight = d * 86_400_000;
        let at = OffsetDateTime::from_unix_timestamp_nanos(utc_midnight as i128 * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        utc_midnight - stockholm_offset(at).whole_seconds() as i64 * 1000
    };
    (start(day), start(day + 1))
}

/// The instant at the local time of day `hh_mm` (`21:15`) on the Stockholm
/// day of `reference`; `None` for text that is not a time of day. For
/// correcting a visit's times on the phone.
pub fn at_time_of_day(reference: Millis, hh_mm: &str) -> Option<Millis> {
    let (h, m) = hh_mm.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let (start, _) = day_bounds(local_day(reference));
    let naive = start + (h * 60 + m) * 60_000;
    // On the two days a year the clocks change, the offset at that time of
    // day differs from the one at midnight.
    let offset_ms = |ms: Millis| to_local(ms).offset().whole_seconds() as i64 * 1000;
    Some(naive - (offset_ms(naive) - offset_ms(start)))
}

/// A visit's start and end corrected to the local times `start` and `end`
/// on the day it started; an end earlier than the start is the next day
/// (a visit over midnight).
pub fn corrected_span(started_at: Millis, start: &str, end: &str) -> Option<(Millis, Millis)> {
    let s = at_time_of_day(started_at, start)?;
    let mut e = at_time_of_day(started_at, end)?;
    if e < s {
        e = at_time_of_day(s + 86_400_000, end)?;
    }
    Some((s, e))
}

/// Minutes and seconds, `12:05`, for a running timer.
pub fn format_duration(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_and_winter_time() {
        // 2025-07-01T19:15Z is 21:15 in Stockholm (CEST).
        assert_eq!(format_date_time(1_751_397_300_000), "2025-07-01 21:15");
        // 2025-01-15T20:15Z is 21:15 (CET).
        assert_eq!(format_date_time(1_736_972_100_000), "2025-01-15 21:15");
        // The switch: 2025-03-30T00:59Z is 01:59 CET, 01:00Z is 03:00 CEST.
        assert_eq!(format_time(1_743_296_340_000), "01:59");
        assert_eq!(format_time(1_743_296_400_000), "03:00");
    }

    #[test]
    fn a_time_of_day_on_the_day_of_a_visit_in_summer_winter_and_over_midnight() {
        // 2025-07-01 21:15 CEST and 2025-01-15 21:15 CET, as above.
        assert_eq!(
            at_time_of_day(1_751_397_300_000, "21:15"),
            Some(1_751_397_300_000)
        );
        assert_eq!(
            at_time_of_day(1_736_972_100_000, "21:15"),
            Some(1_736_972_100_000)
        );
        // The spring switch day: 03:00 CEST is 01:00Z.
        assert_eq!(
            at_time_of_day(1_743_296_340_000, "03:00"),
            Some(1_743_296_400_000)
        );
        assert_eq!(at_time_of_day(1_751_397_300_000, "25:00"), None);
        assert_eq!(at_time_of_day(1_751_397_300_000, "kväll"), None);
        // 23:50 to 00:10 is twenty minutes, over midnight.
        let (s, e) = corrected_span(1_751_397_300_000, "23:50", "00:10").expect("valid");
        assert_eq!(e - s, 20 * 60_000);
        assert_eq!(format_date_time(s), "2025-07-01 23:50");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(605_000), "10:05");
        assert_eq!(format_duration(3_725_000), "1:02:05");
    }

    #[test]
    fn a_day_spans_local_midnight_to_local_midnight_across_clock_changes() {
        for ms in [
            1_767_000_000_000i64,
            1_774_746_000_000,
            1_761_440_000_000,
            1_751_000_000_000,
        ] {
            let day = local_day(ms);
            let (start, end) = day_bounds(day);
            assert!(start <= ms && ms < end, "{ms} not in its day");
            assert_eq!(local_day(start), day);
            assert_eq!(local_day(start - 1), day - 1);
            assert_eq!(local_day(end), day + 1);
            assert_eq!(local_day(end - 1), day);
        }
    }
}

/// A calendar date in Stockholm, as documents and the follow-up tables
/// write it (`YYYY-MM-DD`), parsed once at the boundary so that rules
/// compare dates, not strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(Date);

impl LocalDate {
    /// Reads `YYYY-MM-DD`; none for anything else or a date that does
    /// not exist.
    pub fn parse(s: &str) -> Option<LocalDate> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: i32 = s.get(0..4)?.parse().ok()?;
        let month: u8 = s.get(5..7)?.parse().ok()?;
        let day: u8 = s.get(8..10)?.parse().ok()?;
        Self::from_parts(year, month, day)
    }

    pub fn from_parts(year: i32, month: u8, day: u8) -> Option<LocalDate> {
        Date::from_calendar_date(year, Month::try_from(month).ok()?, day)
            .ok()
            .map(LocalDate)
    }

    /// The Stockholm date of an instant.
    pub fn of(ms: Millis) -> LocalDate {
        LocalDate(to_local(ms).date())
    }

    /// The same day `months` calendar months later, clamped to the
    /// month's length (31 January plus one month is the last of February).
    pub fn plus_months(self, months: u32) -> LocalDate {
        let total =
            self.0.year() as i64 * 12 + (u8::from(self.0.month()) as i64 - 1) + months as i64;
        let (year, month) = ((total / 12) as i32, (total % 12) as u8 + 1);
        let day = self.0.day();
        (0..4)
            .find_map(|back| LocalDate::from_parts(year, month, day.saturating_sub(back)))
            .unwrap_or(self)
    }

    /// The day number, as [`local_day`] counts.
    pub fn day(self) -> i64 {
        let epoch = Date::from_calendar_date(1970, Month::January, 1)
            .map(|d| d.to_julian_day())
            .unwrap_or(0);
        (self.0.to_julian_day() - epoch) as i64
    }
}

impl std::fmt::Display for LocalDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}
