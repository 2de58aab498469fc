//! Aerial reach: villages a helicopter cannot reach within a time limit (straight-line legs).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{collection, point_feature, validate_villages, Village};
use crate::error::{Result, RoutingError};
use crate::geometry::{haversine_m, LonLat};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelicopterBase {
    pub id: String,
    pub position: LonLat,
}

/// Flight model: time = preparation + straight-line distance / cruise speed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Helicopter {
    pub bases: Vec<HelicopterBase>,
    pub cruise_speed_kmh: f64,
    pub preparation_minutes: f64,
    /// The target, 120 minutes in the plan ("aerial rescue within 2 hours").
    pub max_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AerialVillage {
    pub village_id: String,
    pub name: String,
    pub town: String,
    pub population: i64,
    pub nearest_base: String,
    pub minutes: f64,
    pub reachable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AerialReport {
    pub max_minutes: f64,
    pub villages: Vec<AerialVillage>,
    pub unreachable_villages: usize,
    pub unreachable_population: i64,
}

impl AerialReport {
    pub fn unreachable_geojson(&self, villages: &[Village]) -> geojson::FeatureCollection {
        collection(
            self.villages
                .iter()
                .zip(villages)
                .filter(|(a, _)| !a.reachable)
                .map(|(a, v)| point_feature(v.position, json!(a)))
                .collect(),
        )
    }
}

pub fn aerial_reach(villages: &[Village], helicopter: &Helicopter) -> Result<AerialReport> {
    validate_villages(villages)?;
    if helicopter.bases.is_empty() {
        return Err(RoutingError::invalid(
            "bases",
            "at least one helicopter base is needed",
        ));
    }
    for (i, b) in helicopter.bases.iter().enumerate() {
        b.position.validate(&format!("bases[{i}].position"))?;
    }
    crate::speed::check_speed(helicopter.cruise_speed_kmh, "cruise_speed_kmh")?;
    for (field, v) in [
        ("preparation_minutes", helicopter.preparation_minutes),
        ("max_minutes", helicopter.max_minutes),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(RoutingError::invalid(
                field,
                format!("must be >= 0, got {v}"),
            ));
        }
    }
    let mut report = AerialReport {
        max_minutes: helicopter.max_minutes,
        villages: Vec::with_capacity(villages.len()),
        unreachable_villages: 0,
        unreachable_population: 0,
    };
    for village in villages {
        let (distance_m, base) = helicopter
            .bases
            .iter()
            .map(|b| (haversine_m(b.position, village.position), b))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .ok_or_else(|| RoutingError::invalid("bases", "empty"))?;
        let minutes = helicopter.preparation_minutes
            + distance_m / 1000.0 / helicopter.cruise_speed_kmh * 60.0;
        let reachable = minutes <= helicopter.max_minutes;
        if !reachable {
            report.unreachable_villages += 1;
            report.unreachable_population += village.population;
        }
        report.villages.push(AerialVillage {
            village_id: village.id.clone(),
            name: village.name.clone(),
            town: village.town.clone(),
            population: village.population,
            nearest_base: base.id.clone(),
            minutes,
            reachable,
        });
    }
    Ok(report)
}
