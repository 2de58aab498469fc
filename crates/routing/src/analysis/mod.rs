//! Planning analyses on top of the router: coverage, aerial reach, evacuation, exposure.
//! Inputs are plain records (villages, stations, shelters) so that the crate depends on no
//! other yingji crate; each result has a table form (serde) and a GeoJSON form for the map.

mod aerial;
mod coverage;
mod evacuation;
mod exposure;
mod min_cost_flow;

pub use aerial::{aerial_reach, AerialReport, AerialVillage, Helicopter, HelicopterBase};
pub use coverage::{coverage, CoverageReport, VillageCoverage};
pub use evacuation::{
    assign_min_cost, plan_evacuation, Assignment, EvacuationArea, EvacuationPlan, ShelterLoad,
    TransportSolution, Unassigned,
};
pub use exposure::{exposure, ExposureArea, ExposureReport};

use serde::{Deserialize, Serialize};

use crate::error::{Result, RoutingError};
use crate::geometry::LonLat;

/// A village (or community), the unit of population in every analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Village {
    pub id: String,
    pub name: String,
    pub town: String,
    pub position: LonLat,
    pub population: i64,
}

/// A fire, forest-fire or rescue station; `kind` is free text matched exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Station {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub position: LonLat,
}

/// An emergency shelter. `capacity` is optional in the input so that a missing value is
/// refused with a clear error instead of defaulting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shelter {
    pub id: String,
    pub name: String,
    pub position: LonLat,
    pub capacity: Option<i64>,
}

fn validate_villages(villages: &[Village]) -> Result<()> {
    for (i, v) in villages.iter().enumerate() {
        v.position.validate(&format!("villages[{i}].position"))?;
        if v.population < 0 {
            return Err(RoutingError::invalid(
                format!("villages[{i}].population"),
                format!("village {} has negative population {}", v.id, v.population),
            ));
        }
    }
    Ok(())
}

/// A GeoJSON point feature with the given properties.
fn point_feature(position: LonLat, properties: serde_json::Value) -> geojson::Feature {
    let point = geo::Point::new(position.lon, position.lat);
    geojson::Feature {
        geometry: Some(geojson::Geometry::new((&point).into())),
        properties: properties.as_object().cloned(),
        ..Default::default()
    }
}

fn collection(features: Vec<geojson::Feature>) -> geojson::FeatureCollection {
    geojson::FeatureCollection {
        features,
        bbox: None,
        foreign_members: None,
    }
}
