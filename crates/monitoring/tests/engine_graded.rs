//! Graded hazard rules: thresholds with hysteresis and durations, rate of change, rolling sums,
//! composites, intensity–duration thresholds.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::*;
use serde_json::json;
use yingji_monitoring::Level::{self, *};

/// River stage with warning stage 3.0 m: yellow 3.0 (release 2.9), red 3.5 (release 3.4).
fn stage_rule(min_duration_secs: u32, release_after_secs: u32) -> serde_json::Value {
    doc(
        "stage",
        "station:jiyun-1",
        json!({
            "kind": "threshold",
            "datastream": 1,
            "grading": {
                "direction": "above",
                "bands": [
                    { "level": "yellow", "raise": 3.0, "release": 2.9 },
                    { "level": "red", "raise": 3.5, "release": 3.4 }
                ],
                "min_duration_secs": min_duration_secs,
                "release_after_secs": release_after_secs
            }
        }),
    )
}

fn run(rule: serde_json::Value, ds: u64, series: &[(i64, f64)]) -> Vec<(i64, Option<Level>)> {
    levels(&feed(&mut engine(vec![rule]), ds, series))
}

#[test]
fn a_threshold_raises_escalates_and_steps_down_through_its_levels() {
    let series = [(0, 2.5), (1, 3.0), (2, 3.6), (3, 3.2), (4, 2.0)];
    assert_eq!(
        run(stage_rule(0, 0), 1, &series),
        [
            (1, Some(Yellow)),
            (2, Some(Red)),
            (3, Some(Yellow)),
            (4, None)
        ]
    );
}

#[test]
fn hysteresis_keeps_a_level_until_the_value_stays_clear_of_release_long_enough() {
    // Release after 10 minutes clear of 2.9 m; the dip to 2.95 is not clear and restarts it.
    let series = [
        (0, 3.1),
        (5, 2.85),
        (10, 2.95),
        (12, 2.8),
        (21, 2.8),
        (22, 2.8),
    ];
    assert_eq!(
        run(stage_rule(0, 600), 1, &series),
        [(0, Some(Yellow)), (22, None)],
        "lifted 10 min after 12, not 10 min after 5"
    );
}

#[test]
fn a_value_between_release_and_raise_neither_raises_nor_lifts() {
    let series = [(0, 2.95), (1, 3.0), (2, 2.95), (3, 2.91)];
    assert_eq!(run(stage_rule(0, 0), 1, &series), [(1, Some(Yellow))]);
}

#[test]
fn minimum_duration_ignores_short_exceedances() {
    // Needs 5 minutes at or above the threshold.
    let series = [(0, 3.2), (3, 3.2), (4, 2.5), (5, 3.2), (9, 3.2), (10, 3.2)];
    assert_eq!(run(stage_rule(300, 0), 1, &series), [(10, Some(Yellow))]);
}

#[test]
fn below_direction_warns_on_low_values() {
    let rule = doc(
        "low-water",
        "reservoir:yuqiao",
        json!({
            "kind": "threshold", "datastream": 2,
            "grading": { "direction": "below", "bands": [
                { "level": "blue", "raise": 15.0, "release": 15.5 }
            ]}
        }),
    );
    let series = [(0, 16.0), (1, 15.0), (2, 15.4), (3, 15.6)];
    assert_eq!(run(rule, 2, &series), [(1, Some(Blue)), (3, None)]);
}

#[test]
fn rate_of_change_warns_on_a_fast_rise_and_lifts_when_the_rise_stops() {
    let rule = doc(
        "stage-rise",
        "station:jiyun-1",
        json!({
            "kind": "rate_of_change", "datastream": 1, "per_secs": 3600,
            "grading": { "direction": "above", "bands": [
                { "level": "orange", "raise": 0.5, "release": 0.25 }
            ]}
        }),
    );
    // +0.1 m every 10 minutes: +0.5 m over 50 minutes → orange; then flat, and at minute 90
    // the last hour's rise is 0.2 m, clear of the 0.25 m release.
    let mut series: Vec<(i64, f64)> = (0..=5).map(|k| (k * 10, 2.0 + 0.1 * k as f64)).collect();
    series.extend((6..=12).map(|k| (k * 10, 2.5)));
    assert_eq!(run(rule, 1, &series), [(50, Some(Orange)), (90, None)]);
}

