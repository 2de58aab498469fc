//! Villages and communities: real NBS codes and names, synthetic positions and
//! populations.

use geo::Coord;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};

use crate::admin::{placement, County, DEVELOPMENT_ZONE_CODE, DEVELOPMENT_ZONE_HOST_TOWN};
use crate::error::Result;
use crate::landmarks::{YUQIAO_WATER_CENTRE, YUQIAO_WATER_SEMI_AXES_KM};
use crate::sources::VillageRow;

/// Jizhou's resident population in the 2020 (7th) national census, as published in
/// Tianjin's census bulletin; the synthetic village populations sum to exactly this.
pub const COUNTY_POPULATION_2020: u64 = 795_516;

/// Spread of urban communities around their town seat (standard deviation, km).
const COMMUNITY_SIGMA_KM: f64 = 1.0;
/// The district seat's communities form a larger town.
const URBAN_COMMUNITY_SIGMA_KM: f64 = 1.8;
/// Candidates per village in best-candidate sampling.
const VILLAGE_CANDIDATES: usize = 12;
/// Median population weights (relative; scaled to the census total afterwards).
const COMMUNITY_MEDIAN: f64 = 3800.0;
const VILLAGE_MEDIAN: f64 = 650.0;
/// Mountain villages (north of this latitude) are smaller.
const MOUNTAIN_LATITUDE: f64 = 40.08;
const MOUNTAIN_VILLAGE_FACTOR: f64 = 0.6;

#[derive(Debug, Clone)]
pub struct Village {
    pub code: String,
    pub name: String,
    /// The town whose (synthetic) area holds the village.
    pub town_code: String,
    /// The NBS township code (differs from `town_code` only for the development zone).
    pub nbs_township_code: String,
    pub unit_type: &'static str,
    pub position: Coord,
    pub population: u64,
}

/// Places every village in its town area and gives it a population.
pub fn generate<R: Rng>(county: &County, rows: &[VillageRow], rng: &mut R) -> Result<Vec<Village>> {
    let mut rows: Vec<&VillageRow> = rows.iter().collect();
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let mut placed_per_town: Vec<Vec<Coord>> = county.towns.iter().map(|t| vec![t.seat]).collect();
    let mut villages = Vec::with_capacity(rows.len());
    for row in rows {
        let host = if row.township_code == DEVELOPMENT_ZONE_CODE {
            DEVELOPMENT_ZONE_HOST_TOWN
        } else {
            row.township_code.as_str()
        };
        let town = county.town_index_or_err(host)?;
        let unit_type = match row.unit_type.as_str() {
            "community" => "community",
            _ => "village",
        };
        let area = &county.town_areas[town];
        let seat = county.towns[town].seat;
        let what = format!("village {} {}", row.code, row.name);
        let position = if unit_type == "community" {
            let sigma = if county.towns[town].kind == "subdistrict" {
                URBAN_COMMUNITY_SIGMA_KM
            } else {
                COMMUNITY_SIGMA_KM
            };
            area.sample_near(rng, &county.projection, seat, sigma, |c| {
                !in_reservoir(county, c)
            })
        } else {
            area.sample_spread(
                rng,
                &county.projection,
                &placed_per_town[town],
                VILLAGE_CANDIDATES,
                |c| !in_reservoir(county, c),
            )
        }
        .ok_or_else(|| placement(&what, "its town area is too small"))?;
        placed_per_town[town].push(position);
        villages.push(Village {
            code: row.code.clone(),
            name: row.name.clone(),
            town_code: county.towns[town].code.clone(),
            nbs_township_code: row.township_code.clone(),
            unit_type,
            position,
            population: 0,
        });
    }
    assign_populations(&mut villages, rng)?;
    Ok(villages)
}

/// Inside (roughly) the water of Yuqiao Reservoir.
fn in_reservoir(county: &County, c: Coord) -> bool {
    let offset = county.projection.to_km(c);
    let centre = county.projection.to_km(YUQIAO_WATER_CENTRE);
    let (a, b) = YUQIAO_WATER_SEMI_AXES_KM;
    ((offset.x - centre.x) / a).powi(2) + ((offset.y - centre.y) / b).powi(2) <= 1.0
}

/// Log-normal weights (communities ~6x villages, mountain villages smaller), scaled
/// so the total is exactly [`COUNTY_POPULATION_2020`] (largest-remainder rounding).
fn assign_populations<R: Rng>(villages: &mut [Village], rng: &mut R) -> Result<()> {
    let lognormal = |median: f64| {
        LogNormal::new(median.ln(), 0.5)
            .map_err(|e| placement("village populations", &e.to_string()))
    };
    let community = lognormal(COMMUNITY_MEDIAN)?;
    let village = lognormal(VILLAGE_MEDIAN)?;
    let weights: Vec<f64> = villages
        .iter()
        .map(|v| match v.unit_type {
            "community" => community.sample(rng),
            _ if v.position.y > MOUNTAIN_LATITUDE => village.sample(rng) * MOUNTAIN_VILLAGE_FACTOR,
            _ => village.sample(rng),
        })
        .collect();
    let shares = apportion(COUNTY_POPULATION_2020, &weights);
    for (v, share) in villages.iter_mut().zip(shares) {
        v.population = share;
    }
    Ok(())
}

/// Splits `total` into integers proportional to `weights` (largest remainder;
/// ties go to the lower index), so the parts sum to exactly `total`.
pub fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let assigned: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order
        .iter()
        .cycle()
        .take(total.saturating_sub(assigned) as usize)
    {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::apportion;

    #[test]
    fn apportion_sums_exactly_and_follows_the_weights() {
        let parts = apportion(795_516, &[1.0, 2.0, 3.3, 0.0, 7.25]);
        assert_eq!(parts.iter().sum::<u64>(), 795_516);
        assert_eq!(parts[3], 0);
        assert!(parts[0] < parts[1] && parts[1] < parts[2] && parts[2] < parts[4]);
    }

    #[test]
    fn apportion_gives_leftover_units_to_the_largest_remainders() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(5, &[0.0, 0.0]), vec![0, 0]);
    }
}
