//! Default rules for each sensor type of the dataset. Every figure and its source is listed
//! here; a county edits the generated rules through the API like any other rule.
//!
//! | sensor | rule | blue | yellow | orange | red | source |
//! |---|---|---|---|---|---|---|
//! | rain gauge | 1 h sum, mm | 20 | 30 | | | CMA short-duration heavy rain (短时强降水) ≥ 20 mm/h; 30 mm/h project choice |
//! | rain gauge | 3 h sum | | | 50 | 100 | CMA rainstorm orange / red signals (暴雨橙色/红色预警信号) |
//! | rain gauge | 6 h sum | | 50 | | | CMA rainstorm yellow signal |
//! | rain gauge | 12 h sum | 50 | | | | CMA rainstorm blue signal |
//! | rain gauge | 24 h sum | 50 | | 100 | 250 | GB/T 28592-2012 daily grades 暴雨 / 大暴雨 / 特大暴雨 |
//! | river stage | stage, m | warning − 0.5 | warning stage (警戒水位) | midway | guaranteed stage (保证水位) | per-station parameters |
//! | river stage | rise per 1 h | | 0.5 m | 1.0 m | | project choice |
//! | reservoir | level, m | flood limit − 0.5 | flood-limit level (汛限水位) | midway | design flood level (设计洪水位) | per-reservoir parameters |
//! | combustible gas | %LEL | 10 | 20 | 25 | 50 | GB/T 50493-2019: 1st-level alarm ≤ 25 %LEL, 2nd-level ≤ 50 %LEL |
//! | toxic gas | ppm | 50 % OEL | 100 % OEL | 150 % OEL | 200 % OEL | GB/T 50493-2019: 1st-level ≤ 100 % OEL, 2nd-level ≤ 200 % OEL (OEL from GBZ 2.1) |
//! | weather station | daily FWI | 11.2 | 21.3 | 38 | 50 | EFFIS fire danger classes high / very high / extreme / very extreme |
//!
//! | hazard point | rain / (a·D^(1-b)) over 1, 3, 6, 12, 24, 72 h | 0.6 | 0.8 | 1.0 | 1.5 | Caine (1980) I = 14.82·D^-0.39 unless the point has its own a, b; ratios: project choice (orange = the threshold itself) |
//!
//! Faults: every sensor gets a silence rule (rain, stage, weather: 30 min; gas: 10 min);
//! rain gauges and gas detectors a physical range; stages a spike rule.

use serde::{Deserialize, Serialize};

use crate::fwi::FwiCodes;
use crate::level::{Band, Direction, Grading, Level};
use crate::observation::DatastreamId;
use crate::rule::{Condition, Name, Rule, RuleError, RuleId, Subject, CAINE_1980};

/// A sensor of the dataset with the parameters its default rules need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sensor_type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SensorProfile {
    /// Results are rain increments in mm since the previous report.
    RainGauge { datastream: DatastreamId },
    RiverStage {
        datastream: DatastreamId,
        warning_stage_m: f64,
        guaranteed_stage_m: f64,
    },
    ReservoirLevel {
        datastream: DatastreamId,
        flood_limit_m: f64,
        design_flood_m: f64,
    },
    /// Combustible gas detector, %LEL.
    CombustibleGas { datastream: DatastreamId },
    /// Toxic gas detector, ppm, with the gas's occupational exposure limit (MAC, else PC-STEL,
    /// else PC-TWA of GBZ 2.1, converted to ppm) and the detector's full scale.
    ToxicGas {
        datastream: DatastreamId,
        gas: String,
        exposure_limit_ppm: f64,
        full_scale_ppm: f64,
    },
    /// Automatic weather station; wind must arrive in km/h, rain as increments in mm.
    WeatherStation {
        station: String,
        temperature: DatastreamId,
        humidity: DatastreamId,
        wind: DatastreamId,
        rain: DatastreamId,
        latitude: f64,
    },
}

const RAIN_RELEASE_AFTER_SECS: u32 = 30 * 60;
const SILENCE_SECS: u32 = 30 * 60;
const GAS_SILENCE_SECS: u32 = 10 * 60;

