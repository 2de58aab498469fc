//! Time: stored and exchanged in UTC, shown to people in Asia/Shanghai.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Asia::Shanghai;

/// The wire form of a timestamp: RFC 3339 in UTC with milliseconds. Fixed width, so the
/// stored text sorts in time order on both stores.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_rfc3339(field: &str, raw: &str) -> Result<DateTime<Utc>, crate::FieldError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            crate::FieldError::new(
                field,
                "invalid_time",
                format!("expected an RFC 3339 time: {e}"),
            )
        })
}

/// How a duty officer reads a time: local Beijing time, `2026-07-30 14:05:00`.
pub fn shanghai(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_is_shown_as_beijing_time() {
        let at = parse_rfc3339("t", "2023-07-30T06:00:00Z").unwrap();
        assert_eq!(shanghai(at), "2023-07-30 14:00:00");
        assert_eq!(rfc3339(at), "2023-07-30T06:00:00.000Z");
        assert_eq!(
            parse_rfc3339("sent", "yesterday").unwrap_err().field,
            "sent"
        );
    }
}
