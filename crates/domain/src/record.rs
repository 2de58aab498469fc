//! Registry records: every geographic or listed thing the bureau keeps (towns, villages,
//! shelters, teams, ...), one shape for all kinds, validated per kind by [`RecordKind`].

use crate::codes::{TownCode, VillageCode};
use crate::error::{FieldError, FieldErrors};
use crate::geometry::{self, County, LonLat};
use crate::ids::RecordId;
use crate::kinds::GeometryRule;
use crate::kinds::RecordKind;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Keys that live in a record's own fields, not in its free properties.
const RESERVED: [&str; 5] = ["id", "collection", "town_code", "synthetic", "version"];
/// Upper bound on a record's properties, serialized; keeps one record from bloating the store.
pub const MAX_PROPERTIES_BYTES: usize = 64 * 1024;

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub kind: RecordKind,
    pub id: RecordId,
    pub town_code: Option<TownCode>,
    pub synthetic: bool,
    pub geometry: Option<geojson::Geometry>,
    pub properties: Map<String, Value>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// A record that passed validation and may be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDraft {
    pub kind: RecordKind,
    pub id: RecordId,
    pub town_code: Option<TownCode>,
    pub synthetic: bool,
    pub geometry: Option<geojson::Geometry>,
    pub properties: Map<String, Value>,
}

/// What a record is checked against: the county and the towns it knows.
pub struct RegistryContext<'a> {
    pub county: &'a County,
    pub towns: &'a HashSet<TownCode>,
}

impl Record {
    pub fn is_public(&self) -> bool {
        self.kind.is_public()
    }

    /// The record as a GeoJSON Feature: its own fields are repeated in `properties`
    /// so that clients reading only properties (map popups, CSV export) see them.
    pub fn to_feature(&self) -> geojson::Feature {
        let mut properties = self.properties.clone();
        properties.insert("id".into(), Value::from(self.id.as_str()));
        properties.insert("collection".into(), Value::from(self.kind.collection()));
        if let Some(town) = &self.town_code {
            properties.insert("town_code".into(), Value::from(town.as_str()));
        }
        properties.insert("synthetic".into(), Value::from(self.synthetic));
        properties.insert("version".into(), Value::from(self.version));
        properties.insert(
            "updated_at".into(),
            Value::from(crate::time::rfc3339(self.updated_at)),
        );
        geojson::Feature {
            bbox: None,
            geometry: self.geometry.clone(),
            id: Some(geojson::feature::Id::String(self.id.to_string())),
            properties: Some(properties),
            foreign_members: None,
        }
    }

    pub fn anchor(&self) -> Option<LonLat> {
        self.geometry
            .as_ref()
            .and_then(|g| geometry::anchor(&g.value))
    }
}

impl RecordDraft {
    /// Parses a GeoJSON Feature (or, for kinds without geometry, a Feature with a null
    /// geometry or a plain object of properties) into a draft, collecting every problem.
    pub fn from_feature(
        kind: RecordKind,
        input: &Value,
        ctx: &RegistryContext<'_>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(object) = input.as_object() else {
            return Err(
                FieldError::new("", "invalid_json", "expected a GeoJSON Feature object").into(),
            );
        };
        let is_feature = object.get("type").and_then(Value::as_str) == Some("Feature");
        let properties = if is_feature {
            match object.get("properties") {
                Some(Value::Object(p)) => p.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(_) => {
                    return Err(
                        FieldError::new("properties", "invalid_json", "must be an object").into(),
                    )
                }
            }
        } else {
            object.clone()
        };

        let id = errors.take(parse_id(kind, object, &properties));
        let synthetic = match properties.get("synthetic") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                errors.push(FieldError::new(
                    "properties.synthetic",
                    "invalid_value",
                    "must be true or false",
                ));
                false
            }
        };
        let geometry = if is_feature {
            object.get("geometry")
        } else {
            properties.get("geometry")
        };
        let geometry = errors
            .take(parse_geometry(kind, geometry, ctx.county))
            .flatten();
        let town_code = errors
            .take(parse_town(
                kind,
                id.as_ref(),
                &properties,
                geometry.as_ref(),
                ctx,
            ))
            .flatten();
        for e in kind.check_properties(&properties) {
            errors.push(e);
        }
        let mut kept: Map<String, Value> = properties
            .into_iter()
            .filter(|(k, _)| {
                !RESERVED.contains(&k.as_str()) && k != "geometry" && k != "updated_at"
            })
            .collect();
        kept.retain(|_, v| !v.is_null());
        let size = serde_json::to_vec(&kept)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if size > MAX_PROPERTIES_BYTES {
            errors.push(FieldError::new(
                "properties",
                "too_large",
                format!("properties take {size} bytes; at most {MAX_PROPERTIES_BYTES} are allowed"),
            ));
        }
        let (Some(id), true) = (id, errors.0.is_empty()) else {
            return Err(errors);
        };
        Ok(Self {
            kind,
            id,
            town_code,
            synthetic,
            geometry,
            properties: kept,
        })
    }
}

fn parse_id(
    kind: RecordKind,
    object: &Map<String, Value>,
    properties: &Map<String, Value>,
) -> Result<RecordId, FieldError> {
    let raw = match (object.get("id"), properties.get("id")) {
        (Some(Value::String(s)), _) | (None | Some(Value::Null), Some(Value::String(s))) => {
            s.clone()
        }
        (Some(Value::Number(n)), _) | (None | Some(Value::Null), Some(Value::Number(n))) => {
            n.to_string()
        }
        _ => natural_id(kind, properties)
            .ok_or_else(|| FieldError::new("id", "required", "every record needs an id"))?,
    };
    RecordId::parse("id", &raw)
}

