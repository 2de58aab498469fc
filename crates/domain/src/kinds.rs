//! The registry's record kinds and the property rules of each.
//!
//! One table drives validation for every kind, so adding a kind is adding a row here,
//! not writing another validator.

use crate::error::FieldError;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    County,
    Town,
    TownArea,
    Village,
    Shelter,
    Team,
    Station,
    Depot,
    Supply,
    Helipad,
    Sensor,
    Enterprise,
    HazardPoint,
    Expert,
}

/// What shape of geometry a kind carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryRule {
    None,
    Point,
    Area,
}

/// A property's expected type.
#[derive(Debug, Clone, Copy)]
pub enum PropType {
    Text { max: usize },
    Int { min: i64, max: i64 },
    Number { min: f64, max: f64 },
    Bool,
    OneOf(&'static [&'static str]),
    List,
    Object,
    Date,
}

pub struct PropRule {
    pub name: &'static str,
    pub ty: PropType,
    pub required: bool,
}

const fn req(name: &'static str, ty: PropType) -> PropRule {
    PropRule {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: PropType) -> PropRule {
    PropRule {
        name,
        ty,
        required: false,
    }
}

const NAME: PropType = PropType::Text { max: 200 };
const PEOPLE: PropType = PropType::Int {
    min: 0,
    max: 50_000_000,
};
const COUNT: PropType = PropType::Int {
    min: 0,
    max: 1_000_000_000,
};
const GRADE: PropType = PropType::OneOf(&["red", "orange", "yellow", "blue"]);

impl RecordKind {
    pub const ALL: [RecordKind; 14] = [
        Self::County,
        Self::Town,
        Self::TownArea,
        Self::Village,
        Self::Shelter,
        Self::Team,
        Self::Station,
        Self::Depot,
        Self::Supply,
        Self::Helipad,
        Self::Sensor,
        Self::Enterprise,
        Self::HazardPoint,
        Self::Expert,
    ];

    /// The collection name used in URLs and files (`hazard_points`).
    pub fn collection(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Town => "towns",
            Self::TownArea => "town_areas",
            Self::Village => "villages",
            Self::Shelter => "shelters",
            Self::Team => "teams",
            Self::Station => "stations",
            Self::Depot => "depots",
            Self::Supply => "supplies",
            Self::Helipad => "helipads",
            Self::Sensor => "sensors",
            Self::Enterprise => "enterprises",
            Self::HazardPoint => "hazard_points",
            Self::Expert => "experts",
        }
    }

    pub fn from_collection(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.collection() == name)
    }

    /// The stored tag (`hazard_point`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Town => "town",
            Self::TownArea => "town_area",
            Self::Village => "village",
            Self::Shelter => "shelter",
            Self::Team => "team",
            Self::Station => "station",
            Self::Depot => "depot",
            Self::Supply => "supply",
            Self::Helipad => "helipad",
            Self::Sensor => "sensor",
            Self::Enterprise => "enterprise",
            Self::HazardPoint => "hazard_point",
            Self::Expert => "expert",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// Public records are readable by anyone, without an account: what the public page
    /// needs (the map's base layers, shelters, helipads). Everything else is jurisdiction-scoped.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::County
                | Self::Town
                | Self::TownArea
                | Self::Village
                | Self::Shelter
                | Self::Helipad
        )
    }

    pub fn geometry(self) -> GeometryRule {
        match self {
            Self::County | Self::TownArea => GeometryRule::Area,
            Self::Supply | Self::Expert => GeometryRule::None,
            _ => GeometryRule::Point,
        }
    }

    /// Whether a record of this kind must name the town it belongs to.
    pub fn needs_town(self) -> bool {
        // Supply batches belong to their depot; stock is managed district-wide for now.
        !matches!(self, Self::County | Self::Supply)
    }

    pub fn rules(self) -> &'static [PropRule] {
        use PropType::*;
        match self {
            Self::County => {
                const R: &[PropRule] = &[req("name", NAME), opt("name_en", NAME)];
                R
            }
            Self::Town => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    opt("name_en", NAME),
                    opt("kind", OneOf(&["town", "subdistrict", "township"])),
                    opt("population", PEOPLE),
                    opt("village_units", COUNT),
                ];
                R
            }
            Self::TownArea => {
                const R: &[PropRule] = &[req("name", NAME)];
                R
            }
            Self::Village => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req("population", PEOPLE),
                    opt("unit_type", OneOf(&["village", "community"])),
                ];
                R
            }
            Self::Shelter => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req("kind", OneOf(&["emergency", "fixed"])),
                    req("capacity", PEOPLE),
                    opt("occupancy", PEOPLE),
                    opt("open", Bool),
                ];
                R
            }
            Self::Team => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req(
                        "team_type",
                        OneOf(&["professional", "fire", "forest", "militia", "social"]),
                    ),
                    req(
                        "members",
                        Int {
                            min: 1,
                            max: 100_000,
                        },
                    ),
                    opt("equipment", List),
                    opt("status", OneOf(&["available", "busy", "off_duty"])),
                ];
                R
            }
            Self::Station => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req("station_type", OneOf(&["fire", "forest", "rescue"])),
                ];
                R
            }
            Self::Depot => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    opt("level", OneOf(&["district", "town"])),
                ];
                R
            }
            Self::Supply => {
                const R: &[PropRule] = &[
                    req("depot_id", Text { max: 64 }),
                    req("item_code", Text { max: 64 }),
                    req("item_name", NAME),
                    opt("item_name_en", NAME),
                    req("unit", Text { max: 32 }),
                    req("quantity", COUNT),
                    opt("batch", Text { max: 64 }),
                    opt("expires_on", Date),
                ];
                R
            }
            Self::Helipad => {
                const R: &[PropRule] = &[req("name", NAME), opt("surface", Text { max: 64 })];
                R
            }
            Self::Sensor => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req(
                        "sensor_type",
                        OneOf(&[
                            "rain_gauge",
                            "river_stage",
                            "reservoir_level",
                            "gas_lel",
                            "toxic_gas",
                            "weather_station",
                            "fire_camera",
                        ]),
                    ),
                    opt("datastreams", List),
                    opt("params", Object),
                ];
                R
            }
            Self::Enterprise => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req("industry", Text { max: 64 }),
                    req("risk_grade", GRADE),
                    opt("risk_points", List),
                ];
                R
            }
            Self::HazardPoint => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req(
                        "hazard_type",
                        OneOf(&["landslide", "collapse", "debris_flow", "ground_subsidence"]),
                    ),
                    opt("threatened_people", PEOPLE),
                    opt("threatened_households", PEOPLE),
                    opt("id_threshold", Object),
                ];
                R
            }
            Self::Expert => {
                const R: &[PropRule] = &[
                    req("name", NAME),
                    req("speciality", NAME),
                    opt("organisation", NAME),
                    opt("phone", Text { max: 32 }),
                ];
                R
            }
        }
    }

    /// Checks the properties of one record against this kind's rules; collects every problem.
    pub fn check_properties(self, properties: &Map<String, Value>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for rule in self.rules() {
            let field = format!("properties.{}", rule.name);
            match properties.get(rule.name) {
                None | Some(Value::Null) if rule.required => errors.push(FieldError::new(
                    field,
                    "required",
                    format!("{} is required for a {}", rule.name, self.tag()),
                )),
                None | Some(Value::Null) => {}
                Some(value) => {
                    if let Err(message) = rule.ty.check(value) {
                        errors.push(FieldError::new(field, "invalid_value", message));
                    }
                }
            }
        }
        errors
    }
}

