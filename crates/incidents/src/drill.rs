//! Drill marking: a report or incident that belongs to an exercise (演练) carries the drill's
//! id, so drill traffic is told apart from real emergencies and can be listed on its own.

use yingji_domain::FieldError;

/// A drill id: 1–64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DrillId(String);

impl DrillId {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(FieldError::new(
                field,
                "invalid_value",
                format!(
                    "a drill id is 1–{} letters, digits, '_' or '-'",
                    Self::MAX_CHARS
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DrillId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drill_ids_are_short_plain_tokens() {
        assert_eq!(
            DrillId::parse("drill", "flood-2026_07").unwrap().as_str(),
            "flood-2026_07"
        );
        assert!(DrillId::parse("drill", &"a".repeat(64)).is_ok());
        for bad in ["", "has space", "汛期演练", "a/b", &"a".repeat(65)] {
            let err = DrillId::parse("drill", bad).unwrap_err();
            assert_eq!(err.field, "drill", "{bad:?}");
        }
    }
}
