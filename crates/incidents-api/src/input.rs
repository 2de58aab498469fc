//! Parsing request fields into domain values, each error naming its field.

use serde_json::Value;
use yingji_domain::{County, FieldError, LonLat};

/// A location as `[lon, lat]` or a GeoJSON Point, accepted only inside the county.
pub fn location(field: &str, raw: Option<&Value>, county: &County) -> Result<LonLat, FieldError> {
    let raw =
        raw.ok_or_else(|| FieldError::new(field, "required", "a location [lon, lat] is required"))?;
    let coordinates = match raw {
        Value::Array(_) => raw,
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("Point") => {
            o.get("coordinates").unwrap_or(&Value::Null)
        }
        _ => &Value::Null,
    };
    let pair = coordinates
        .as_array()
        .filter(|c| c.len() == 2)
        .and_then(|c| Some((c[0].as_f64()?, c[1].as_f64()?)))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_coordinate",
                "expected [lon, lat] or a GeoJSON Point",
            )
        })?;
    let at = LonLat::parse(field, pair.0, pair.1)?;
    county.locate(field, at)
}

/// An optional affected area: a GeoJSON Polygon or MultiPolygon.
pub fn area(field: &str, raw: Option<&Value>) -> Result<Option<Value>, FieldError> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let kind = raw.get("type").and_then(Value::as_str);
    let rings_ok = raw
        .get("coordinates")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    if !matches!(kind, Some("Polygon" | "MultiPolygon")) || !rings_ok {
        return Err(FieldError::new(
            field,
            "invalid_geojson",
            "the affected area is a GeoJSON Polygon or MultiPolygon",
        ));
    }
    let shape = geo::Geometry::<f64>::try_from(
        serde_json::from_value::<geojson::Geometry>(raw.clone())
            .map_err(|e| FieldError::new(field, "invalid_geojson", e.to_string()))?,
    );
    if shape.is_err() {
        return Err(FieldError::new(
            field,
            "invalid_geojson",
            "the polygon's rings are malformed",
        ));
    }
    Ok(Some(raw.clone()))
}

pub fn text(
    field: &str,
    raw: Option<&Value>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    match raw {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max_chars => Ok(Some(s.trim().to_string())),
        Some(Value::String(_)) => Err(FieldError::new(
            field,
            "too_large",
            format!("at most {max_chars} characters"),
        )),
        Some(_) => Err(FieldError::new(field, "invalid_value", "expected a string")),
    }
}

pub fn required_text(
    field: &str,
    raw: Option<&Value>,
    max_chars: usize,
) -> Result<String, FieldError> {
    text(field, raw, max_chars)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FieldError::new(field, "required", format!("{field} is required")))
}

pub fn flag(field: &str, raw: Option<&Value>) -> Result<bool, FieldError> {
    match raw {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(FieldError::new(
            field,
            "invalid_value",
            "expected true or false",
        )),
    }
}

pub fn time(
    field: &str,
    raw: Option<&Value>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, FieldError> {
    text(field, raw, 64)?
        .map(|t| yingji_domain::time::parse_rfc3339(field, &t))
        .transpose()
}

/// An optional drill id (`drill`): 1–64 of `A-Z a-z 0-9 _ -`.
pub fn drill(raw: Option<&Value>) -> Result<Option<yingji_incidents::DrillId>, FieldError> {
    text("drill", raw, yingji_incidents::DrillId::MAX_CHARS + 1)?
        .map(|d| yingji_incidents::DrillId::parse("drill", &d))
        .transpose()
}
