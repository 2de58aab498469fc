//! Parsing request input into routing types; every refusal names the field.

use geo::MultiPolygon;
use yingji_routing::LonLat;
use yingji_server::error::ApiError;

/// `"117.40,40.05"` (as in query strings and CLI flags).
pub(crate) fn parse_lon_lat(field: &str, raw: &str) -> Result<LonLat, ApiError> {
    let mut parts = raw.split(',').map(str::trim);
    let numbers = match (parts.next(), parts.next(), parts.next()) {
        (Some(lon), Some(lat), None) => lon.parse::<f64>().ok().zip(lat.parse::<f64>().ok()),
        _ => None,
    };
    let (lon, lat) = numbers.ok_or_else(|| {
        ApiError::new(
            "invalid_coordinate",
            format!("{field} must be LON,LAT in degrees, got {raw:?}"),
        )
        .field(field)
    })?;
    point(field, [lon, lat])
}

/// A `[lon, lat]` pair checked as WGS84.
pub(crate) fn point(field: &str, lon_lat: [f64; 2]) -> Result<LonLat, ApiError> {
    LonLat::checked(lon_lat[0], lon_lat[1], field)
        .map_err(|e| ApiError::new("invalid_coordinate", e.to_string()).field(field))
}

pub(crate) fn points(field: &str, list: &[[f64; 2]]) -> Result<Vec<LonLat>, ApiError> {
    list.iter()
        .enumerate()
        .map(|(i, &p)| point(&format!("{field}[{i}]"), p))
        .collect()
}

/// A GeoJSON Polygon or MultiPolygon geometry.
pub(crate) fn polygon(
    field: &str,
    value: &serde_json::Value,
) -> Result<MultiPolygon<f64>, ApiError> {
    let bad = |why: String| ApiError::new("invalid_geojson", why).field(field);
    let geometry = serde_json::from_value::<geojson::Geometry>(value.clone())
        .map_err(|e| bad(format!("not a GeoJSON geometry: {e}")))?;
    match geo::Geometry::<f64>::try_from(geometry) {
        Ok(geo::Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p])),
        Ok(geo::Geometry::MultiPolygon(m)) => Ok(m),
        Ok(_) => Err(bad("must be a Polygon or MultiPolygon".into())),
        Err(e) => Err(bad(format!("unreadable geometry: {e}"))),
    }
}

/// A positive, finite number.
pub(crate) fn positive(field: &str, value: f64) -> Result<f64, ApiError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ApiError::new(
            "invalid_value",
            format!("{field} must be a positive number, got {value}"),
        )
        .field(field))
    }
}

pub(crate) fn required<T>(field: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::new("required", format!("{field} is required")).field(field))
}
