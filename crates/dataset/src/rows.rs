//! Turning file rows into GeoJSON-Feature-shaped JSON, the one input form records parse from.

use crate::files::{ImportError, RowError};
use serde_json::{json, Map, Value};
use yingji_domain::kinds::PropType;
use yingji_domain::RecordKind;

pub fn geojson_rows(bytes: &[u8]) -> Result<Vec<Value>, ImportError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ImportError::Malformed(format!("malformed JSON: {e}")))?;
    match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match value.get("features") {
            Some(Value::Array(features)) => Ok(features.clone()),
            _ => Err(ImportError::Malformed(
                "a FeatureCollection needs a features array".into(),
            )),
        },
        Some("Feature") => Ok(vec![value]),
        _ => Err(ImportError::Malformed(
            "expected a GeoJSON FeatureCollection".into(),
        )),
    }
}

/// CSV columns become properties; `lon` and `lat` columns become a Point. Values are typed
/// by the kind's property rules, so `capacity` arrives as a number and `open` as a boolean;
/// a value that does not fit its type is a row error naming the column.
pub fn csv_rows(kind: RecordKind, bytes: &[u8]) -> Result<Vec<Value>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Malformed(format!("unreadable CSV header: {e}")))?
        .clone();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    row,
                    field: String::new(),
                    reason: format!("unreadable CSV line: {e}"),
                });
                continue;
            }
        };
        let mut properties = Map::new();
        let (mut lon, mut lat) = (None, None);
        for (column, raw) in headers.iter().zip(record.iter()) {
            if raw.is_empty() {
                continue;
            }
            match column {
                "lon" | "longitude" => lon = Some(number(row, column, raw, &mut errors)),
                "lat" | "latitude" => lat = Some(number(row, column, raw, &mut errors)),
                _ => {
                    let value = typed(kind, column, raw).unwrap_or_else(|reason| {
                        errors.push(RowError {
                            row,
                            field: column.to_string(),
                            reason,
                        });
                        Value::Null
                    });
                    properties.insert(column.to_string(), value);
                }
            }
        }
        let geometry = match (lon, lat) {
            (Some(lon), Some(lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
            _ => Value::Null,
        };
        rows.push(json!({"type": "Feature", "geometry": geometry, "properties": properties}));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError::Rows(errors))
    }
}

fn number(row: usize, column: &str, raw: &str, errors: &mut Vec<RowError>) -> f64 {
    raw.parse().unwrap_or_else(|_| {
        errors.push(RowError {
            row,
            field: column.to_string(),
            reason: format!("{raw:?} is not a number"),
        });
        f64::NAN
    })
}

fn typed(kind: RecordKind, column: &str, raw: &str) -> Result<Value, String> {
    let rule = kind.rules().iter().find(|r| r.name == column).map(|r| r.ty);
    match rule {
        Some(PropType::Int { .. }) => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{raw:?} is not a whole number")),
        Some(PropType::Number { .. }) => raw
            .parse::<f64>()
            .map(Value::from)
            .map_err(|_| format!("{raw:?} is not a number")),
        Some(PropType::Bool) | None
            if column == "synthetic" || matches!(rule, Some(PropType::Bool)) =>
        {
            match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(Value::Bool(true)),
                "false" | "0" | "no" => Ok(Value::Bool(false)),
                _ => Err(format!("{raw:?} is not true or false")),
            }
        }
        Some(PropType::List | PropType::Object) => {
            serde_json::from_str(raw).map_err(|e| format!("{raw:?} is not JSON: {e}"))
        }
        _ => Ok(Value::String(raw.to_string())),
    }
}
