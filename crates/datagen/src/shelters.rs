//! The plan's 94 emergency shelters and 1 fixed shelter (synthetic positions and
//! capacities), placed near population.

use rand::seq::IndexedRandom;
use rand::Rng;
use serde::Serialize;

use crate::admin::{placement, County};
use crate::error::Result;
use crate::output::{feature_collection, Feature, Geometry};
use crate::villages::{apportion, Village};

/// Plan section 五.(六): "建成紧急避难场所94个,固定避难场所1个".
pub const EMERGENCY_SHELTERS: usize = 94;
pub const FIXED_SHELTER_CAPACITY: u64 = 20_000;
const EMERGENCY_CAPACITY_MIN: u64 = 300;
const EMERGENCY_CAPACITY_MAX: u64 = 3_000;
/// The plan builds shelters in schools, parks, squares and sports grounds.
const SITE_TYPES: [&str; 4] = ["school", "park", "square", "sports_ground"];

#[derive(Serialize)]
struct ShelterProperties {
    id: String,
    name: String,
    kind: &'static str,
    site_type: &'static str,
    capacity: u64,
    occupancy: u64,
    town_code: String,
    open: bool,
    synthetic: bool,
}

/// One shelter per town, the rest shared out by town population; each sits near a
/// village drawn with probability proportional to its population.
pub fn shelters_file<R: Rng>(
    county: &County,
    villages: &[Village],
    rng: &mut R,
) -> Result<Vec<u8>> {
    let per_town: Vec<Vec<&Village>> = county
        .towns
        .iter()
        .map(|t| villages.iter().filter(|v| v.town_code == t.code).collect())
        .collect();
    let town_population: Vec<f64> = per_town
        .iter()
        .map(|vs| vs.iter().map(|v| v.population as f64).sum())
        .collect();
    let extra = apportion(
        (EMERGENCY_SHELTERS - county.towns.len()) as u64,
        &town_population,
    );

    let centre = county.centre_town();
    let fixed = county.place_near_seat(rng, centre, 0.5, "the fixed shelter")?;
    let mut features = vec![Feature::new(
        "shelter-001",
        Geometry::point(fixed.position),
        ShelterProperties {
            id: "shelter-001".to_string(),
            name: format!("{}固定避难场所", county.towns[centre].name),
            kind: "fixed",
            site_type: "park",
            capacity: FIXED_SHELTER_CAPACITY,
            occupancy: 0,
            town_code: county.towns[fixed.town].code.clone(),
            open: true,
            synthetic: true,
        },
    )];

    let mut ids = (2..).map(|n| format!("shelter-{n:03}"));
    let mut rows = Vec::new();
    for (town, villages) in per_town.iter().enumerate() {
        let count = 1 + extra[town] as usize;
        let hosts: Vec<&&Village> = villages
            .choose_multiple_weighted(rng, count, |v| v.population as f64)
            .map_err(|e| placement(&county.towns[town].name, &format!("shelter hosts: {e}")))?
            .collect();
        for (n, host) in hosts.iter().enumerate() {
            let name = format!("{}第{}避难场所", county.towns[town].name, n + 1);
            let spot = county.place_in_town(rng, town, host.position, 0.3, &name)?;
            let share: f64 = rng.random_range(0.3..0.9);
            let capacity = ((host.population as f64 * share / 50.0).round() as u64 * 50)
                .clamp(EMERGENCY_CAPACITY_MIN, EMERGENCY_CAPACITY_MAX);
            let site_type = SITE_TYPES[rng.random_range(0..SITE_TYPES.len())];
            rows.push((spot, name, capacity, site_type));
        }
    }
    if rows.len() != EMERGENCY_SHELTERS {
        return Err(placement(
            "the emergency shelters",
            &format!("{} placed, {EMERGENCY_SHELTERS} planned", rows.len()),
        ));
    }
    for ((spot, name, capacity, site_type), id) in rows.into_iter().zip(&mut ids) {
        features.push(Feature::new(
            id.clone(),
            Geometry::point(spot.position),
            ShelterProperties {
                id: id.clone(),
                name,
                kind: "emergency",
                site_type,
                capacity,
                occupancy: 0,
                town_code: county.towns[spot.town].code.clone(),
                open: true,
                synthetic: true,
            },
        ));
    }
    feature_collection("shelters.geojson", features)
}
