//! Instants as whole seconds since the Unix epoch, and the one text form the
//! credential uses for them: RFC 3339 in UTC with second precision and a `Z`
//! (`2026-11-24T00:00:00Z`), as VC 2.0 `validFrom`/`validUntil` and Data
//! Integrity `created` are written in DWP credentials.
//!
//! Nothing here reads a clock: callers pass `now` in.

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z, leap seconds ignored (POSIX time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub i64);

/// A calendar date (proleptic Gregorian), held as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// Why a date or time text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not `YYYY-MM-DD` (dates) or `YYYY-MM-DDTHH:MM:SSZ` (instants).
    #[error("expected {expected}")]
    Format {
        /// The form that was expected.
        expected: &'static str,
    },
    /// The fields are well formed but name no real day or time (30 February, 25:00).
    #[error("not a real calendar date or time")]
    Impossible,
}

pub(crate) const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01, as (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

fn parse_ymd(b: &[u8], expected: &'static str) -> Result<i64, TimeError> {
    let format = TimeError::Format { expected };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(format);
    }
    let (y, m, d) = match (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10])) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        _ => return Err(format),
    };
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(TimeError::Impossible);
    }
    Ok(days_from_civil(y, m, d))
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    /// [`TimeError::Format`] for any other shape, [`TimeError::Impossible`] for a day that does not exist.
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        let days = parse_ymd(s.as_bytes(), "YYYY-MM-DD")?;
        // invariant: four-digit years give day numbers far inside i32.
        Ok(Date(days as i32))
    }
}

