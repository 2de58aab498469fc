//! Sensor faults (silence, physical range, spikes) and the daily fire-weather rule.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use serde_json::json;
use yingji_monitoring::fwi::{daily, DayContext, FwiCodes, NoonWeather};
use yingji_monitoring::{DatastreamId, Event, FaultKind, Level, Observation, RuleId};

fn faults(events: &[(i64, Event)]) -> Vec<(i64, FaultKind, bool)> {
    events
        .iter()
        .filter_map(|(m, e)| match e {
            Event::FaultRaised { fault, .. } => Some((*m, *fault, true)),
            Event::FaultCleared { fault } => Some((*m, *fault, false)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_silent_sensor_raises_a_fault_on_tick_and_clears_when_it_reports() {
    let mut engine = engine(vec![doc(
        "silence-5",
        "datastream:5",
        json!({ "kind": "silence", "datastream": 5, "after_secs": 600 }),
    )]);
    let mut events = Vec::new();
    let tick = |engine: &mut yingji_monitoring::Engine, m| {
        engine
            .tick(at(m))
            .into_iter()
            .map(minute_event)
            .collect::<Vec<_>>()
    };
    // Never heard from: watched from the first tick on.
    events.extend(tick(&mut engine, 0));
    events.extend(tick(&mut engine, 10));
    events.extend(tick(&mut engine, 11));
    events.extend(tick(&mut engine, 12));
    events.extend(feed(&mut engine, 5, &[(12, 1.0)]));
    events.extend(tick(&mut engine, 20));
    events.extend(tick(&mut engine, 23));
    assert_eq!(
        faults(&events),
        [
            (11, FaultKind::Silence, true),
            (12, FaultKind::Silence, false),
            (23, FaultKind::Silence, true)
        ]
    );
}

#[test]
fn a_delayed_report_clears_silence_no_earlier_than_it_was_raised() {
    let mut engine = engine(vec![doc(
        "silence-5",
        "datastream:5",
        json!({ "kind": "silence", "datastream": 5, "after_secs": 600 }),
    )]);
    feed(&mut engine, 5, &[(0, 1.0)]);
    let raised: Vec<_> = engine.tick(at(11)).into_iter().map(minute_event).collect();
    // Measured at minute 5, delivered after the fault was raised at minute 11.
    let cleared = feed(&mut engine, 5, &[(5, 1.0)]);
    assert_eq!(faults(&raised), [(11, FaultKind::Silence, true)]);
    assert_eq!(faults(&cleared), [(11, FaultKind::Silence, false)]);
}

#[test]
fn a_value_outside_the_physical_range_is_a_fault_and_never_reaches_hazard_rules() {
    let mut engine = engine(vec![
        doc(
            "gas-high",
            "detector:12",
            json!({
                "kind": "threshold", "datastream": 12,
                "grading": { "direction": "above", "bands": [
                    { "level": "red", "raise": 50.0, "release": 45.0 }
                ]}
            }),
        ),
        doc(
            "gas-range",
            "detector:12",
            json!({ "kind": "range", "datastream": 12, "min": 0.0, "max": 100.0 }),
        ),
    ]);
    let events = feed(
        &mut engine,
        12,
        &[(0, 5.0), (1, 250.0), (2, -3.0), (3, 60.0)],
    );
    assert_eq!(
        faults(&events),
        [
            (1, FaultKind::OutOfRange, true),
            (3, FaultKind::OutOfRange, false)
        ]
    );
    assert_eq!(
        levels(&events),
        [(3, Some(Level::Red))],
        "250 %LEL is a fault, not gas"
    );
}

#[test]
fn a_single_spike_is_a_fault_but_a_sustained_step_is_accepted_as_real() {
    let mut engine = engine(vec![
        doc(
            "stage-spike",
            "station:1",
            json!({ "kind": "spike", "datastream": 1, "max_jump": 1.0, "confirm_after": 3 }),
        ),
        doc(
            "stage",
            "station:1",
            json!({
                "kind": "threshold", "datastream": 1,
                "grading": { "direction": "above", "bands": [
                    { "level": "yellow", "raise": 3.0, "release": 2.9 }
                ]}
            }),
        ),
    ]);
    let events = feed(
        &mut engine,
        1,
        &[(0, 2.0), (1, 9.0), (2, 2.1), (3, 4.0), (4, 4.1), (5, 4.0)],
    );
    assert_eq!(
        faults(&events),
        [
            (1, FaultKind::Spike, true),
            (2, FaultKind::Spike, false),
            (3, FaultKind::Spike, true),
            (5, FaultKind::Spike, false)
        ]
    );
    // The 9 m outlier never raised a warning; the confirmed step to 4 m did.
    assert_eq!(levels(&events), [(5, Some(Level::Yellow))]);
}

/// Weather station 54428 style: four datastreams, FWI graded with EFFIS-like classes.
fn fire_rule() -> serde_json::Value {
    doc(
        "fwi-panshan",
        "station:panshan",
        json!({
            "kind": "fire_weather",
            "temperature": 21, "humidity": 22, "wind": 23, "rain": 24,
            "latitude": 40.0,
            "grading": { "direction": "above", "bands": [
                { "level": "blue", "raise": 5.2, "release": 5.2 },
                { "level": "yellow", "raise": 11.2, "release": 11.2 }
            ]}
        }),
    )
}

#[test]
fn fire_weather_is_computed_once_a_day_after_local_noon_and_carries_the_codes() {
    let mut engine = engine(vec![fire_rule()]);
    let id = RuleId::parse("fwi-panshan").unwrap();
    // 1985-04-13 and -14 of the Van Wagner & Pickett test table, noon CST = 04:00 UTC.
    let noon = |day| Utc.with_ymd_and_hms(1985, 4, day, 4, 0, 0).unwrap();
    let send = |engine: &mut yingji_monitoring::Engine, ds, t, v| {
        engine.ingest(&Observation::new(DatastreamId(ds), t, v, t).unwrap())
    };
    let day = DayContext::new(40.0, 4).unwrap();

    for (ds, v) in [(21, 17.0), (22, 42.0), (23, 25.0)] {
        send(&mut engine, ds, noon(13) - Duration::minutes(5), v);
    }
    assert!(
        engine.tick(noon(13) - Duration::minutes(1)).is_empty(),
        "before noon"
    );
    let first = engine.tick(noon(13) + Duration::minutes(2));
    let expected = daily(
        FwiCodes::STARTUP,
        &NoonWeather::new(17.0, 42.0, 25.0, 0.0).unwrap(),
        day,
    );
    assert_eq!(engine.fire_weather(&id), Some(expected));
    assert!((expected.fwi - 10.04).abs() < 0.01, "{expected:?}");
    assert!(
        matches!(first[..], [ref s] if s.event == Event::Raised { level: Level::Blue, value: expected.fwi })
    );
    assert!(
        engine.tick(noon(13) + Duration::hours(3)).is_empty(),
        "once a day"
    );

    // Next day: 2.4 mm of rain in two reports within the 24 h before noon.
    send(&mut engine, 24, noon(13) + Duration::hours(6), 1.2);
    send(&mut engine, 24, noon(14) - Duration::hours(2), 1.2);
    for (ds, v) in [(21, 20.0), (22, 21.0), (23, 25.0)] {
        send(&mut engine, ds, noon(14), v);
    }
    engine.tick(noon(14) + Duration::minutes(1));
    let second = daily(
        expected.codes(),
        &NoonWeather::new(20.0, 21.0, 25.0, 2.4).unwrap(),
        day,
    );
    let got = engine.fire_weather(&id).unwrap();
    assert!((got.ffmc - second.ffmc).abs() < 1e-9 && (got.dc - second.dc).abs() < 1e-9);
    assert!(
        (got.ffmc - 86.2).abs() < 0.01,
        "reference FFMC day 2: {got:?}"
    );
}

#[test]
fn a_day_without_noon_inputs_is_a_fault_and_keeps_the_codes() {
    let mut engine = engine(vec![fire_rule()]);
    let id = RuleId::parse("fwi-panshan").unwrap();
    let noon = Utc.with_ymd_and_hms(2024, 4, 1, 4, 0, 0).unwrap();
    // Only a temperature, and 3 hours before noon.
    let early = noon - Duration::hours(3);
    engine.ingest(&Observation::new(DatastreamId(21), early, 15.0, early).unwrap());
    let events: Vec<_> = engine.tick(noon + Duration::minutes(1));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].event,
        Event::FaultRaised {
            fault: FaultKind::IncompleteFireWeather,
            value: None
        }
    );
    assert_eq!(engine.fire_weather(&id), None);
}
