//! Risk sources: enterprises with graded risk points, and the ~230 geological
//! hazard points of the hilly north (plan 二.(二): "230余处突发地质灾害隐患点").

use geo::Coord;
use rand::seq::IndexedRandom;
use rand::Rng;
use serde::Serialize;

use crate::admin::County;
use crate::error::Result;
use crate::landmarks::MOUNTAIN_LATITUDE;
use crate::output::{feature_collection, Feature, Geometry};
use crate::placement::Placed;
use crate::villages::Village;

pub const HAZARD_POINTS: usize = 232;
/// Caine (1980) global rainfall intensity-duration threshold I = 14.82 D^-0.39.
const CAINE_A: f64 = 14.82;
const CAINE_B: f64 = 0.39;

const GRADES: [&str; 4] = ["red", "orange", "yellow", "blue"];

/// (industry, label in names, host towns, risk point names)
type IndustrySpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);
const INDUSTRIES: [IndustrySpec; 5] = [
    (
        "hazardous_chemicals",
        "危化品企业",
        &[
            "120119106",
            "120119105",
            "120119109",
            "120119111",
            "120119117",
            "120119108",
            "120119118",
            "120119119",
            "120119115",
            "120119106",
            "120119125",
            "120119123",
        ],
        &["储罐区", "装卸区", "反应釜", "危化品仓库", "输送管线"],
    ),
    (
        "mining",
        "非煤矿山",
        &[
            "120119104",
            "120119112",
            "120119203",
            "120119103",
            "120119120",
            "120119102",
            "120119124",
            "120119113",
        ],
        &["采场边坡", "排土场", "爆破器材库", "运输道路"],
    ),
    (
        "fireworks",
        "烟花爆竹批发仓库",
        &["120119101", "120119126"],
        &["成品仓库", "装卸区"],
    ),
    (
        "construction",
        "建筑工地",
        &[
            "120119001",
            "120119001",
            "120119001",
            "120119100",
            "120119100",
            "120119105",
            "120119127",
            "120119122",
        ],
        &["深基坑", "塔式起重机", "高支模", "脚手架"],
    ),
    (
        "industry_trade",
        "工贸企业",
        &[
            "120119105",
            "120119106",
            "120119109",
            "120119116",
            "120119117",
            "120119101",
        ],
        &["粉尘涉爆区", "涉氨制冷机房", "有限空间", "金属熔炼炉"],
    ),
];

#[derive(Debug, Clone)]
pub struct Enterprise {
    pub id: String,
    pub industry: &'static str,
    pub spot: Placed,
}

#[derive(Serialize)]
struct RiskPoint {
    id: String,
    name: &'static str,
    grade: &'static str,
}

#[derive(Serialize)]
struct EnterpriseProperties {
    id: String,
    name: String,
    industry: &'static str,
    risk_grade: &'static str,
    risk_points: Vec<RiskPoint>,
    town_code: String,
    synthetic: bool,
}

/// Enterprises near their host town's seat (industrial areas), mines in the hills.
pub fn enterprises<R: Rng>(county: &County, rng: &mut R) -> Result<(Vec<Enterprise>, Vec<u8>)> {
    let mut enterprises = Vec::new();
    let mut features = Vec::new();
    for (industry, label, towns, point_names) in INDUSTRIES {
        for (n, code) in towns.iter().enumerate() {
            let town = county.town_index_or_err(code)?;
            let id = format!("ent-{:03}", enterprises.len() + 1);
            let name = format!("{}{label}{}号", county.short_name(town), n + 1);
            let spot = if industry == "mining" {
                county.town_areas[town]
                    .sample(rng, |c| {
                        c.y >= MOUNTAIN_LATITUDE || county.towns[town].seat.y < MOUNTAIN_LATITUDE
                    })
                    .map(|position| Placed { position, town })
                    .ok_or_else(|| crate::admin::placement(&name, "no hilly ground in its town"))?
            } else {
                county.place_near_seat(rng, town, 1.5, &name)?
            };
            let count = rng.random_range(1..=point_names.len().min(4));
            let mut risk_points: Vec<RiskPoint> = point_names
                .choose_multiple(rng, count)
                .enumerate()
                .map(|(k, &point_name)| RiskPoint {
                    id: format!("{id}-rp-{}", k + 1),
                    name: point_name,
                    grade: GRADES[weighted_grade(rng, industry)],
                })
                .collect();
            risk_points.sort_by(|a, b| a.id.cmp(&b.id));
            let risk_grade = GRADES
                .iter()
                .find(|g| risk_points.iter().any(|p| p.grade == **g))
                .copied()
                .unwrap_or("blue");
            features.push(Feature::new(
                id.clone(),
                Geometry::point(spot.position),
                EnterpriseProperties {
                    id: id.clone(),
                    name,
                    industry,
                    risk_grade,
                    risk_points,
                    town_code: county.towns[spot.town].code.clone(),
                    synthetic: true,
                },
            ));
            enterprises.push(Enterprise { id, industry, spot });
        }
    }
    Ok((
        enterprises,
        feature_collection("enterprises.geojson", features)?,
    ))
}