impl PropType {
    fn check(self, value: &Value) -> Result<(), String> {
        match self {
            PropType::Text { max } => match value.as_str() {
                Some(s) if s.trim().is_empty() => Err("must not be empty".into()),
                Some(s) if s.chars().count() > max => {
                    Err(format!("is longer than {max} characters"))
                }
                Some(_) => Ok(()),
                None => Err("must be a string".into()),
            },
            PropType::Int { min, max } => match value.as_i64() {
                Some(n) if n < min => Err(format!("must be at least {min}, got {n}")),
                Some(n) if n > max => Err(format!("must be at most {max}, got {n}")),
                Some(_) => Ok(()),
                None => Err("must be a whole number".into()),
            },
            PropType::Number { min, max } => match value.as_f64() {
                Some(n) if (min..=max).contains(&n) => Ok(()),
                Some(n) => Err(format!("must be between {min} and {max}, got {n}")),
                None => Err("must be a number".into()),
            },
            PropType::Bool => value
                .as_bool()
                .map(|_| ())
                .ok_or_else(|| "must be true or false".into()),
            PropType::OneOf(allowed) => match value.as_str() {
                Some(s) if allowed.contains(&s) => Ok(()),
                _ => Err(format!("must be one of {}", allowed.join(", "))),
            },
            PropType::List => value
                .as_array()
                .map(|_| ())
                .ok_or_else(|| "must be a list".into()),
            PropType::Object => value
                .as_object()
                .map(|_| ())
                .ok_or_else(|| "must be an object".into()),
            PropType::Date => match value.as_str() {
                Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(()),
                _ => Err("must be a date like 2026-07-01".into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn collections_and_tags_round_trip() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::from_collection(kind.collection()), Some(kind));
            assert_eq!(RecordKind::from_tag(kind.tag()), Some(kind));
        }
    }

    #[test]
    fn every_problem_is_named() {
        let errors = RecordKind::Shelter.check_properties(&props(json!({
            "kind": "bunker", "capacity": -5, "name": "x".repeat(201)
        })));
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["properties.name", "properties.kind", "properties.capacity"]
        );
        assert!(errors[2].message.contains("at least 0"));
    }

    #[test]
    fn a_valid_village_passes() {
        let errors = RecordKind::Village.check_properties(&props(json!({
            "name": "五十八间社区居委会", "population": 1200, "unit_type": "community"
        })));
        assert!(errors.is_empty(), "{errors:?}");
    }
}
