//! CAP date-times: `xs:dateTime` restricted by the pattern
//! `\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d` — seconds without fractions and an
//! explicit numeric offset; "Z" is not allowed (CAP 1.2 §3.3.2).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A date-time that satisfies the CAP pattern; displays in CAP form (`2024-05-19T17:18:00+04:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CapDateTime(DateTime<FixedOffset>);

/// Why a text is not a CAP date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateTimeError {
    #[error("{0:?} does not match YYYY-MM-DDThh:mm:ss+hh:mm (CAP requires an explicit offset, no \"Z\", no fractions)")]
    Pattern(String),
    #[error("{0:?} is not a real date and time: {1}")]
    OutOfRange(String, &'static str),
}

impl CapDateTime {
    pub fn new(at: DateTime<FixedOffset>) -> Self {
        // CAP has no sub-second precision: drop it so that written and read values agree.
        CapDateTime(at - Duration::nanoseconds(i64::from(at.timestamp_subsec_nanos())))
    }

    pub fn as_datetime(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// Parses the XSD lexical form (surrounding whitespace is collapsed away, as
    /// `xs:dateTime` does).
    pub fn parse(text: &str) -> Result<Self, DateTimeError> {
        let t = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        let b = t.as_bytes();
        let pattern_ok = b.len() == 25
            && [
                0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24,
            ]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && matches!(b[19], b'+' | b'-' | b',')
            && b[22] == b':';
        if !pattern_ok {
            return Err(DateTimeError::Pattern(text.to_string()));
        }
        let num = |from: usize, to: usize| -> u32 {
            b[from..to]
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let out_of_range = |why| DateTimeError::OutOfRange(text.to_string(), why);
        // The pattern admits ',' but xs:dateTime (the base type) does not.
        let sign: i32 = match b[19] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(out_of_range("the offset sign must be + or -")),
        };
        let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
        let (hour, minute, second) = (num(11, 13), num(14, 16), num(17, 19));
        let (off_h, off_m) = (num(20, 22), num(23, 25));
        if year == 0 {
            return Err(out_of_range("year 0000 does not exist"));
        }
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)
            .ok_or_else(|| out_of_range("no such calendar date"))?;
        if minute > 59 || second > 59 {
            return Err(out_of_range("minutes and seconds run 00-59"));
        }
        // xs:dateTime allows 24:00:00 as the end of the day.
        let naive = match hour {
            0..=23 => NaiveDateTime::new(
                date,
                NaiveTime::from_hms_opt(hour, minute, second)
                    .ok_or_else(|| out_of_range("bad time"))?,
            ),
            24 if minute == 0 && second == 0 => {
                NaiveDateTime::new(date, NaiveTime::MIN) + Duration::days(1)
            }
            _ => return Err(out_of_range("hours run 00-23 (or 24:00:00)")),
        };
        if off_m > 59 || off_h > 14 || (off_h == 14 && off_m != 0) {
            return Err(out_of_range("the offset must lie within -14:00..+14:00"));
        }
        let offset_secs = sign * (off_h * 3600 + off_m * 60) as i32;
        let offset =
            FixedOffset::east_opt(offset_secs).ok_or_else(|| out_of_range("bad offset"))?;
        let at = naive
            .and_local_timezone(offset)
            .single()
            .ok_or_else(|| out_of_range("bad local time"))?;
        Ok(CapDateTime(at))
    }
}

impl std::fmt::Display for CapDateTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%:z"))
    }
}

impl Serialize for CapDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CapDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CapDateTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_offsets_are_accepted_and_round_trip() {
        for text in [
            "2024-05-19T17:18:00+04:00",
            "2014-05-08T10:31:00-00:00",
            "2003-04-02T14:39:01-05:00",
        ] {
            let parsed = CapDateTime::parse(text).unwrap();
            assert_eq!(CapDateTime::parse(&parsed.to_string()).unwrap(), parsed);
        }
        assert_eq!(
            CapDateTime::parse("2024-05-19T17:18:00+04:00")
                .unwrap()
                .to_string(),
            "2024-05-19T17:18:00+04:00"
        );
    }

    #[test]
    fn zulu_fractions_and_missing_offsets_break_the_pattern() {
        for text in [
            "2024-05-19T17:18:00Z",
            "2024-05-19T17:18:00.5+04:00",
            "2024-05-19T17:18:00",
            "2024-05-19 17:18:00+04:00",
            "",
        ] {
            assert!(
                matches!(CapDateTime::parse(text), Err(DateTimeError::Pattern(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn impossible_dates_are_out_of_range() {
        for text in [
            "2023-02-29T00:00:00+08:00",
            "2024-13-01T00:00:00+08:00",
            "2024-01-01T23:60:00+08:00",
            "2024-01-01T00:00:00+15:00",
            "2024-01-01T00:00:00,08:00",
            "0000-01-01T00:00:00+00:00",
        ] {
            assert!(
                matches!(CapDateTime::parse(text), Err(DateTimeError::OutOfRange(..))),
                "{text}"
            );
        }
        assert_eq!(
            CapDateTime::parse("2024-02-28T24:00:00+08:00").unwrap(),
            CapDateTime::parse("2024-02-29T00:00:00+08:00").unwrap()
        );
    }
}
