//! The county boundary, the first thing loaded: every other record is checked against it.

use crate::files::{ImportError, RowError};
use geo::MultiPolygon;
use yingji_domain::County;

/// Reads a FeatureCollection whose first feature is the county: its `code` and `name`
/// properties and a Polygon or MultiPolygon boundary.
pub fn county_from_geojson(bytes: &[u8]) -> Result<County, ImportError> {
    let row_error = |field: &str, reason: String| {
        ImportError::Rows(vec![RowError {
            row: 1,
            field: field.into(),
            reason,
        }])
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ImportError::Malformed(format!("not UTF-8: {e}")))?;
    let geojson: geojson::GeoJson = text
        .parse()
        .map_err(|e| ImportError::Malformed(format!("malformed GeoJSON: {e}")))?;
    let feature = match geojson {
        geojson::GeoJson::FeatureCollection(fc) => fc.features.into_iter().next(),
        geojson::GeoJson::Feature(f) => Some(f),
        geojson::GeoJson::Geometry(_) => None,
    }
    .ok_or_else(|| {
        ImportError::Malformed("expected a Feature holding the county boundary".into())
    })?;
    let property = |name: &str| {
        feature
            .property(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let code = property("code").ok_or_else(|| {
        row_error(
            "properties.code",
            "the county needs its 6-digit code".into(),
        )
    })?;
    let name = property("name")
        .ok_or_else(|| row_error("properties.name", "the county needs a name".into()))?;
    let geometry = feature
        .geometry
        .as_ref()
        .ok_or_else(|| row_error("geometry", "the county needs a boundary".into()))?;
    let boundary: MultiPolygon<f64> = match geo::Geometry::<f64>::try_from(&geometry.value) {
        Ok(geo::Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Ok(geo::Geometry::MultiPolygon(mp)) => mp,
        _ => {
            return Err(row_error(
                "geometry",
                "the boundary must be a Polygon or MultiPolygon".into(),
            ))
        }
    };
    County::new(&code, &name, boundary)
        .ok_or_else(|| row_error("geometry", "the boundary is empty".into()))
}