/// Kinds whose rows are identified by their content: a supply batch is
/// `<depot_id>.<item_code>.<batch>`, so stock lists need no invented ID column.
fn natural_id(kind: RecordKind, properties: &Map<String, Value>) -> Option<String> {
    let text = |key: &str| {
        properties
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match kind {
        RecordKind::Supply => Some(format!(
            "{}.{}.{}",
            text("depot_id")?,
            text("item_code")?,
            text("batch").unwrap_or("none")
        )),
        _ => None,
    }
}

fn parse_geometry(
    kind: RecordKind,
    raw: Option<&Value>,
    county: &County,
) -> Result<Option<geojson::Geometry>, FieldError> {
    let rule = kind.geometry();
    let raw = match raw {
        None | Some(Value::Null) if rule == GeometryRule::None => return Ok(None),
        None | Some(Value::Null) => {
            return Err(FieldError::new(
                "geometry",
                "required",
                format!("a {} needs a geometry", kind.tag()),
            ))
        }
        Some(_) if rule == GeometryRule::None => {
            return Err(FieldError::new(
                "geometry",
                "invalid_value",
                format!("a {} has no geometry", kind.tag()),
            ))
        }
        Some(raw) => raw,
    };
    let geometry = geojson::Geometry::from_json_value(raw.clone()).map_err(|e| {
        FieldError::new(
            "geometry",
            "invalid_geojson",
            format!("malformed GeoJSON geometry: {e}"),
        )
    })?;
    for position in geometry::positions(&geometry.value) {
        match position.as_slice() {
            [lon, lat, ..] => {
                LonLat::parse("geometry", *lon, *lat)?;
            }
            _ => {
                return Err(FieldError::new(
                    "geometry",
                    "invalid_geojson",
                    "a position needs longitude and latitude",
                ))
            }
        }
    }
    match (rule, &geometry.value) {
        (GeometryRule::Point, geojson::Value::Point(p)) => {
            county.locate(
                "geometry",
                LonLat {
                    lon: p[0],
                    lat: p[1],
                },
            )?;
        }
        (GeometryRule::Point, _) => {
            return Err(FieldError::new(
                "geometry",
                "invalid_geojson",
                format!("a {} is a Point", kind.tag()),
            ))
        }
        (GeometryRule::Area, geojson::Value::Polygon(_) | geojson::Value::MultiPolygon(_)) => {
            let bbox = county.bbox();
            let anchor = geometry::anchor(&geometry.value);
            let near = anchor.is_some_and(|a| {
                (bbox.min().x - 0.2..=bbox.max().x + 0.2).contains(&a.lon)
                    && (bbox.min().y - 0.2..=bbox.max().y + 0.2).contains(&a.lat)
            });
            if !near {
                return Err(FieldError::new(
                    "geometry",
                    "outside_county",
                    "the area does not lie in the county",
                ));
            }
        }
        (GeometryRule::Area, _) => {
            return Err(FieldError::new(
                "geometry",
                "invalid_geojson",
                format!("a {} is a Polygon or MultiPolygon", kind.tag()),
            ))
        }
        (GeometryRule::None, _) => unreachable!("handled above"),
    }
    Ok(Some(geometry))
}

fn parse_town(
    kind: RecordKind,
    id: Option<&RecordId>,
    properties: &Map<String, Value>,
    _geometry: Option<&geojson::Geometry>,
    ctx: &RegistryContext<'_>,
) -> Result<Option<TownCode>, FieldError> {
    if !kind.needs_town() {
        return Ok(None);
    }
    let raw = match (kind, properties.get("town_code"), id) {
        (_, Some(Value::String(s)), _) => s.clone(),
        (RecordKind::Town | RecordKind::TownArea, None | Some(Value::Null), Some(id)) => {
            id.to_string()
        }
        (RecordKind::Village, None | Some(Value::Null), Some(id)) => {
            VillageCode::parse("id", id.as_str())?.town().to_string()
        }
        _ => {
            return Err(FieldError::new(
                "properties.town_code",
                "required",
                "the record must name its town",
            ))
        }
    };
    let town = TownCode::parse("properties.town_code", &raw)?;
    if town.county() != ctx.county.code {
        return Err(FieldError::new(
            "properties.town_code",
            "unknown_town",
            format!(
                "{town} is not a town of {} ({})",
                ctx.county.name, ctx.county.code
            ),
        ));
    }
    match kind {
        RecordKind::Town => {}
        RecordKind::Village => {
            let village = VillageCode::parse("id", id.map(RecordId::as_str).unwrap_or_default())?;
            // A village lies in the town its code names. The one exception is a statistical
            // unit without territory (Jizhou's economic development zone, 120119401): its
            // "virtual community" is hosted by a real town, named in town_code.
            if village.town() != town && ctx.towns.contains(&village.town()) {
                return Err(FieldError::new(
                    "properties.town_code",
                    "invalid_value",
                    format!(
                        "village {village} belongs to town {}, not {town}",
                        village.town()
                    ),
                ));
            }
            check_known(&town, ctx)?;
        }
        _ => check_known(&town, ctx)?,
    }
    Ok(Some(town))
}

fn check_known(town: &TownCode, ctx: &RegistryContext<'_>) -> Result<(), FieldError> {
    if ctx.towns.contains(town) {
        Ok(())
    } else {
        Err(FieldError::new(
            "properties.town_code",
            "unknown_town",
            format!("no town has the code {town}"),
        ))
    }
}

#[cfg(test)]
mod tests;
