//! Byte-stable writers: GeoJSON FeatureCollections with one feature per line
//! (diff-friendly, compact), and CSV files.
//!
//! Properties are serialised from structs (fixed field order), never from
//! `serde_json::Map`, whose key order depends on a Cargo feature another crate
//! in the workspace may switch on.

use geo::{Coord, MultiPolygon};
use serde::Serialize;

use crate::error::{DatagenError, Result};
use crate::geometry::round6;

/// A GeoJSON geometry with coordinates already rounded to 6 decimals.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", content = "coordinates")]
pub enum Geometry {
    Point([f64; 2]),
    MultiPolygon(Vec<Vec<Vec<[f64; 2]>>>),
}

impl Geometry {
    pub fn point(c: Coord) -> Self {
        Geometry::Point([round6(c.x), round6(c.y)])
    }

    pub fn multi_polygon(shape: &MultiPolygon<f64>) -> Self {
        let ring = |ls: &geo::LineString<f64>| -> Vec<[f64; 2]> {
            ls.coords().map(|c| [round6(c.x), round6(c.y)]).collect()
        };
        Geometry::MultiPolygon(
            shape
                .iter()
                .map(|polygon| {
                    std::iter::once(polygon.exterior())
                        .chain(polygon.interiors())
                        .map(ring)
                        .collect()
                })
                .collect(),
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Feature<P: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    pub id: String,
    pub geometry: Geometry,
    pub properties: P,
}

impl<P: Serialize> Feature<P> {
    pub fn new(id: impl Into<String>, geometry: Geometry, properties: P) -> Self {
        Self {
            kind: "Feature",
            id: id.into(),
            geometry,
            properties,
        }
    }
}

/// Serialises features, sorted by id, as a FeatureCollection.
pub fn feature_collection<P: Serialize>(
    what: &str,
    mut features: Vec<Feature<P>>,
) -> Result<Vec<u8>> {
    features.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (index, feature) in features.iter().enumerate() {
        if index > 0 {
            out.push_str(",\n");
        }
        out.push_str(&to_json(what, feature)?);
    }
    out.push_str("\n]}\n");
    Ok(out.into_bytes())
}

pub fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| DatagenError::Serialise {
        what: what.to_string(),
        reason: e.to_string(),
    })
}

/// Serialises rows (already in their final order) as CSV with a header line.
pub fn csv_file<T: Serialize>(what: &str, rows: &[T]) -> Result<Vec<u8>> {
    let serialise_error = |reason: String| DatagenError::Serialise {
        what: what.to_string(),
        reason,
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .serialize(row)
            .map_err(|e| serialise_error(e.to_string()))?;
    }
    writer
        .into_inner()
        .map_err(|e| serialise_error(e.to_string()))
}
