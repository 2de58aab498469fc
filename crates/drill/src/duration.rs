//! Scenario times and durations written as `"3h20m"`, `"45m"`, `"90s"`: seconds from the
//! scenario's start (or a length), parsed at deserialization so a bad one is refused with
//! the line it is on.

use serde::{Deserialize, Deserializer};

/// Whole seconds; a time in a scenario is the offset from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Secs(pub i64);

impl Secs {
    pub fn hours(self) -> f64 {
        self.0 as f64 / 3600.0
    }
}

impl std::fmt::Display for Secs {
    /// `5h07m`, `45m`, `30s`: the form a scenario is written in.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 < 0 {
            write!(f, "-")?;
        }
        let abs = self.0.unsigned_abs();
        let (h, m, s) = (abs / 3600, abs % 3600 / 60, abs % 60);
        match (h, m, s) {
            (0, 0, s) => write!(f, "{s}s"),
            (0, m, 0) => write!(f, "{m}m"),
            (0, m, s) => write!(f, "{m}m{s:02}s"),
            (h, m, 0) => write!(f, "{h}h{m:02}m"),
            (h, m, s) => write!(f, "{h}h{m:02}m{s:02}s"),
        }
    }
}

/// Parses `"2h"`, `"1h30m"`, `"45m"`, `"90s"`, `"0"`.
pub fn parse(text: &str) -> Result<Secs, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Secs(0));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut units = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let scale = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => {
                return Err(format!(
                    "{text:?}: unknown unit {c:?}; write e.g. \"3h20m\", \"45m\" or \"90s\""
                ))
            }
        };
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("{text:?}: a number must come before {c:?}"))?;
        total = n
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("{text:?} is too long"))?;
        digits.clear();
        units += 1;
    }
    if !digits.is_empty() || units == 0 {
        return Err(format!(
            "{text:?}: every number needs a unit (h, m or s), e.g. \"3h20m\""
        ));
    }
    Ok(Secs(total))
}

impl<'de> Deserialize<'de> for Secs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Stored logs keep times as plain seconds (`"at": 5400`); scenario files never do, so that
/// a bare number in a scenario cannot be mistaken for minutes or hours.
pub mod as_seconds {
    use super::Secs;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(secs: &Secs, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(secs.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secs, D::Error> {
        i64::deserialize(d).map(Secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print_alike() {
        assert_eq!(parse("3h20m"), Ok(Secs(12_000)));
        assert_eq!(parse("45m"), Ok(Secs(2_700)));
        assert_eq!(parse("90s"), Ok(Secs(90)));
        assert_eq!(parse("0"), Ok(Secs(0)));
        assert_eq!(Secs(12_000).to_string(), "3h20m");
        assert_eq!(Secs(2_700).to_string(), "45m");
        assert_eq!(Secs(-2_327).to_string(), "-38m47s");
        assert!(parse("3x").unwrap_err().contains("unknown unit"));
        assert!(parse("20").unwrap_err().contains("needs a unit"));
        assert!(parse("h").unwrap_err().contains("number must come"));
    }
}
