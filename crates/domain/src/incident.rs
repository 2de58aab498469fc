//! Incidents (突发事件) as the national classification of emergencies names them, their
//! severity grades, status and timeline.

use crate::error::FieldError;

/// The four categories of the Emergency Response Law (突发事件应对法) and their sub-types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 自然灾害
    NaturalDisaster,
    /// 事故灾难
    Accident,
    /// 公共卫生事件
    PublicHealth,
    /// 社会安全事件
    SocialSafety,
}

/// Sub-types: (tag, category, zh-CN name, English name).
pub const SUBTYPES: &[(&str, Category, &str, &str)] = &[
    ("flood", Category::NaturalDisaster, "洪涝灾害", "Flood"),
    ("rainstorm", Category::NaturalDisaster, "暴雨", "Rainstorm"),
    (
        "geological_hazard",
        Category::NaturalDisaster,
        "地质灾害",
        "Geological hazard",
    ),
    (
        "forest_fire",
        Category::NaturalDisaster,
        "森林火灾",
        "Forest fire",
    ),
    (
        "earthquake",
        Category::NaturalDisaster,
        "地震灾害",
        "Earthquake",
    ),
    ("drought", Category::NaturalDisaster, "干旱", "Drought"),
    (
        "snow_ice",
        Category::NaturalDisaster,
        "低温雨雪冰冻",
        "Snow and ice",
    ),
    (
        "hazardous_chemicals",
        Category::Accident,
        "危险化学品事故",
        "Hazardous-chemical accident",
    ),
    ("mine", Category::Accident, "矿山事故", "Mine accident"),
    (
        "road_traffic",
        Category::Accident,
        "道路交通事故",
        "Road accident",
    ),
    ("fire", Category::Accident, "火灾事故", "Fire"),
    (
        "construction",
        Category::Accident,
        "建筑施工事故",
        "Construction accident",
    ),
    (
        "utility_outage",
        Category::Accident,
        "水电气供应事故",
        "Utility outage",
    ),
    ("epidemic", Category::PublicHealth, "传染病疫情", "Epidemic"),
    (
        "food_safety",
        Category::PublicHealth,
        "食品安全事件",
        "Food safety",
    ),
    (
        "mass_incident",
        Category::SocialSafety,
        "群体性事件",
        "Mass incident",
    ),
    (
        "public_security",
        Category::SocialSafety,
        "社会治安事件",
        "Public security",
    ),
];

/// A sub-type with its category, parsed from its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct IncidentType {
    pub subtype: &'static str,
    pub category: Category,
}

impl IncidentType {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        SUBTYPES
            .iter()
            .find(|(tag, ..)| *tag == raw)
            .map(|(tag, category, ..)| Self {
                subtype: tag,
                category: *category,
            })
            .ok_or_else(|| {
                let tags: Vec<_> = SUBTYPES.iter().map(|(t, ..)| *t).collect();
                FieldError::new(
                    field,
                    "invalid_value",
                    format!("unknown incident type {raw:?}; one of {}", tags.join(", ")),
                )
            })
    }

    pub fn name_zh(self) -> &'static str {
        SUBTYPES
            .iter()
            .find(|(t, ..)| *t == self.subtype)
            .map(|(_, _, zh, _)| *zh)
            .unwrap_or_default()
    }
}

/// Severity grade: I 特别重大 (most severe) … IV 一般. The response level a grade calls for
/// has the same number (一级响应 … 四级响应).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Severity {
    I,
    II,
    III,
    IV,
}

impl Severity {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw {
            "I" | "1" => Ok(Self::I),
            "II" | "2" => Ok(Self::II),
            "III" | "3" => Ok(Self::III),
            "IV" | "4" => Ok(Self::IV),
            _ => Err(FieldError::new(
                field,
                "invalid_value",
                "severity is I, II, III or IV",
            )),
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::I => "特别重大",
            Self::II => "重大",
            Self::III => "较大",
            Self::IV => "一般",
        }
    }

    pub fn response_level_zh(self) -> &'static str {
        match self {
            Self::I => "一级响应",
            Self::II => "二级响应",
            Self::III => "三级响应",
            Self::IV => "四级响应",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Open,
    Responding,
    Recovering,
    Closed,
}

impl IncidentStatus {
    /// Status moves forward only; a closed incident is reopened by a new incident, so
    /// its record and reports stay as filed.
    pub fn can_become(self, next: Self) -> bool {
        use IncidentStatus::*;
        matches!(
            (self, next),
            (Open, Responding)
                | (Open, Closed)
                | (Responding, Recovering)
                | (Responding, Closed)
                | (Recovering, Closed)
        )
    }
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Report,
    Warning,
    Order,
    StatusChange,
    PlanActivated,
    Task,
    Note,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtypes_belong_to_their_category() {
        let t = IncidentType::parse("type", "geological_hazard").unwrap();
        assert_eq!(t.category, Category::NaturalDisaster);
        assert_eq!(t.name_zh(), "地质灾害");
        assert_eq!(
            IncidentType::parse("type", "hazardous_chemicals")
                .unwrap()
                .category,
            Category::Accident
        );
        assert_eq!(
            IncidentType::parse("type", "alien").unwrap_err().field,
            "type"
        );
    }

    #[test]
    fn severity_orders_from_most_severe() {
        assert!(Severity::I < Severity::IV);
        assert_eq!(Severity::parse("severity", "II").unwrap().name_zh(), "重大");
        assert_eq!(Severity::III.response_level_zh(), "三级响应");
        assert!(Severity::parse("severity", "V").is_err());
    }

    #[test]
    fn status_moves_forward_only() {
        use IncidentStatus::*;
        assert!(Open.can_become(Responding));
        assert!(Responding.can_become(Recovering));
        assert!(!Closed.can_become(Open));
        assert!(!Recovering.can_become(Responding));
    }
}