/// The default rules of one sensor, each at version 1, validated.
pub fn default_rules_for(profile: &SensorProfile) -> Result<Vec<Rule>, RuleError> {
    check_parameters(profile)?;
    let rules = match profile {
        SensorProfile::RainGauge { datastream } => rain_gauge(*datastream),
        SensorProfile::RiverStage {
            datastream,
            warning_stage_m: warn,
            guaranteed_stage_m: top,
        } => {
            let ds = *datastream;
            vec![
                rule(
                    format!("stage:{ds}"),
                    ds,
                    ("河道水位", "river stage"),
                    graded_threshold(ds, water_bands(*warn, *top), 0.1),
                ),
                rule(
                    format!("stage-rise:{ds}"),
                    ds,
                    ("水位涨率", "river stage rise"),
                    Condition::RateOfChange {
                        datastream: ds,
                        per_secs: 3600,
                        grading: grading(
                            &[(Level::Yellow, 0.5, 0.3), (Level::Orange, 1.0, 0.8)],
                            0,
                        ),
                    },
                ),
                silence(ds, SILENCE_SECS),
                spike(ds, 1.0),
            ]
        }
        SensorProfile::ReservoirLevel {
            datastream,
            flood_limit_m,
            design_flood_m,
        } => {
            let ds = *datastream;
            vec![
                rule(
                    format!("reservoir:{ds}"),
                    ds,
                    ("水库水位", "reservoir level"),
                    graded_threshold(ds, water_bands(*flood_limit_m, *design_flood_m), 0.1),
                ),
                silence(ds, SILENCE_SECS),
                spike(ds, 0.5),
            ]
        }
        SensorProfile::CombustibleGas { datastream } => {
            let ds = *datastream;
            let bands = [
                (Level::Blue, 10.0),
                (Level::Yellow, 20.0),
                (Level::Orange, 25.0),
                (Level::Red, 50.0),
            ]
            .map(|(level, lel)| (level, lel, lel - 2.0));
            vec![
                rule(
                    format!("gas-lel:{ds}"),
                    ds,
                    ("可燃气体浓度", "combustible gas"),
                    Condition::Threshold {
                        datastream: ds,
                        grading: grading(&bands, 300),
                    },
                ),
                range(ds, 0.0, 100.0),
                silence(ds, GAS_SILENCE_SECS),
            ]
        }
        SensorProfile::ToxicGas {
            datastream,
            gas,
            exposure_limit_ppm: oel,
            full_scale_ppm,
        } => {
            let ds = *datastream;
            let bands = [
                (Level::Blue, 0.5),
                (Level::Yellow, 1.0),
                (Level::Orange, 1.5),
                (Level::Red, 2.0),
            ]
            .map(|(level, share)| (level, share * oel, (share - 0.1) * oel));
            vec![
                rule(
                    format!("gas-toxic:{ds}"),
                    ds,
                    (&format!("有毒气体浓度 {gas}"), &format!("toxic gas {gas}")),
                    Condition::Threshold {
                        datastream: ds,
                        grading: grading(&bands, 300),
                    },
                ),
                range(ds, 0.0, *full_scale_ppm),
                silence(ds, GAS_SILENCE_SECS),
            ]
        }
        SensorProfile::WeatherStation {
            station,
            temperature,
            humidity,
            wind,
            rain,
            latitude,
        } => {
            let mut rules = vec![Rule {
                id: RuleId::parse(format!("fwi:{station}"))?,
                version: 1,
                name: Name {
                    zh: "森林火险气象指数".into(),
                    en: "forest fire weather index".into(),
                },
                subject: Subject(format!("station:{station}")),
                enabled: true,
                condition: Condition::FireWeather {
                    temperature: *temperature,
                    humidity: *humidity,
                    wind: *wind,
                    rain: *rain,
                    latitude: *latitude,
                    utc_offset_minutes: 480,
                    start: FwiCodes::STARTUP,
                    // A daily index: no hysteresis band, each day stands on its own.
                    grading: grading(
                        &[
                            (Level::Blue, 11.2, 11.2),
                            (Level::Yellow, 21.3, 21.3),
                            (Level::Orange, 38.0, 38.0),
                            (Level::Red, 50.0, 50.0),
                        ],
                        0,
                    ),
                },
            }];
            for (ds, min, max) in [
                (*temperature, -50.0, 50.0),
                (*humidity, 0.0, 100.0),
                (*wind, 0.0, 200.0),
                (*rain, 0.0, 200.0),
            ] {
                rules.push(silence(ds, SILENCE_SECS));
                rules.push(range(ds, min, max));
            }
            rules
        }
    };
    for rule in &rules {
        rule.validate()?;
    }
    Ok(rules)
}

/// The landslide / debris-flow rule of a geological hazard point, over the rain gauges the
/// server found near it. `threshold` is the point's own (a, b); Caine (1980) by default.
pub fn hazard_point_rule(
    point: &str,
    gauges: Vec<DatastreamId>,
    threshold: Option<(f64, f64)>,
) -> Result<Rule, RuleError> {
    let (a, b) = threshold.unwrap_or(CAINE_1980);
    let rule = Rule {
        id: RuleId::parse(format!("landslide:{point}"))?,
        version: 1,
        name: Name {
            zh: "地质灾害降雨阈值".into(),
            en: "landslide rainfall threshold".into(),
        },
        subject: Subject(format!("hazard-point:{point}")),
        enabled: true,
        condition: Condition::IntensityDuration {
            gauges,
            a,
            b,
            durations_secs: [1, 3, 6, 12, 24, 72].map(|h| h * 3600).to_vec(),
            grading: Grading {
                release_after_secs: 3600,
                ..grading(
                    &[
                        (Level::Blue, 0.6, 0.5),
                        (Level::Yellow, 0.8, 0.7),
                        (Level::Orange, 1.0, 0.9),
                        (Level::Red, 1.5, 1.3),
                    ],
                    0,
                )
            },
        },
    };
    rule.validate()?;
    Ok(rule)
}

