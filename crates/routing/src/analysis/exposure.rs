//! Exposure: villages and population inside a polygon or within a distance of a point.

use geo::{Area, Contains, MultiPolygon};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{collection, point_feature, validate_villages, Village};
use crate::error::{Result, RoutingError};
use crate::geometry::{haversine_m, LonLat};

/// An area of interest: a hazard or flood zone, or a radius around a point.
#[derive(Debug, Clone, PartialEq)]
pub enum ExposureArea {
    Polygon(MultiPolygon<f64>),
    Circle { center: LonLat, radius_m: f64 },
}

impl ExposureArea {
    /// Refuses empty or degenerate areas.
    pub(crate) fn validate(&self) -> Result<()> {
        match self {
            ExposureArea::Polygon(p) => {
                if p.0.is_empty() || p.unsigned_area() == 0.0 {
                    return Err(RoutingError::invalid(
                        "area",
                        "the polygon is empty (no area)",
                    ));
                }
            }
            ExposureArea::Circle { center, radius_m } => {
                center.validate("area.center")?;
                if !(radius_m.is_finite() && *radius_m > 0.0) {
                    return Err(RoutingError::invalid(
                        "area.radius_m",
                        format!("must be positive, got {radius_m}"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn contains(&self, p: LonLat) -> bool {
        match self {
            ExposureArea::Polygon(polygon) => polygon.contains(&p.to_point()),
            ExposureArea::Circle { center, radius_m } => haversine_m(*center, p) <= *radius_m,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureReport {
    /// Indices into the input and ids of the exposed villages.
    pub village_ids: Vec<String>,
    pub villages: usize,
    pub population: i64,
    #[serde(skip)]
    indices: Vec<usize>,
}

impl ExposureReport {
    pub fn geojson(&self, villages: &[Village]) -> geojson::FeatureCollection {
        collection(
            self.indices
                .iter()
                .map(|&i| {
                    let v = &villages[i];
                    point_feature(v.position, json!({"village_id": v.id, "name": v.name, "town": v.town, "population": v.population}))
                })
                .collect(),
        )
    }
}

pub fn exposure(villages: &[Village], area: &ExposureArea) -> Result<ExposureReport> {
    validate_villages(villages)?;
    area.validate()?;
    let indices: Vec<usize> = (0..villages.len())
        .filter(|&i| area.contains(villages[i].position))
        .collect();
    Ok(ExposureReport {
        village_ids: indices.iter().map(|&i| villages[i].id.clone()).collect(),
        villages: indices.len(),
        population: indices.iter().map(|&i| villages[i].population).sum(),
        indices,
    })
}
