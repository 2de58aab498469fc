//! Supply depots and helicopter landing points (plan facts: an aviation rescue
//! base on Yuqiao's south bank, temporary helipads in the mountains); every
//! position and name is synthetic.

use rand::Rng;
use serde::Serialize;

use crate::admin::County;
use crate::error::Result;
use crate::landmarks;
use crate::output::{feature_collection, Feature, Geometry};
use crate::placement::Placed;

const DEPOT_TOWNS: [&str; 8] = [
    "120119104",
    "120119112",
    "120119103",
    "120119127",
    "120119111",
    "120119105",
    "120119106",
    "120119115",
];

/// A supply depot; its stock is in supplies.csv.
#[derive(Debug, Clone)]
pub struct Depot {
    pub id: String,
    pub name: String,
    pub level: &'static str,
    pub spot: Placed,
}

#[derive(Serialize)]
struct DepotProperties<'a> {
    id: &'a str,
    name: &'a str,
    level: &'a str,
    town_code: &'a str,
    synthetic: bool,
}

/// One district reserve near the district centre and several town depots.
pub fn depots<R: Rng>(county: &County, rng: &mut R) -> Result<Vec<Depot>> {
    let centre = county.centre_town();
    let mut depots = vec![Depot {
        id: "depot-001".to_string(),
        name: "蓟州区应急物资储备库".to_string(),
        level: "district",
        spot: county.place_near_seat(rng, centre, 1.2, "the district reserve")?,
    }];
    for code in DEPOT_TOWNS {
        let town = county.town_index_or_err(code)?;
        let name = format!("{}应急物资储备点", county.towns[town].name);
        depots.push(Depot {
            id: format!("depot-{:03}", depots.len() + 1),
            spot: county.place_near_seat(rng, town, 0.8, &name)?,
            name,
            level: "town",
        });
    }
    Ok(depots)
}

pub fn depots_file(county: &County, depots: &[Depot]) -> Result<Vec<u8>> {
    let features = depots
        .iter()
        .map(|d| {
            Feature::new(
                &d.id,
                Geometry::point(d.spot.position),
                DepotProperties {
                    id: &d.id,
                    name: &d.name,
                    level: d.level,
                    town_code: &county.towns[d.spot.town].code,
                    synthetic: true,
                },
            )
        })
        .collect();
    feature_collection("depots.geojson", features)
}

#[derive(Serialize)]
struct HelipadProperties {
    id: String,
    name: String,
    surface: &'static str,
    /// "approximate" where the site is a real place named in the plan, else "synthetic".
    position_basis: &'static str,
    town_code: String,
    synthetic: bool,
}

/// Helicopter landing points: the plan's aviation base on Yuqiao's south bank and
/// mountain helipads, plus synthetic ones spread over the county.
pub fn helipads_file<R: Rng>(county: &County, rng: &mut R) -> Result<Vec<u8>> {
    let seat = |code: &str| county.town_index_or_err(code).map(|t| county.towns[t].seat);
    let sites = [
        (
            "于桥水库南岸森林防火航空应急救援基地",
            landmarks::YUQIAO_SOUTH_BANK,
            "concrete",
            "approximate",
        ),
        (
            "盘山临时停机坪",
            landmarks::PANSHAN,
            "concrete",
            "approximate",
        ),
        (
            "八仙山临时停机坪",
            landmarks::BAXIANSHAN,
            "gravel",
            "approximate",
        ),
        (
            "黄崖关临时起降点",
            landmarks::HUANGYAGUAN,
            "grass",
            "approximate",
        ),
        (
            "于桥水库北岸临时起降点",
            landmarks::YUQIAO_NORTH_BANK,
            "grass",
            "approximate",
        ),
        ("区体育场起降点", seat("120119001")?, "grass", "synthetic"),
        (
            "下仓镇临时起降点",
            seat("120119111")?,
            "concrete",
            "synthetic",
        ),
        (
            "别山镇临时起降点",
            seat("120119106")?,
            "concrete",
            "synthetic",
        ),
        ("邦均镇临时起降点", seat("120119105")?, "grass", "synthetic"),
        (
            "马伸桥镇临时起降点",
            seat("120119103")?,
            "concrete",
            "synthetic",
        ),
    ];
    let mut features = Vec::new();
    for (n, (name, anchor, surface, position)) in sites.into_iter().enumerate() {
        let spot = county.place_near(rng, anchor, 0.4, name)?;
        let id = format!("helipad-{:03}", n + 1);
        features.push(Feature::new(
            id.clone(),
            Geometry::point(spot.position),
            HelipadProperties {
                id,
                name: name.to_string(),
                surface,
                position_basis: position,
                town_code: county.towns[spot.town].code.clone(),
                synthetic: true,
            },
        ));
    }
    feature_collection("helipads.geojson", features)
}
