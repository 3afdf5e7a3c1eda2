//! Time: the instants users type (a date or an RFC 3339 time), hour-aligned UTC windows, and the
//! rounding the API applies (start floored, end ceiled to the hour).

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset};

/// An instant as a user gives it: a calendar date (midnight UTC) or an RFC 3339 time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeInput {
    /// `2015-08-01`: midnight UTC of that day.
    Date(Date),
    /// `2015-07-01T12:24:00Z` or with an offset; kept as UTC.
    Instant(OffsetDateTime),
}

/// Why a string is not a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is neither a date (2015-08-01) nor an RFC 3339 time (2015-07-01T12:24:00Z) of the years 1 to 9998"
)]
pub struct TimeInputError(pub String);

/// The UTC years the core computes with: a day or a year either side of any of them (rounding
/// to the hour, windows, the look-back) is still a time `time` can hold, so no arithmetic on a
/// time a user or a server gave can overflow.
pub(crate) const YEARS: std::ops::RangeInclusive<i32> = 1..=9998;

/// `t` in UTC, if its UTC year is in [`YEARS`].
pub(crate) fn utc_in_range(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(UtcOffset::UTC)
        .filter(|t| YEARS.contains(&t.year()))
}

/// Reads an RFC 3339 time, in UTC, if its UTC year is in [`YEARS`].
pub(crate) fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    utc_in_range(OffsetDateTime::parse(s, &Rfc3339).ok()?)
}

impl TimeInput {
    /// Parses `YYYY-MM-DD` or an RFC 3339 time, of the years 1 to 9998.
    pub fn parse(s: &str) -> Result<TimeInput, TimeInputError> {
        let s = s.trim();
        if let Some(d) = parse_date(s) {
            return Ok(TimeInput::Date(d));
        }
        parse_rfc3339(s)
            .map(TimeInput::Instant)
            .ok_or_else(|| TimeInputError(s.to_owned()))
    }

    /// The instant in UTC.
    pub fn to_utc(self) -> OffsetDateTime {
        match self {
            TimeInput::Date(d) => d.with_time(Time::MIDNIGHT).assume_utc(),
            TimeInput::Instant(t) => t.checked_to_offset(UtcOffset::UTC).unwrap_or(t),
        }
    }
}

/// Parses a calendar date written `YYYY-MM-DD`, as the API writes days, and nothing else; its
/// year must be in [`YEARS`]. (By hand rather than through `time`'s format descriptions, whose
/// parser and formatter weigh 25 KB in the wasm package.)
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let digits = |b: &[u8]| -> Option<u16> {
        b.iter().try_fold(0u16, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
        })
    };
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes() else {
        return None;
    };
    let year = digits(&[y0, y1, y2, y3])?;
    let month = Month::try_from(u8::try_from(digits(&[m0, m1])?).ok()?).ok()?;
    let day = u8::try_from(digits(&[d0, d1])?).ok()?;
    let year = i32::from(year);
    if !YEARS.contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, month, day).ok()
}

/// Floors an instant to the start of its UTC hour. (An instant that has no UTC form, at the
/// very edge of what `time` holds, is floored in its own offset: the readers of this crate
/// refuse such times, outside the years 1 to 9998, and this never panics.)
pub fn floor_hour(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.checked_to_offset(UtcOffset::UTC).unwrap_or(t);
    t.replace_time(Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT))
}

/// Ceils an instant to the next UTC hour boundary (an instant on a boundary stays; the last
/// hour `time` holds stays floored rather than overflow).
pub fn ceil_hour(t: OffsetDateTime) -> OffsetDateTime {
    let floored = floor_hour(t);
    if floored == t {
        floored
    } else {
        floored.checked_add(Duration::HOUR).unwrap_or(floored)
    }
}

/// Whether an instant is on a UTC hour boundary.
pub(crate) fn is_on_hour(t: OffsetDateTime) -> bool {
    floor_hour(t) == t
}

/// Formats an instant as the API writes times: `2015-09-14T17:00:00Z`.
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.checked_to_offset(UtcOffset::UTC).unwrap_or(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A half-open window `[start, end)` of whole UTC hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeWindow {
    start: OffsetDateTime,
    end: OffsetDateTime,
}

/// Why two instants do not make a window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeWindowError {
    /// An end is not after its start.
    #[error("the window's end {end} is not after its start {start}")]
    NotAfterStart {
        /// The start, as the API writes times.
        start: String,
        /// The end, as the API writes times.
        end: String,
    },
    /// An instant is not on an hour boundary.
    #[error("{0} is not on an hour boundary (windows are whole UTC hours)")]
    NotOnHour(String),
    /// An instant's UTC year is outside 1 to 9998.
    #[error("{0} is outside the years 1 to 9998")]
    OutOfRange(String),
}

impl TimeWindow {
    /// A window of whole hours; both ends must be on the hour and `end` after `start`.
    pub fn new(start: OffsetDateTime, end: OffsetDateTime) -> Result<TimeWindow, TimeWindowError> {
        let utc = |t: OffsetDateTime| {
            utc_in_range(t).ok_or_else(|| TimeWindowError::OutOfRange(format_time(t)))
        };
        let (start, end) = (utc(start)?, utc(end)?);
        for t in [start, end] {
            if !is_on_hour(t) {
                return Err(TimeWindowError::NotOnHour(format_time(t)));
            }
        }
        if end <= start {
            return Err(TimeWindowError::NotAfterStart {
                start: format_time(start),
                end: format_time(end),
            });
        }
        Ok(TimeWindow { start, end })
    }

