//! NBS statistical division codes (统计用区划代码) for towns and villages.

use crate::error::FieldError;

/// A township-level code: 9 digits (6-digit county code + 3-digit town), e.g. `120119100`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct TownCode(String);

/// A village-level code: 12 digits (town code + 3-digit village), e.g. `120119100201`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct VillageCode(String);

fn digits(field: &str, raw: &str, len: usize, what: &str) -> Result<String, FieldError> {
    if raw.len() == len && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_string())
    } else {
        Err(FieldError::new(
            field,
            "invalid_code",
            format!("{what} is an NBS code of {len} digits, got {raw:?}"),
        ))
    }
}

impl TownCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        digits(field, raw, 9, "a town code").map(Self)
    }

    /// The 6-digit county code this town belongs to.
    pub fn county(&self) -> &str {
        &self.0[..6]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl VillageCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        digits(field, raw, 12, "a village code").map(Self)
    }

    /// The town the village belongs to, read from the code itself.
    pub fn town(&self) -> TownCode {
        TownCode(self.0[..9].to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for VillageCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn town_and_village_codes_have_fixed_lengths() {
        let town = TownCode::parse("town_code", "120119100").unwrap();
        assert_eq!(town.county(), "120119");
        assert!(TownCode::parse("town_code", "12011910").is_err());
        assert!(TownCode::parse("town_code", "12011910x").is_err());
        let village = VillageCode::parse("code", "120119100201").unwrap();
        assert_eq!(village.town(), town);
        assert_eq!(
            VillageCode::parse("code", "1201191002").unwrap_err().field,
            "code"
        );
    }
}
