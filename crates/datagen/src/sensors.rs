//! Monitoring devices as OGC SensorThings Things (with Location and Datastreams):
//! rain gauges (denser in the north), stage gauges along the real rivers
//! (approximate positions), Yuqiao reservoir level gauges, gas detectors at the
//! hazardous-chemical enterprises, weather stations and forest-fire cameras.

use std::collections::BTreeMap;

use geo::Coord;
use rand::Rng;
use serde::Serialize;

use crate::admin::County;
use crate::error::Result;
use crate::landmarks::{self, MOUNTAIN_LATITUDE, RIVERS};
use crate::output::{feature_collection, Feature, Geometry};
use crate::placement::Placed;
use crate::risks::Enterprise;

const NORTH_RAIN_GAUGES: usize = 76;
const SOUTH_RAIN_GAUGES: usize = 44;
const WEATHER_STATIONS: usize = 10;
const FIRE_CAMERAS: usize = 12;
/// Cameras watch the forested mountains, north of this latitude.
const FIRE_CAMERA_LATITUDE: f64 = 40.08;

#[derive(Debug, Clone, Serialize)]
struct Datastream {
    id: String,
    name: &'static str,
    observed_property: &'static str,
    unit_symbol: &'static str,
    unit_name: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum Param {
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, Serialize)]
struct ThingProperties {
    id: String,
    name: String,
    sensor_type: &'static str,
    town_code: String,
    datastreams: Vec<Datastream>,
    /// A BTreeMap so keys serialise in a fixed order.
    params: BTreeMap<&'static str, Param>,
    synthetic: bool,
}

/// (observed_property, name, unit symbol, unit name) of each sensor type.
fn datastream_specs(
    sensor_type: &str,
) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
    match sensor_type {
        "rain_gauge" => &[("precipitation", "降雨量", "mm", "millimetre")],
        "river_stage" => &[("water_level", "河道水位", "m", "metre")],
        "reservoir_level" => &[("water_level", "水库水位", "m", "metre")],
        "gas_lel" => &[(
            "combustible_gas_concentration",
            "可燃气体浓度",
            "%LEL",
            "percent of lower explosive limit",
        )],
        "toxic_gas" => &[(
            "toxic_gas_concentration",
            "有毒气体浓度",
            "ppm",
            "parts per million",
        )],
        "weather_station" => &[
            ("air_temperature", "气温", "°C", "degree Celsius"),
            ("relative_humidity", "相对湿度", "%", "percent"),
            ("wind_speed", "风速", "m/s", "metre per second"),
            ("precipitation", "降雨量", "mm", "millimetre"),
        ],
        "fire_camera" => &[("smoke_fire_detection", "烟火识别置信度", "%", "percent")],
        _ => &[],
    }
}

struct Things<'c> {
    county: &'c County,
    features: Vec<Feature<ThingProperties>>,
    counters: BTreeMap<&'static str, usize>,
    per_town: BTreeMap<(usize, &'static str), usize>,
}

impl Things<'_> {
    /// "<town name><label><n>", numbered per town and label.
    fn town_name(&mut self, town: usize, label: &'static str) -> String {
        let n = self.per_town.entry((town, label)).or_default();
        *n += 1;
        format!("{}{label}{n}", self.county.towns[town].name)
    }

    fn add(
        &mut self,
        prefix: &'static str,
        sensor_type: &'static str,
        name: String,
        spot: Placed,
        params: BTreeMap<&'static str, Param>,
    ) {
        let n = self.counters.entry(prefix).or_default();
        *n += 1;
        let id = format!("thing-{prefix}-{n:03}");
        let datastreams = datastream_specs(sensor_type)
            .iter()
            .map(
                |&(observed_property, ds_name, unit_symbol, unit_name)| Datastream {
                    id: format!("{id}-{observed_property}"),
                    name: ds_name,
                    observed_property,
                    unit_symbol,
                    unit_name,
                },
            )
            .collect();
        self.features.push(Feature::new(
            id.clone(),
            Geometry::point(spot.position),
            ThingProperties {
                id,
                name,
                sensor_type,
                town_code: self.county.towns[spot.town].code.clone(),
                datastreams,
                params,
                synthetic: true,
            },
        ));
    }
}

fn number(value: f64) -> Param {
    Param::Number((value * 100.0).round() / 100.0)
}

pub fn sensors_file<R: Rng>(
    county: &County,
    enterprises: &[Enterprise],
    rng: &mut R,
) -> Result<Vec<u8>> {
    let mut things = Things {
        county,
        features: Vec::new(),
        counters: BTreeMap::new(),
        per_town: BTreeMap::new(),
    };
    rain_gauges(&mut things, rng)?;
    stage_gauges(&mut things, rng)?;
    reservoir_gauges(&mut things, rng)?;
    gas_detectors(&mut things, enterprises, rng)?;
    spread_stations(&mut things, rng)?;
    feature_collection("sensors.geojson", things.features)
}

/// The China Meteorological Administration's rainstorm warning criteria.
fn rainstorm_params() -> BTreeMap<&'static str, Param> {
    BTreeMap::from([
        ("rainstorm_blue_mm_12h", number(50.0)),
        ("rainstorm_yellow_mm_6h", number(50.0)),
        ("rainstorm_orange_mm_3h", number(50.0)),
        ("rainstorm_red_mm_3h", number(100.0)),
    ])
}

