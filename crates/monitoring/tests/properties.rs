//! Properties over random observation streams (late, duplicate and out-of-range values
//! included): the signal stream is always a legal warning lifecycle, and persisting and
//! restoring the engine at any point changes nothing.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::json;
use yingji_monitoring::lifecycle::WarningBook;
use yingji_monitoring::{Engine, Signal};

fn rules() -> Vec<serde_json::Value> {
    let grading = |bands: serde_json::Value, release_after: u32, min_duration: u32| {
        json!({ "direction": "above", "bands": bands,
                "release_after_secs": release_after, "min_duration_secs": min_duration })
    };
    vec![
        doc(
            "rain",
            "ds:1",
            json!({ "kind": "rolling_sum", "datastream": 1, "window_secs": 3600,
            "grading": grading(json!([{ "level": "blue", "raise": 10.0, "release": 8.0 },
                                      { "level": "red", "raise": 25.0, "release": 20.0 }]), 600, 0) }),
        ),
        doc(
            "stage",
            "ds:2",
            json!({ "kind": "threshold", "datastream": 2,
            "grading": grading(json!([{ "level": "yellow", "raise": 3.0, "release": 2.8 },
                                      { "level": "orange", "raise": 3.5, "release": 3.3 },
                                      { "level": "red", "raise": 4.0, "release": 3.9 }]), 300, 120) }),
        ),
        doc(
            "rise",
            "ds:2",
            json!({ "kind": "rate_of_change", "datastream": 2, "per_secs": 1800,
            "grading": grading(json!([{ "level": "orange", "raise": 0.5, "release": 0.2 }]), 0, 0) }),
        ),
        doc(
            "combo",
            "town",
            json!({ "kind": "composite", "combine": "all", "level": "red",
            "max_age_secs": 900, "clauses": [
                { "datastream": 1, "direction": "above", "value": 2.0 },
                { "datastream": 2, "direction": "above", "value": 3.2 }] }),
        ),
        doc(
            "landslide",
            "hp",
            json!({ "kind": "intensity_duration", "gauges": [1], "a": 14.82,
            "b": 0.39, "durations_secs": [3600, 10800],
            "grading": grading(json!([{ "level": "orange", "raise": 1.0, "release": 0.9 }]), 0, 0) }),
        ),
        doc(
            "range",
            "ds:2",
            json!({ "kind": "range", "datastream": 2, "min": 0.0, "max": 10.0 }),
        ),
        doc(
            "spike",
            "ds:2",
            json!({ "kind": "spike", "datastream": 2, "max_jump": 2.0 }),
        ),
        doc(
            "silence",
            "ds:1",
            json!({ "kind": "silence", "datastream": 1, "after_secs": 1200 }),
        ),
    ]
}

/// (datastream 1 or 2, minutes since the previous step — 0 repeats a time, value, tick?)
fn steps() -> impl Strategy<Value = Vec<(u64, i64, f64, bool)>> {
    prop::collection::vec((1u64..=2, -30i64..40, -1.0f64..12.0, any::<bool>()), 1..120)
}

/// Replays the steps; late steps (negative gaps) go back in time without moving the clock.
fn replay(engine: &mut Engine, steps: &[(u64, i64, f64, bool)], clock: &mut i64) -> Vec<Signal> {
    let mut out = Vec::new();
    for &(ds, gap, value, tick) in steps {
        let minute = *clock + gap;
        if gap >= 0 {
            *clock = minute;
        }
        let value = if ds == 1 { value.max(0.0) } else { value };
        out.extend(engine.ingest(&obs(ds, minute, value)));
        if tick {
            out.extend(engine.tick(at(*clock)));
        }
    }
    out
}

proptest! {
    #[test]
    fn signals_always_form_a_legal_lifecycle(steps in steps()) {
        let mut engine = engine(rules());
        let mut book = WarningBook::default();
        let mut clock = 0;
        for signal in replay(&mut engine, &steps, &mut clock) {
            let applied = book.apply(&signal);
            prop_assert!(applied.is_ok(), "{signal:?}: {applied:?}");
        }
        // The book, fed only signals, agrees with the engine's own levels.
        for rule in engine.rules() {
            let open = book.open().iter().find(|w| w.rule == rule.id).map(|w| w.level);
            prop_assert_eq!(open, engine.level(&rule.id), "rule {}", rule.id);
        }
    }

    #[test]
    fn persisting_and_restoring_at_any_point_changes_nothing(steps in steps(), split in 0usize..120) {
        let split = split.min(steps.len());
        let mut uninterrupted = engine(rules());
        let mut clock = 0;
        let expected = replay(&mut uninterrupted, &steps, &mut clock);

        let mut first = engine(rules());
        let mut clock = 0;
        let mut got = replay(&mut first, &steps[..split], &mut clock);
        let saved = serde_json::to_string(&first.snapshot()).unwrap();
        let mut second = Engine::restore(serde_json::from_str(&saved).unwrap()).unwrap();
        got.extend(replay(&mut second, &steps[split..], &mut clock));
        prop_assert_eq!(got, expected);
        prop_assert_eq!(second.snapshot(), uninterrupted.snapshot());
    }
}
