//! Stable record identifiers.

use crate::error::FieldError;

/// A record's stable ID: 1–64 characters of ASCII letters, digits, `-`, `_`, `.` or `:`.
/// Dataset records keep the IDs of their source (NBS codes, `shelter-001`); records created
/// through the API get a generated one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct RecordId(String);

impl RecordId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                field,
                "invalid_id",
                format!(
                    "an ID has 1 to {} characters, got {}",
                    Self::MAX_LEN,
                    raw.len()
                ),
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
        if let Some(bad) = raw.chars().find(|c| !allowed(*c)) {
            return Err(FieldError::new(
                field,
                "invalid_id",
                format!("an ID may hold only letters, digits, '-', '_', '.' and ':', not {bad:?}"),
            ));
        }
        Ok(Self(raw.to_string()))
    }

    /// A fresh random ID with a readable prefix, e.g. `shelter-6f1c…`.
    pub fn generate(prefix: &str, random: u128) -> Self {
        Self(format!("{prefix}-{random:032x}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dataset_ids_and_refuses_junk() {
        assert!(RecordId::parse("id", "shelter-001").is_ok());
        assert!(RecordId::parse("id", "120119001001").is_ok());
        assert_eq!(RecordId::parse("id", "").unwrap_err().code, "invalid_id");
        assert!(RecordId::parse("id", "a b").is_err());
        assert!(RecordId::parse("id", &"x".repeat(65)).is_err());
    }
}