fn rain_gauges<R: Rng>(things: &mut Things, rng: &mut R) -> Result<()> {
    let mut placed: Vec<Coord> = Vec::new();
    for (count, north) in [(NORTH_RAIN_GAUGES, true), (SOUTH_RAIN_GAUGES, false)] {
        for _ in 0..count {
            let spot = things.county.place_spread(
                rng,
                &placed,
                8,
                |c| (c.y >= MOUNTAIN_LATITUDE) == north,
                "a rain gauge",
            )?;
            placed.push(spot.position);
            let name = things.town_name(spot.town, "雨量站");
            things.add("rain", "rain_gauge", name, spot, rainstorm_params());
        }
    }
    Ok(())
}

fn stage_gauges<R: Rng>(things: &mut Things, rng: &mut R) -> Result<()> {
    for river in &RIVERS {
        for k in 0..river.gauges {
            let anchor = landmarks::along(river.course, (k as f64 + 0.5) / river.gauges as f64);
            let name = format!("{}水位站{}(位置近似)", river.name, k + 1);
            let spot = things.county.place_near(rng, anchor, 0.3, &name)?;
            let warning: f64 = rng.random_range(4.0..9.0);
            let params = BTreeMap::from([
                ("river", Param::Text(river.name.to_string())),
                ("river_en", Param::Text(river.name_en.to_string())),
                ("warning_stage_m", number(warning)),
                (
                    "guaranteed_stage_m",
                    number(warning + rng.random_range(0.8..1.6)),
                ),
                ("position", Param::Text("approximate".to_string())),
            ]);
            things.add("stage", "river_stage", name, spot, params);
        }
    }
    Ok(())
}

fn reservoir_gauges<R: Rng>(things: &mut Things, rng: &mut R) -> Result<()> {
    for (name, anchor) in [
        ("于桥水库坝前水位站", landmarks::YUQIAO_DAM),
        ("于桥水库库中水位站", landmarks::YUQIAO_MIDDLE),
    ] {
        let spot = things.county.place_near(rng, anchor, 0.2, name)?;
        let params = BTreeMap::from([
            ("reservoir", Param::Text("于桥水库".to_string())),
            ("reservoir_en", Param::Text("Yuqiao Reservoir".to_string())),
            ("flood_limit_level_m", number(20.0)),
            ("normal_pool_level_m", number(21.0)),
            ("design_flood_level_m", number(24.0)),
            ("position", Param::Text("approximate".to_string())),
        ]);
        things.add(
            "reservoir",
            "reservoir_level",
            name.to_string(),
            spot,
            params,
        );
    }
    Ok(())
}

/// Two combustible-gas detectors and one toxic-gas detector per plant. Alarm
/// levels follow GB/T 50493-2019's pattern (first alarm at most 25 %LEL).
fn gas_detectors<R: Rng>(
    things: &mut Things,
    enterprises: &[Enterprise],
    rng: &mut R,
) -> Result<()> {
    const TOXIC: [(&str, f64, f64); 3] =
        [("H2S", 5.0, 10.0), ("NH3", 25.0, 50.0), ("Cl2", 0.5, 1.0)];
    for e in enterprises
        .iter()
        .filter(|e| e.industry == "hazardous_chemicals")
    {
        for k in 0..3 {
            let name = format!("{}气体探测器{}", e.id, k + 1);
            let spot =
                things
                    .county
                    .place_in_town(rng, e.spot.town, e.spot.position, 0.05, &name)?;
            let mut params = BTreeMap::from([("enterprise_id", Param::Text(e.id.clone()))]);
            if k < 2 {
                params.insert("low_alarm_pct_lel", number(20.0));
                params.insert("high_alarm_pct_lel", number(50.0));
                things.add(
                    "lel",
                    "gas_lel",
                    format!("{}可燃气体探测器{}", e.id, k + 1),
                    spot,
                    params,
                );
            } else {
                let (gas, low, high) = TOXIC[rng.random_range(0..TOXIC.len())];
                params.insert("gas", Param::Text(gas.to_string()));
                params.insert("low_alarm_ppm", number(low));
                params.insert("high_alarm_ppm", number(high));
                things.add(
                    "toxic",
                    "toxic_gas",
                    format!("{}有毒气体探测器", e.id),
                    spot,
                    params,
                );
            }
        }
    }
    Ok(())
}

/// Weather stations over the whole county (the first at the district centre, for
/// the Fire Weather Index's noon observations) and fire cameras in the mountains.
fn spread_stations<R: Rng>(things: &mut Things, rng: &mut R) -> Result<()> {
    let county = things.county;
    let centre = county.centre_town();
    let mut placed =
        vec![county.place_near_seat(rng, centre, 0.5, "the central weather station")?];
    while placed.len() < WEATHER_STATIONS {
        let existing: Vec<Coord> = placed.iter().map(|p| p.position).collect();
        placed.push(county.place_spread(rng, &existing, 16, |_| true, "a weather station")?);
    }
    for spot in placed {
        let name = things.town_name(spot.town, "气象站");
        let params = BTreeMap::from([("fwi_observation_hour_local", number(12.0))]);
        things.add("weather", "weather_station", name, spot, params);
    }
    let mut cameras: Vec<Coord> = Vec::new();
    for _ in 0..FIRE_CAMERAS {
        let spot = county.place_spread(
            rng,
            &cameras,
            16,
            |c| c.y >= FIRE_CAMERA_LATITUDE,
            "a fire camera",
        )?;
        cameras.push(spot.position);
        let params = BTreeMap::from([
            ("detection_radius_km", number(8.0)),
            ("alarm_confidence_pct", number(80.0)),
        ]);
        let name = things.town_name(spot.town, "森林防火监控点");
        things.add("camera", "fire_camera", name, spot, params);
    }
    Ok(())
}