    /// The window the API uses for `start`..`end`: start floored, end ceiled to the hour.
    pub fn rounded(
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<TimeWindow, TimeWindowError> {
        TimeWindow::new(floor_hour(start), ceil_hour(end))
    }

    /// The first instant in the window.
    pub fn start(&self) -> OffsetDateTime {
        self.start
    }

    /// The first instant after the window.
    pub fn end(&self) -> OffsetDateTime {
        self.end
    }

    /// The number of whole hours in the window.
    pub fn hours(&self) -> i64 {
        (self.end - self.start).whole_hours()
    }

    /// Whether `t` lies in `[start, end)`.
    pub fn contains(&self, t: OffsetDateTime) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether the two windows share any hour.
    pub fn overlaps(&self, other: &TimeWindow) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Splits the window into consecutive, non-overlapping windows of at most `max_hours`
    /// hours each, in time order. `max_hours` below 1 is taken as 1.
    pub fn split(&self, max_hours: i64) -> Vec<TimeWindow> {
        let step = Duration::hours(max_hours.max(1));
        let mut out = Vec::new();
        let mut start = self.start;
        while start < self.end {
            let end = (start + step).min(self.end);
            out.push(TimeWindow { start, end });
            start = end;
        }
        out
    }
}

impl std::fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", format_time(self.start), format_time(self.end))
    }
}

impl serde::Serialize for TimeWindow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("TimeWindow", 2)?;
        s.serialize_field("start", &format_time(self.start))?;
        s.serialize_field("end", &format_time(self.end))?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn parses_dates_and_rfc3339() {
        assert_eq!(
            TimeInput::parse("2015-08-01"),
            Ok(TimeInput::Date(date!(2015 - 08 - 01)))
        );
        assert_eq!(
            TimeInput::parse("2015-07-01T12:24:00Z").map(TimeInput::to_utc),
            Ok(datetime!(2015-07-01 12:24 UTC))
        );
        assert_eq!(
            TimeInput::parse("2015-07-01T14:24:00+02:00").map(TimeInput::to_utc),
            Ok(datetime!(2015-07-01 12:24 UTC))
        );
        assert!(TimeInput::parse("yesterday").is_err());
        assert!(TimeInput::parse("2015-13-01").is_err());
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd_of_a_real_day() {
        assert_eq!(parse_date("2016-02-29"), Some(date!(2016 - 02 - 29)));
        assert_eq!(parse_date("0001-01-01"), Some(date!(0001 - 01 - 01)));
        assert_eq!(parse_date("9998-12-31"), Some(date!(9998 - 12 - 31)));
        // Outside the years the core computes with (a day after it must exist).
        assert_eq!(parse_date("9999-12-31"), None);
        assert_eq!(parse_date("0000-01-01"), None);
        for bad in [
            "2015-02-29",
            "2015-00-10",
            "2015-13-10",
            "2015-01-00",
            "2015-01-32",
            "2015-1-01",
            "2015-01-1",
            "+2015-01-01",
            "-2015-01-01",
            "2015/01/01",
            "2015-01-01T",
            "20150101",
            "2015-0a-01",
            "२०१५-01-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_day_reads_back_from_how_it_is_written() {
        let mut day = date!(2014 - 01 - 01);
        while day < date!(2030 - 01 - 01) {
            let written = format_time(day.with_time(Time::MIDNIGHT).assume_utc());
            assert_eq!(parse_date(&written[..10]), Some(day), "{written}");
            assert!(written.ends_with("T00:00:00Z"), "{written}");
            day = day.next_day().unwrap();
        }
        assert_eq!(
            format_time(datetime!(2015-09-14 19:07:05.5 +02:00)),
            "2015-09-14T17:07:05Z"
        );
    }

    #[test]
    fn rounding_matches_the_documented_example() {
        let w = TimeWindow::rounded(
            datetime!(2015-07-01 12:24 UTC),
            datetime!(2015-07-10 08:37 UTC),
        )
        .unwrap();
        assert_eq!(w.start(), datetime!(2015-07-01 12:00 UTC));
        assert_eq!(w.end(), datetime!(2015-07-10 09:00 UTC));
        assert_eq!(
            ceil_hour(datetime!(2015-07-10 09:00 UTC)),
            datetime!(2015-07-10 09:00 UTC)
        );
    }

    #[test]
    fn split_is_consecutive_and_bounded() {
        let w = TimeWindow::new(
            datetime!(2024-01-01 0:00 UTC),
            datetime!(2024-03-11 5:00 UTC),
        )
        .unwrap();
        let parts = w.split(672);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].start(), w.start());
        assert_eq!(parts[2].end(), w.end());
        for pair in parts.windows(2) {
            assert_eq!(pair[0].end(), pair[1].start());
            assert!(!pair[0].overlaps(&pair[1]));
        }
        assert!(parts.iter().all(|p| p.hours() <= 672));
    }

    #[test]
    fn refuses_empty_and_unaligned_windows() {
        let t = datetime!(2024-01-01 0:00 UTC);
        assert!(matches!(
            TimeWindow::new(t, t),
            Err(TimeWindowError::NotAfterStart { .. })
        ));
        assert!(matches!(
            TimeWindow::new(t, datetime!(2024-01-01 0:30 UTC)),
            Err(TimeWindowError::NotOnHour(_))
        ));
    }
}