/// Index into [`GRADES`]: hazardous chemicals and mines skew to the higher grades.
fn weighted_grade<R: Rng>(rng: &mut R, industry: &str) -> usize {
    let weights: [u32; 4] = match industry {
        "hazardous_chemicals" | "mining" | "fireworks" => [1, 3, 4, 2],
        _ => [0, 1, 4, 5],
    };
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    GRADES.len() - 1
}

#[derive(Serialize)]
struct IdThreshold {
    a: f64,
    b: f64,
}

#[derive(Serialize)]
struct HazardProperties {
    id: String,
    name: String,
    hazard_type: &'static str,
    threatened_people: u64,
    threatened_households: u64,
    /// The nearest village of the same town (whose people are threatened).
    village_code: String,
    id_threshold: IdThreshold,
    town_code: String,
    synthetic: bool,
}

/// Hazard types and their weights (collapses dominate in Jizhou's hills).
const HAZARD_TYPES: [(&str, &str, u32); 4] = [
    ("collapse", "崩塌", 50),
    ("debris_flow", "泥石流", 22),
    ("landslide", "滑坡", 20),
    ("ground_subsidence", "地面塌陷", 8),
];

/// Hazard points north of [`MOUNTAIN_LATITUDE`], denser farther north.
pub fn hazard_points_file<R: Rng>(
    county: &County,
    villages: &[Village],
    rng: &mut R,
) -> Result<Vec<u8>> {
    let mut placed: Vec<Coord> = Vec::new();
    let mut per_town_count = vec![0usize; county.towns.len()];
    let mut features = Vec::new();
    for n in 0..HAZARD_POINTS {
        let what = format!("hazard point {}", n + 1);
        // Acceptance grows with latitude: denser in the high mountains.
        let threshold: f64 = rng.random_range(0.0..1.0);
        let spot = county.place_spread(
            rng,
            &placed,
            3,
            |c| {
                c.y >= MOUNTAIN_LATITUDE + 0.005
                    && ((c.y - MOUNTAIN_LATITUDE) / 0.12).min(1.0) >= threshold * 0.8
            },
            &what,
        )?;
        placed.push(spot.position);
        let town = &county.towns[spot.town];
        per_town_count[spot.town] += 1;
        let total_weight: u32 = HAZARD_TYPES.iter().map(|t| t.2).sum();
        let mut pick = rng.random_range(0..total_weight);
        let (hazard_type, label, _) = *HAZARD_TYPES
            .iter()
            .find(|t| {
                let hit = pick < t.2;
                pick = pick.saturating_sub(t.2);
                hit
            })
            .unwrap_or(&HAZARD_TYPES[0]);
        let village = villages
            .iter()
            .filter(|v| v.town_code == town.code)
            .min_by(|a, b| {
                let da = county.projection.distance_km(a.position, spot.position);
                let db = county.projection.distance_km(b.position, spot.position);
                da.total_cmp(&db).then(a.code.cmp(&b.code))
            });
        let village_population = village.map(|v| v.population).unwrap_or(0);
        let people = rng.random_range(3..=120u64).min(village_population.max(3));
        let people_per_household: f64 = rng.random_range(2.5..3.5);
        let households = ((people as f64 / people_per_household).ceil() as u64).max(1);
        let id = format!("geo-{:03}", n + 1);
        features.push(Feature::new(
            id.clone(),
            Geometry::point(spot.position),
            HazardProperties {
                id,
                name: format!("{}{label}隐患点{}号", town.name, per_town_count[spot.town]),
                hazard_type,
                threatened_people: people,
                threatened_households: households,
                village_code: village.map(|v| v.code.clone()).unwrap_or_default(),
                id_threshold: IdThreshold {
                    a: CAINE_A,
                    b: CAINE_B,
                },
                town_code: town.code.clone(),
                synthetic: true,
            },
        ));
    }
    feature_collection("hazard_points.geojson", features)
}
