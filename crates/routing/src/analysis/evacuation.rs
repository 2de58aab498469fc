//! Evacuation planning: send the people of the villages in an area to shelters within their
//! capacity, minimising total person-minutes of road travel (an exact min-cost flow).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::exposure::ExposureArea;
use super::min_cost_flow::Transport;
use super::{collection, point_feature, validate_villages, Shelter, Village};
use crate::closures::CostOverlay;
use crate::error::{Result, RoutingError};
use crate::graph::UNREACHED;
use crate::router::Router;

/// Which villages evacuate.
#[derive(Debug, Clone, PartialEq)]
pub enum EvacuationArea {
    /// Villages inside a polygon (a hazard zone) or a radius.
    Zone(ExposureArea),
    /// Villages of these towns (matched against `Village::town`).
    Towns(Vec<String>),
    /// Every village given.
    All,
}

/// An optimal transportation solution on a cost matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportSolution {
    /// (source, destination, amount) with amount > 0.
    pub flows: Vec<(usize, usize, i64)>,
    /// Supply left unsent per source.
    pub unsent: Vec<i64>,
    /// Amount received per destination.
    pub received: Vec<i64>,
    /// Sum of amount × cost.
    pub total_cost: i64,
}

/// Sends as much supply as the capacities allow (maximum flow) and, among such plans, one
/// of minimum total `amount × cost`. `cost[i][j] = None` forbids the pair. Exact.
pub fn assign_min_cost(
    supply: &[i64],
    capacity: &[i64],
    cost: &[Vec<Option<i64>>],
) -> Result<TransportSolution> {
    for (field, values) in [("supply", supply), ("capacity", capacity)] {
        if let Some(i) = values.iter().position(|&v| v < 0) {
            return Err(RoutingError::invalid(
                format!("{field}[{i}]"),
                format!("must be >= 0, got {}", values[i]),
            ));
        }
    }
    if cost.len() != supply.len() || cost.iter().any(|row| row.len() != capacity.len()) {
        return Err(RoutingError::invalid(
            "cost",
            "matrix must be supply.len() x capacity.len()",
        ));
    }
    if let Some(c) = cost.iter().flatten().flatten().find(|&&c| c < 0) {
        return Err(RoutingError::invalid(
            "cost",
            format!("costs must be >= 0, got {c}"),
        ));
    }
    let sent = Transport::new(supply, capacity, cost).solve();
    let mut flows: Vec<(usize, usize, i64)> = sent
        .iter()
        .enumerate()
        .flat_map(|(j, villages)| villages.iter().map(move |(&i, &people)| (i, j, people)))
        .filter(|f| f.2 > 0)
        .collect();
    flows.sort_unstable();
    let mut unsent = supply.to_vec();
    let mut received = vec![0; capacity.len()];
    let mut total_cost = 0;
    for &(i, j, people) in &flows {
        unsent[i] -= people;
        received[j] += people;
        total_cost += people * cost[i][j].unwrap_or(0);
    }
    Ok(TransportSolution {
        flows,
        unsent,
        received,
        total_cost,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub village_id: String,
    pub shelter_id: String,
    pub people: i64,
    pub minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShelterLoad {
    pub shelter_id: String,
    pub capacity: i64,
    pub assigned: i64,
    /// False when the shelter is too far from every road to be used.
    pub on_network: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unassigned {
    pub village_id: String,
    pub people: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvacuationPlan {
    pub villages: usize,
    pub total_people: i64,
    pub assigned_people: i64,
    pub unassigned_people: i64,
    pub total_person_minutes: f64,
    pub assignments: Vec<Assignment>,
    pub shelter_loads: Vec<ShelterLoad>,
    pub unassigned: Vec<Unassigned>,
}

impl EvacuationPlan {
    /// Assignments as lines from village to shelter (for the map).
    pub fn assignments_geojson(
        &self,
        villages: &[Village],
        shelters: &[Shelter],
    ) -> geojson::FeatureCollection {
        let village = |id: &str| villages.iter().find(|v| v.id == id).map(|v| v.position);
        let shelter = |id: &str| shelters.iter().find(|s| s.id == id).map(|s| s.position);
        let features = self
            .assignments
            .iter()
            .filter_map(|a| {
                let (from, to) = (village(&a.village_id)?, shelter(&a.shelter_id)?);
                let line = geo::LineString::from(vec![(from.lon, from.lat), (to.lon, to.lat)]);
                let mut feature = point_feature(from, json!(a));
                feature.geometry = Some(geojson::Geometry::new((&line).into()));
                Some(feature)
            })
            .collect();
        collection(features)
    }
}

fn select(villages: &[Village], area: &EvacuationArea) -> Result<Vec<usize>> {
    let chosen: Vec<usize> = match area {
        EvacuationArea::All => (0..villages.len()).collect(),
        EvacuationArea::Towns(towns) => {
            if towns.is_empty() {
                return Err(RoutingError::invalid(
                    "area.towns",
                    "the town list is empty",
                ));
            }
            (0..villages.len())
                .filter(|&i| towns.contains(&villages[i].town))
                .collect()
        }
        EvacuationArea::Zone(zone) => {
            zone.validate()?;
            (0..villages.len())
                .filter(|&i| zone.contains(villages[i].position))
                .collect()
        }
    };
    if chosen.is_empty() {
        return Err(RoutingError::invalid("area", "contains no village"));
    }
    Ok(chosen)
}

/// Plans the evacuation of the villages in `area` to `shelters`.
pub fn plan_evacuation(
    router: &Router,
    villages: &[Village],
    shelters: &[Shelter],
    area: &EvacuationArea,
    overlay: &CostOverlay,
) -> Result<EvacuationPlan> {
    validate_villages(villages)?;
    let mut capacity = Vec::with_capacity(shelters.len());
    for (j, s) in shelters.iter().enumerate() {
        let field = format!("shelters[{j}].capacity");
        match s.capacity {
            None => {
                return Err(RoutingError::invalid(
                    field,
                    format!("shelter {} has no capacity", s.id),
                ))
            }
            Some(c) if c < 0 => {
                return Err(RoutingError::invalid(
                    field,
                    format!("shelter {} has negative capacity {c}", s.id),
                ))
            }
            Some(c) => capacity.push(c),
        }
        s.position.validate(&format!("shelters[{j}].position"))?;
    }
    if shelters.is_empty() {
        return Err(RoutingError::invalid("shelters", "no shelter given"));
    }
    let chosen = select(villages, area)?;
    let (village_access, village_column) =
        router.locate_each(chosen.iter().map(|&i| villages[i].position));
    let (shelter_access, shelter_column) = router.locate_each(shelters.iter().map(|s| s.position));
    let table = router.table_ms(&village_access, &shelter_access, overlay);

    let supply: Vec<i64> = chosen.iter().map(|&i| villages[i].population).collect();
    let cost: Vec<Vec<Option<i64>>> = village_column
        .iter()
        .map(|row| {
            shelter_column
                .iter()
                .map(|col| match (row, col) {
                    (Some(r), Some(c)) if table[*r][*c] != UNREACHED => Some(table[*r][*c] as i64),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let solution = assign_min_cost(&supply, &capacity, &cost)?;

    let assignments = solution
        .flows
        .iter()
        .map(|&(i, j, people)| Assignment {
            village_id: villages[chosen[i]].id.clone(),
            shelter_id: shelters[j].id.clone(),
            people,
            minutes: cost[i][j].unwrap_or(0) as f64 / 60_000.0,
        })
        .collect();
    let unassigned = solution
        .unsent
        .iter()
        .enumerate()
        .filter(|(_, &left)| left > 0)
        .map(|(i, &people)| {
            let reason = if village_column[i].is_none() {
                "village is too far from the road network"
            } else if cost[i].iter().all(Option::is_none) {
                "no shelter is reachable by road"
            } else {
                "shelter capacity is short"
            };
            Unassigned {
                village_id: villages[chosen[i]].id.clone(),
                people,
                reason: reason.to_string(),
            }
        })
        .collect();
    let total_people: i64 = supply.iter().sum();
    let unassigned_people: i64 = solution.unsent.iter().sum();
    Ok(EvacuationPlan {
        villages: chosen.len(),
        total_people,
        assigned_people: total_people - unassigned_people,
        unassigned_people,
        total_person_minutes: solution.total_cost as f64 / 60_000.0,
        assignments,
        shelter_loads: shelters
            .iter()
            .enumerate()
            .map(|(j, s)| ShelterLoad {
                shelter_id: s.id.clone(),
                capacity: capacity[j],
                assigned: solution.received[j],
                on_network: shelter_column[j].is_some(),
            })
            .collect(),
        unassigned,
    })
}