fn rain_rule() -> serde_json::Value {
    doc(
        "rain-1h",
        "datastream:7",
        json!({
            "kind": "rolling_sum", "datastream": 7, "window_secs": 3600,
            "grading": { "direction": "above", "bands": [
                { "level": "blue", "raise": 20.0, "release": 16.0 },
                { "level": "yellow", "raise": 30.0, "release": 24.0 }
            ]}
        }),
    )
}

#[test]
fn a_rolling_sum_raises_on_accumulated_rain_and_lifts_as_the_window_empties() {
    let mut engine = engine(vec![rain_rule()]);
    // 5 mm every 10 minutes for an hour: 20 mm at minute 30, 30 mm at minute 50.
    let series: Vec<(i64, f64)> = (0..6).map(|k| (k * 10, 5.0)).collect();
    let events = feed(&mut engine, 7, &series);
    assert_eq!(levels(&events), [(30, Some(Blue)), (50, Some(Yellow))]);
    // The rain stops; the gauge goes quiet. Ticks let the window drain: 20 mm at minute 70
    // (clear of yellow's 24 mm release, still holding blue), 15 mm at minute 80.
    let drained: Vec<_> = (6..=14)
        .flat_map(|k| engine.tick(at(k * 10)))
        .map(minute_event)
        .collect();
    assert_eq!(levels(&drained), [(70, Some(Blue)), (80, None)]);
}

#[test]
fn late_rain_joins_the_window_if_it_still_covers_it_and_duplicates_count_once() {
    let mut engine = engine(vec![rain_rule()]);
    feed(&mut engine, 7, &[(100, 10.0)]);
    // 40 minutes late: inside the hour. 90 minutes late: outside, ignored. Duplicate: ignored.
    assert!(feed(&mut engine, 7, &[(60, 9.0), (10, 50.0), (100, 10.0)]).is_empty());
    // 19 mm so far; 1 mm more reaches the 20 mm blue threshold only if the late 9 mm counted
    // and neither the 50 mm nor the duplicate did.
    assert_eq!(
        levels(&feed(&mut engine, 7, &[(101, 1.0)])),
        [(101, Some(Blue))]
    );
    let mut fresh = common::engine(vec![rain_rule()]);
    assert!(feed(
        &mut fresh,
        7,
        &[(100, 10.0), (60, 9.0), (10, 50.0), (100, 10.0), (101, 0.9)]
    )
    .is_empty());
}

#[test]
fn a_late_observation_does_not_move_a_threshold_backwards() {
    let mut engine = engine(vec![stage_rule(0, 0)]);
    assert_eq!(
        levels(&feed(&mut engine, 1, &[(10, 3.2)])),
        [(10, Some(Yellow))]
    );
    assert!(feed(&mut engine, 1, &[(5, 1.0), (6, 4.0)]).is_empty());
}

#[test]
fn a_composite_needs_all_its_clauses_with_fresh_values() {
    let rule = doc(
        "flood-combo",
        "town:yuyang",
        json!({
            "kind": "composite", "combine": "all", "level": "orange", "max_age_secs": 1800,
            "clauses": [
                { "datastream": 1, "direction": "above", "value": 3.0 },
                { "datastream": 7, "direction": "above", "value": 10.0 }
            ]
        }),
    );
    let mut engine = engine(vec![rule]);
    let mut events = feed(&mut engine, 1, &[(0, 3.2)]);
    events.extend(feed(&mut engine, 7, &[(10, 12.0)]));
    events.extend(feed(&mut engine, 1, &[(20, 2.5)]));
    events.extend(feed(&mut engine, 1, &[(25, 3.1)]));
    // Rain value from minute 10 is 50 minutes old at minute 60: stale, the composite fails.
    events.extend(feed(&mut engine, 1, &[(60, 3.3)]));
    assert_eq!(
        levels(&events),
        [
            (10, Some(Orange)),
            (20, None),
            (25, Some(Orange)),
            (60, None)
        ]
    );
}