fn check_parameters(profile: &SensorProfile) -> Result<(), RuleError> {
    let (name, ok) = match profile {
        SensorProfile::RiverStage {
            warning_stage_m: low,
            guaranteed_stage_m: high,
            ..
        } => ("guaranteed_stage_m", high - low >= 0.1),
        SensorProfile::ReservoirLevel {
            flood_limit_m: low,
            design_flood_m: high,
            ..
        } => ("design_flood_m", high - low >= 0.1),
        SensorProfile::ToxicGas {
            exposure_limit_ppm: oel,
            full_scale_ppm: scale,
            ..
        } => ("exposure_limit_ppm", *oel > 0.0 && scale > oel),
        SensorProfile::WeatherStation { latitude, .. } => {
            ("latitude", (-90.0..=90.0).contains(latitude))
        }
        SensorProfile::RainGauge { .. } | SensorProfile::CombustibleGas { .. } => return Ok(()),
    };
    if ok {
        Ok(())
    } else {
        Err(RuleError::Parameter {
            parameter: name,
            reason: "out of range: the upper level must exceed the lower one by at least 0.1 m, \
                     limits must be positive, the latitude within ±90°",
        })
    }
}

fn rain_gauge(ds: DatastreamId) -> Vec<Rule> {
    let window = |hours: u32, bands: &[(Level, f64)]| {
        let bands: Vec<_> = bands.iter().map(|&(l, mm)| (l, mm, 0.8 * mm)).collect();
        rule(
            format!("rain-{hours}h:{ds}"),
            ds,
            (
                &format!("{hours}小时降雨量"),
                &format!("{hours} h rainfall"),
            ),
            Condition::RollingSum {
                datastream: ds,
                window_secs: hours * 3600,
                grading: Grading {
                    release_after_secs: RAIN_RELEASE_AFTER_SECS,
                    ..grading(&bands, 0)
                },
            },
        )
    };
    vec![
        window(1, &[(Level::Blue, 20.0), (Level::Yellow, 30.0)]),
        window(3, &[(Level::Orange, 50.0), (Level::Red, 100.0)]),
        window(6, &[(Level::Yellow, 50.0)]),
        window(12, &[(Level::Blue, 50.0)]),
        window(
            24,
            &[
                (Level::Blue, 50.0),
                (Level::Orange, 100.0),
                (Level::Red, 250.0),
            ],
        ),
        silence(ds, SILENCE_SECS),
        range(ds, 0.0, 200.0),
    ]
}

/// Blue half a metre below the warning level, yellow at it, orange midway, red at the top.
fn water_bands(warning: f64, top: f64) -> Vec<(Level, f64, f64)> {
    let midway = (warning + top) / 2.0;
    [
        (Level::Blue, warning - 0.5),
        (Level::Yellow, warning),
        (Level::Orange, midway),
        (Level::Red, top),
    ]
    .into_iter()
    .map(|(level, raise)| (level, raise, raise))
    .collect()
}

fn graded_threshold(ds: DatastreamId, bands: Vec<(Level, f64, f64)>, margin: f64) -> Condition {
    let bands: Vec<_> = bands
        .into_iter()
        .map(|(l, r, _)| (l, r, r - margin))
        .collect();
    Condition::Threshold {
        datastream: ds,
        grading: Grading {
            release_after_secs: 1800,
            ..grading(&bands, 0)
        },
    }
}

fn grading(bands: &[(Level, f64, f64)], release_after_secs: u32) -> Grading {
    Grading {
        direction: Direction::Above,
        bands: bands
            .iter()
            .map(|&(level, raise, release)| Band {
                level,
                raise,
                release,
            })
            .collect(),
        min_duration_secs: 0,
        release_after_secs,
    }
}

fn rule(id: String, ds: DatastreamId, name: (&str, &str), condition: Condition) -> Rule {
    Rule {
        id: RuleId::generated(id),
        version: 1,
        name: Name {
            zh: name.0.to_owned(),
            en: name.1.to_owned(),
        },
        subject: Subject(format!("datastream:{ds}")),
        enabled: true,
        condition,
    }
}

fn silence(ds: DatastreamId, after_secs: u32) -> Rule {
    rule(
        format!("silence:{ds}"),
        ds,
        ("传感器离线", "sensor silent"),
        Condition::Silence {
            datastream: ds,
            after_secs,
        },
    )
}

fn range(ds: DatastreamId, min: f64, max: f64) -> Rule {
    rule(
        format!("range:{ds}"),
        ds,
        ("数值超出量程", "value out of range"),
        Condition::Range {
            datastream: ds,
            min,
            max,
        },
    )
}

fn spike(ds: DatastreamId, max_jump: f64) -> Rule {
    rule(
        format!("spike:{ds}"),
        ds,
        ("数值突跳", "value spike"),
        Condition::Spike {
            datastream: ds,
            max_jump,
            confirm_after: 3,
        },
    )
}
