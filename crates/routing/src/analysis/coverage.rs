//! Coverage: which villages are beyond N minutes by road from every station of a kind.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{collection, point_feature, validate_villages, Station, Village};
use crate::closures::CostOverlay;
use crate::error::{Result, RoutingError};
use crate::graph::UNREACHED;
use crate::router::Router;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageCoverage {
    pub village_id: String,
    pub name: String,
    pub town: String,
    pub population: i64,
    /// Road time from the nearest station; `None` when no station can reach the village.
    pub minutes: Option<f64>,
    pub nearest_station: Option<String>,
    pub covered: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageReport {
    pub station_kind: String,
    pub max_minutes: f64,
    pub stations: usize,
    pub villages: Vec<VillageCoverage>,
    pub uncovered_villages: usize,
    pub uncovered_population: i64,
}

impl CoverageReport {
    /// Uncovered villages as points (covered ones are left out to keep the layer small).
    pub fn uncovered_geojson(&self, villages: &[Village]) -> geojson::FeatureCollection {
        collection(
            self.villages
                .iter()
                .zip(villages)
                .filter(|(c, _)| !c.covered)
                .map(|(c, v)| point_feature(v.position, json!(c)))
                .collect(),
        )
    }
}

/// Road travel time from the nearest station of `station_kind` to each village. A village
/// that cannot be placed on the road network counts as uncovered.
pub fn coverage(
    router: &Router,
    villages: &[Village],
    stations: &[Station],
    station_kind: &str,
    max_minutes: f64,
    overlay: &CostOverlay,
) -> Result<CoverageReport> {
    validate_villages(villages)?;
    if !(max_minutes.is_finite() && max_minutes > 0.0) {
        return Err(RoutingError::invalid(
            "max_minutes",
            format!("must be positive, got {max_minutes}"),
        ));
    }
    let chosen: Vec<&Station> = stations.iter().filter(|s| s.kind == station_kind).collect();
    if chosen.is_empty() {
        return Err(RoutingError::invalid(
            "station_kind",
            format!("no station of kind {station_kind:?}"),
        ));
    }
    let station_access = chosen
        .iter()
        .map(|s| router.access(s.position, &format!("station {}", s.id)))
        .collect::<Result<Vec<_>>>()?;
    let (village_access, located) = router.locate_each(villages.iter().map(|v| v.position));
    let table = router.table_ms(&station_access, &village_access, overlay);

    let limit_ms = max_minutes * 60_000.0;
    let mut report = CoverageReport {
        station_kind: station_kind.to_string(),
        max_minutes,
        stations: chosen.len(),
        villages: Vec::with_capacity(villages.len()),
        uncovered_villages: 0,
        uncovered_population: 0,
    };
    for (i, village) in villages.iter().enumerate() {
        let best = located[i].and_then(|column| {
            (0..chosen.len())
                .map(|s| (table[s][column], s))
                .filter(|(ms, _)| *ms != UNREACHED)
                .min()
        });
        let minutes = best.map(|(ms, _)| ms as f64 / 60_000.0);
        let covered = best.is_some_and(|(ms, _)| ms as f64 <= limit_ms);
        if !covered {
            report.uncovered_villages += 1;
            report.uncovered_population += village.population;
        }
        report.villages.push(VillageCoverage {
            village_id: village.id.clone(),
            name: village.name.clone(),
            town: village.town.clone(),
            population: village.population,
            minutes,
            nearest_station: best.map(|(_, s)| chosen[s].id.clone()),
            covered,
        });
    }
    Ok(report)
}
