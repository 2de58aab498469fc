//! Default rules per sensor type: valid, distinct, and doing what their table says.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::json;
use yingji_monitoring::defaults::{default_rules_for, hazard_point_rule, SensorProfile};
use yingji_monitoring::{DatastreamId, Engine, Level, RuleError};

fn profiles() -> Vec<SensorProfile> {
    let ds = DatastreamId;
    vec![
        SensorProfile::RainGauge { datastream: ds(1) },
        SensorProfile::RiverStage {
            datastream: ds(2),
            warning_stage_m: 4.5,
            guaranteed_stage_m: 6.0,
        },
        SensorProfile::ReservoirLevel {
            datastream: ds(3),
            flood_limit_m: 19.87,
            design_flood_m: 25.62,
        },
        SensorProfile::CombustibleGas { datastream: ds(4) },
        SensorProfile::ToxicGas {
            datastream: ds(5),
            gas: "H2S".into(),
            exposure_limit_ppm: 7.0,
            full_scale_ppm: 100.0,
        },
        SensorProfile::WeatherStation {
            station: "54428".into(),
            temperature: ds(6),
            humidity: ds(7),
            wind: ds(8),
            rain: ds(9),
            latitude: 40.05,
        },
    ]
}

fn engine_for(profile: &SensorProfile) -> Engine {
    Engine::with_rules(default_rules_for(profile).unwrap()).unwrap()
}

#[test]
fn every_sensor_type_gets_valid_rules_with_distinct_ids_and_a_silence_fault() {
    let mut ids = HashSet::new();
    for profile in profiles() {
        let rules = default_rules_for(&profile).unwrap();
        assert!(rules.iter().any(|r| !r.is_fault_rule()), "{profile:?}");
        assert!(
            rules.iter().any(|r| r.id.as_str().starts_with("silence:")),
            "{profile:?}"
        );
        for rule in rules {
            rule.validate().unwrap();
            assert!(ids.insert(rule.id.clone()), "duplicate id {}", rule.id);
        }
    }
}

#[test]
fn rain_gauge_defaults_follow_the_cma_rainstorm_signals() {
    let mut engine = engine_for(&SensorProfile::RainGauge {
        datastream: DatastreamId(1),
    });
    // 10 mm every 30 minutes: 20 mm/h → blue (1 h); 50 mm within 3 h at minute 120 → orange.
    let series: Vec<(i64, f64)> = (0..5).map(|k| (k * 30, 10.0)).collect();
    let events: Vec<_> = series
        .iter()
        .flat_map(|&(m, v)| engine.ingest(&obs(1, m, v)))
        .map(|s| (s.rule.to_string(), minute_event(s)))
        .filter_map(|(rule, (m, e))| levels(&[(m, e)]).first().map(|l| (rule, *l)))
        .collect();
    assert!(
        events.contains(&("rain-1h:1".into(), (30, Some(Level::Blue)))),
        "{events:?}"
    );
    assert!(
        events.contains(&("rain-3h:1".into(), (120, Some(Level::Orange)))),
        "{events:?}"
    );
    assert!(
        events.contains(&("rain-24h:1".into(), (120, Some(Level::Blue)))),
        "{events:?}"
    );
}

#[test]
fn combustible_gas_defaults_follow_gb_50493_alarm_levels() {
    let mut engine = engine_for(&SensorProfile::CombustibleGas {
        datastream: DatastreamId(4),
    });
    let got = levels(&feed(
        &mut engine,
        4,
        &[(0, 5.0), (1, 26.0), (2, 55.0), (3, 120.0)],
    ));
    assert_eq!(
        got,
        [(1, Some(Level::Orange)), (2, Some(Level::Red))],
        "120 %LEL is a fault"
    );
}

#[test]
fn river_stage_levels_hang_off_the_station_parameters() {
    let profile = &profiles()[1];
    let mut engine = engine_for(profile);
    // A slow rise (0.4 m within the hour), so only the stage rule speaks, not the rise rule.
    let got = levels(&feed(
        &mut engine,
        2,
        &[(0, 4.1), (1, 4.5), (2, 4.5), (3, 4.4)],
    ));
    assert_eq!(got, [(0, Some(Level::Blue)), (1, Some(Level::Yellow))]);
}

#[test]
fn inconsistent_sensor_parameters_are_refused() {
    let bad = SensorProfile::RiverStage {
        datastream: DatastreamId(2),
        warning_stage_m: 6.0,
        guaranteed_stage_m: 4.5,
    };
    assert!(matches!(
        default_rules_for(&bad),
        Err(RuleError::Parameter {
            parameter: "guaranteed_stage_m",
            ..
        })
    ));
}

#[test]
fn sensor_profiles_are_json_documents() {
    let profile: SensorProfile = serde_json::from_value(json!({
        "sensor_type": "toxic_gas", "datastream": 5, "gas": "CO",
        "exposure_limit_ppm": 26.0, "full_scale_ppm": 500.0
    }))
    .unwrap();
    assert_eq!(default_rules_for(&profile).unwrap().len(), 3);
}

#[test]
fn a_hazard_point_uses_caine_1980_unless_it_has_its_own_threshold() {
    let gauges = vec![DatastreamId(1), DatastreamId(2)];
    let caine = hazard_point_rule("HP-032", gauges.clone(), None).unwrap();
    assert_eq!(caine.subject.0, "hazard-point:HP-032");
    let mut engine = Engine::with_rules([caine]).unwrap();
    // 7.5 mm is 0.51 of the 1 h threshold (I = 14.82 mm/h): below blue's 0.6. 15 mm within
    // the hour at the second gauge is just above it → orange.
    let got = levels(&feed(&mut engine, 2, &[(0, 7.5), (59, 7.5)]));
    assert_eq!(got, [(59, Some(Level::Orange))]);

    // A steeper local threshold (a = 30) makes the same rain harmless.
    let local = hazard_point_rule("HP-033", gauges, Some((30.0, 0.39))).unwrap();
    let mut engine = Engine::with_rules([local]).unwrap();
    assert!(levels(&feed(&mut engine, 2, &[(0, 7.5), (59, 7.5)])).is_empty());
    assert!(hazard_point_rule("HP 034", vec![DatastreamId(1)], None).is_err());
    assert!(hazard_point_rule("HP-035", vec![], None).is_err());
}