#[test]
fn a_composite_never_grades_backwards_in_time() {
    // Found by the lifecycle property: datastream 7's value at minute 2 is new for datastream
    // 7 but older than the composite's minute-3 raise; it is remembered, not graded.
    let rule = doc(
        "flood-combo",
        "town:yuyang",
        json!({
            "kind": "composite", "combine": "all", "level": "red", "max_age_secs": 900,
            "clauses": [
                { "datastream": 7, "direction": "above", "value": 2.0 },
                { "datastream": 1, "direction": "above", "value": 3.2 }
            ]
        }),
    );
    let mut engine = engine(vec![rule]);
    let mut events = feed(&mut engine, 7, &[(0, 8.0)]);
    events.extend(feed(&mut engine, 1, &[(3, 3.9)]));
    events.extend(feed(&mut engine, 7, &[(2, 0.0)]));
    events.extend(feed(&mut engine, 1, &[(4, 3.9)]));
    assert_eq!(levels(&events), [(3, Some(Red)), (4, None)]);
}

#[test]
fn an_any_composite_needs_one_clause() {
    let rule = doc(
        "either",
        "plant:1",
        json!({
            "kind": "composite", "combine": "any", "level": "red", "max_age_secs": 600,
            "clauses": [
                { "datastream": 3, "direction": "above", "value": 25.0 },
                { "datastream": 4, "direction": "above", "value": 25.0 }
            ]
        }),
    );
    let mut engine = engine(vec![rule]);
    let mut events = feed(&mut engine, 3, &[(0, 5.0)]);
    events.extend(feed(&mut engine, 4, &[(1, 30.0), (2, 5.0)]));
    assert_eq!(levels(&events), [(1, Some(Red)), (2, None)]);
}

fn caine_rule(gauges: &[u64]) -> serde_json::Value {
    doc(
        "landslide-hp032",
        "hazard-point:HP-032",
        json!({
            "kind": "intensity_duration", "gauges": gauges, "a": 14.82, "b": 0.39,
            "durations_secs": [3600, 10800, 86400],
            "grading": { "direction": "above", "bands": [
                { "level": "yellow", "raise": 0.8, "release": 0.7 },
                { "level": "orange", "raise": 1.0, "release": 0.9 }
            ]}
        }),
    )
}

#[test]
fn intensity_duration_compares_each_duration_with_caine_1980() {
    // 1 h: I = 14.82 mm/h. 24 h: I = 14.82·24^-0.39 = 4.29 mm/h, i.e. 103 mm in 24 h.
    let threshold_24h = 14.82 * 24f64.powf(1.0 - 0.39);
    assert!((threshold_24h - 103.0).abs() < 0.5, "{threshold_24h}");

    // A short burst: 15 mm within one hour exceeds the 1 h threshold.
    let mut burst = engine(vec![caine_rule(&[7, 8])]);
    let events = feed(&mut burst, 8, &[(0, 7.5), (30, 7.5)]);
    assert_eq!(levels(&events), [(30, Some(Orange))]);
    let Some((_, yingji_monitoring::Event::Raised { value, .. })) = events.first() else {
        panic!("{events:?}")
    };
    assert!((value - 15.0 / 14.82).abs() < 1e-9);

    // Long moderate rain: 4.5 mm every hour. 1 h and 3 h stay well below; after 19 h the
    // 24 h amount reaches 0.8 of 103 mm (yellow), after 23 h the full threshold (orange).
    let mut steady = engine(vec![caine_rule(&[7])]);
    let series: Vec<(i64, f64)> = (0..24).map(|h| (h * 60, 4.5)).collect();
    let got = levels(&feed(&mut steady, 7, &series));
    let first_at = |n: f64| ((n / 4.5).ceil() as i64 - 1) * 60;
    assert_eq!(
        got,
        [
            (first_at(0.8 * threshold_24h), Some(Yellow)),
            (first_at(threshold_24h), Some(Orange))
        ]
    );
}

#[test]
fn intensity_duration_ignores_gauges_not_listed() {
    let mut engine = engine(vec![caine_rule(&[7])]);
    assert!(feed(&mut engine, 9, &[(0, 50.0)]).is_empty());
}