impl Date {
    /// Whole years from `earlier` to this date, by the calendar: a year is
    /// complete on the anniversary's date (a 29 February anniversary falls on
    /// 1 March in a common year). Ages are counted this way.
    pub fn whole_years_since(self, earlier: Date) -> i64 {
        let (y, m, d) = civil_from_days(i64::from(self.0));
        let (ey, em, ed) = civil_from_days(i64::from(earlier.0));
        y - ey - i64::from((m, d) < (em, ed))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(i64::from(self.0));
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl UnixTime {
    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, second precision, no fraction).
    ///
    /// # Errors
    /// [`TimeError::Format`] for any other shape (offsets, fractions, lower-case `t`/`z`),
    /// [`TimeError::Impossible`] for a day or time that does not exist.
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        const EXPECTED: &str = "YYYY-MM-DDTHH:MM:SSZ (UTC, whole seconds)";
        let b = s.as_bytes();
        let format = TimeError::Format { expected: EXPECTED };
        if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
            return Err(format);
        }
        let days = parse_ymd(&b[..10], EXPECTED)?;
        let (h, mi, se) = match (digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19])) {
            (Some(h), Some(mi), Some(se)) => (h, mi, se),
            _ => return Err(format),
        };
        if h > 23 || mi > 59 || se > 59 {
            return Err(TimeError::Impossible);
        }
        Ok(UnixTime(days * SECONDS_PER_DAY + h * 3600 + mi * 60 + se))
    }

    /// Parses an XML Schema `dateTime` that carries its time zone, as Data
    /// Integrity `created` and `expires` must be written: `YYYY-MM-DDTHH:MM:SS`,
    /// an optional fraction of a second (dropped), then `Z` or `±HH:MM`.
    ///
    /// # Errors
    /// [`TimeError::Format`] for any other shape (no time zone included),
    /// [`TimeError::Impossible`] for a day, time or offset that does not exist.
    pub fn parse_date_time(s: &str) -> Result<Self, TimeError> {
        const EXPECTED: &str = "an XML Schema dateTime with a time zone (YYYY-MM-DDTHH:MM:SS[.s](Z|+HH:MM|-HH:MM))";
        let format = TimeError::Format { expected: EXPECTED };
        let b = s.as_bytes();
        if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(format);
        }
        let days = parse_ymd(&b[..10], EXPECTED)?;
        let (h, mi, se) = match (digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19])) {
            (Some(h), Some(mi), Some(se)) => (h, mi, se),
            _ => return Err(format),
        };
        let mut rest = &b[19..];
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(format);
            }
            rest = &frac[n..];
        }
        let offset = match rest {
            b"Z" => 0,
            [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
                let (Some(oh), Some(om)) = (digits(&[*oh1, *oh2]), digits(&[*om1, *om2])) else { return Err(format) };
                if oh > 14 || om > 59 || (oh == 14 && om > 0) {
                    return Err(TimeError::Impossible);
                }
                let secs = oh * 3600 + om * 60;
                if *sign == b'+' { secs } else { -secs }
            }
            _ => return Err(format),
        };
        // XML Schema allows 24:00:00 as the end of a day.
        if (h > 23 && !(h == 24 && mi == 0 && se == 0)) || mi > 59 || se > 59 {
            return Err(TimeError::Impossible);
        }
        Ok(UnixTime(days * SECONDS_PER_DAY + h * 3600 + mi * 60 + se - offset))
    }

    /// The day this instant falls on (UTC).
    pub fn date(self) -> Date {
        // invariant: instants we accept lie between years 0000 and 9999.
        Date(self.0.div_euclid(SECONDS_PER_DAY) as i32)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        let secs = self.0.rem_euclid(SECONDS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xml_schema_date_times_with_a_time_zone_only() {
        let z = UnixTime::parse("2023-02-24T23:36:38Z").expect("z");
        assert_eq!(UnixTime::parse_date_time("2023-02-24T23:36:38Z"), Ok(z));
        assert_eq!(UnixTime::parse_date_time("2023-02-24T23:36:38.125Z"), Ok(z));
        assert_eq!(UnixTime::parse_date_time("2023-02-25T06:36:38+07:00"), Ok(z));
        assert_eq!(UnixTime::parse_date_time("2023-02-24T18:36:38-05:00"), Ok(z));
        for bad in ["invalidDate", "2023-02-24T23:36:38", "2023-02-24", "2023-02-24T23:36:38.Z", "2023-02-24t23:36:38Z"]
        {
            assert!(matches!(UnixTime::parse_date_time(bad), Err(TimeError::Format { .. })), "{bad}");
        }
        assert_eq!(UnixTime::parse_date_time("2023-02-30T00:00:00Z"), Err(TimeError::Impossible));
        assert_eq!(UnixTime::parse_date_time("2023-02-24T00:00:00+15:00"), Err(TimeError::Impossible));
    }

    #[test]
    fn round_trips_instants_and_dates() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2026-11-24T00:00:00Z",
            "2028-11-23T23:59:59Z",
            "1899-12-31T12:00:00Z",
            "2400-02-29T01:02:03Z",
        ] {
            assert_eq!(UnixTime::parse(s).map(|t| t.to_string()), Ok(s.to_string()), "{s}");
        }
        assert_eq!(UnixTime::parse("2026-11-24T00:00:00Z"), Ok(UnixTime(1_795_478_400)));
        assert_eq!(Date::parse("1994-03-12").map(|d| d.to_string()), Ok("1994-03-12".to_string()));
        assert_eq!(Date::parse("1970-01-02"), Ok(Date(1)));
    }

    #[test]
    fn counts_whole_years_by_the_calendar() {
        let d = |s: &str| Date::parse(s).expect("date");
        assert_eq!(d("2026-11-24").whole_years_since(d("2011-11-24")), 15);
        assert_eq!(d("2026-11-23").whole_years_since(d("2011-11-24")), 14);
        assert_eq!(d("2026-11-24").whole_years_since(d("2011-12-01")), 14);
        assert_eq!(d("2027-02-28").whole_years_since(d("2012-02-29")), 14, "a leap-day birthday");
        assert_eq!(d("2027-03-01").whole_years_since(d("2012-02-29")), 15);
        assert_eq!(d("2028-02-29").whole_years_since(d("2012-02-29")), 16);
        assert_eq!(d("2026-01-01").whole_years_since(d("2026-01-01")), 0);
    }

    #[test]
    fn rejects_impossible_and_loose_forms() {
        assert_eq!(Date::parse("2023-02-29"), Err(TimeError::Impossible));
        assert_eq!(Date::parse("2024-13-01"), Err(TimeError::Impossible));
        assert!(Date::parse("2024-2-01").is_err());
        assert_eq!(UnixTime::parse("2026-11-24T24:00:00Z"), Err(TimeError::Impossible));
        for s in [
            "2026-11-24T00:00:00+07:00",
            "2026-11-24T00:00:00.5Z",
            "2026-11-24t00:00:00z",
            "2026-11-24 00:00:00Z",
            "+026-11-24T00:00:00Z",
        ] {
            assert!(matches!(UnixTime::parse(s), Err(TimeError::Format { .. })), "{s}");
        }
    }
}
