//! Bad input, rules as versioned data, persistence of the engine state.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::*;
use serde_json::json;
use yingji_monitoring::{
    DatastreamId, Engine, Event, Level, Observation, ObservationError, Rule, RuleError, RuleId,
};

fn stage(version: u32, raise: f64) -> serde_json::Value {
    let mut rule = doc(
        "stage",
        "station:1",
        json!({
            "kind": "threshold", "datastream": 1,
            "grading": { "direction": "above", "bands": [
                { "level": "yellow", "raise": raise, "release": raise - 0.1 }
            ], "release_after_secs": 600 }
        }),
    );
    rule["version"] = json!(version);
    rule
}

#[test]
fn observations_refuse_nan_infinity_wrong_types_and_the_future() {
    let ds = DatastreamId(1);
    let now = at(0);
    assert!(matches!(
        Observation::new(ds, now, f64::NAN, now),
        Err(ObservationError::NotFinite { .. })
    ));
    assert!(Observation::new(ds, now, f64::INFINITY, now).is_err());
    assert!(matches!(
        Observation::new(ds, at(6), 1.0, now),
        Err(ObservationError::InTheFuture { .. })
    ));
    assert!(
        Observation::new(ds, at(5), 1.0, now).is_ok(),
        "5 minutes of skew allowed"
    );
    for (value, found) in [
        (json!("3.2"), "a string"),
        (json!(null), "null"),
        (json!(true), "a boolean"),
        (json!([1]), "an array"),
        (json!({"v": 1}), "an object"),
    ] {
        let err = Observation::from_json_result(ds, now, &value, now).unwrap_err();
        assert_eq!(
            err,
            ObservationError::WrongType {
                datastream: ds,
                found
            }
        );
        assert!(err.to_string().contains("datastream 1"), "{err}");
    }
    let ok = Observation::from_json_result(ds, now, &json!(3.25), now).unwrap();
    assert_eq!(ok.result(), 3.25);
}

#[test]
fn rejected_and_irrelevant_observations_leave_the_state_unchanged() {
    let mut engine = engine(vec![stage(1, 3.0)]);
    feed(&mut engine, 1, &[(0, 3.5)]);
    let before = engine.snapshot();
    assert!(Observation::from_json_result(DatastreamId(1), at(1), &json!("NaN"), at(1)).is_err());
    assert!(
        engine.ingest(&obs(99, 1, 1e9)).is_empty(),
        "no rule reads datastream 99"
    );
    assert!(
        engine.ingest(&obs(1, 0, 0.0)).is_empty(),
        "duplicate time is ignored"
    );
    assert_eq!(engine.snapshot(), before);
}

#[test]
fn rules_are_json_documents_that_survive_a_round_trip() {
    let rule: Rule = rule(stage(3, 3.0));
    let text = serde_json::to_string(&rule).unwrap();
    assert_eq!(serde_json::from_str::<Rule>(&text).unwrap(), rule);
    assert!(
        text.contains(r#""condition":{"kind":"threshold","datastream":1,"grading""#),
        "{text}"
    );
    assert!(
        text.contains(r#""enabled":true"#),
        "enabled defaults to true: {text}"
    );
}

#[test]
fn malformed_rule_documents_are_refused_with_the_reason() {
    let mut typo = stage(1, 3.0);
    typo["condition"]["grading"]["release_aftr_secs"] = json!(60);
    let err = serde_json::from_value::<Rule>(typo).unwrap_err();
    assert!(err.to_string().contains("release_aftr_secs"), "{err}");

    let mut kind = stage(1, 3.0);
    kind["condition"]["kind"] = json!("magic");
    assert!(serde_json::from_value::<Rule>(kind).is_err());

    let mut id = stage(1, 3.0);
    id["id"] = json!("has space");
    assert!(serde_json::from_value::<Rule>(id).is_err());

    let inverted = rule(doc(
        "bad",
        "s",
        json!({
            "kind": "threshold", "datastream": 1,
            "grading": { "direction": "above", "bands": [
                { "level": "yellow", "raise": 3.0, "release": 3.5 }
            ]}
        }),
    ));
    let err = Engine::with_rules([inverted]).unwrap_err();
    assert!(matches!(err, RuleError::Grading { .. }), "{err}");
    assert!(err.to_string().contains("release"), "{err}");

    let window = rule(doc(
        "too-long",
        "s",
        json!({ "kind": "silence", "datastream": 1, "after_secs": 0 }),
    ));
    assert!(matches!(
        window.validate(),
        Err(RuleError::Invalid {
            field: "after_secs",
            ..
        })
    ));
}

#[test]
fn a_newer_version_with_a_new_condition_restarts_the_rule_and_closes_its_warning() {
    let mut engine = engine(vec![stage(1, 3.0)]);
    let id = RuleId::parse("stage").unwrap();
    feed(&mut engine, 1, &[(0, 3.2)]);
    assert_eq!(engine.level(&id), Some(Level::Yellow));

    let stale = engine.upsert(rule(stage(1, 4.0)), at(1)).unwrap_err();
    assert!(matches!(
        stale,
        RuleError::StaleVersion {
            stored: 1,
            offered: 1,
            ..
        }
    ));
    assert!(
        engine
            .upsert(rule(stage(1, 3.0)), at(1))
            .unwrap()
            .is_empty(),
        "same rule again"
    );

    let closing = engine.upsert(rule(stage(2, 4.0)), at(2)).unwrap();
    assert_eq!(closing.len(), 1);
    assert_eq!(
        closing[0].version, 1,
        "closed under the version that raised it"
    );
    assert_eq!(
        closing[0].event,
        Event::Lifted {
            from: Level::Yellow,
            value: None
        }
    );
    assert_eq!(engine.level(&id), None);
    assert_eq!(engine.rule(&id).unwrap().version, 2);
    assert!(
        feed(&mut engine, 1, &[(3, 3.5)]).is_empty(),
        "3.5 is below the new 4.0"
    );
}

#[test]
fn renaming_a_rule_keeps_its_warning_in_force() {
    let mut engine = engine(vec![stage(1, 3.0)]);
    let id = RuleId::parse("stage").unwrap();
    feed(&mut engine, 1, &[(0, 3.2)]);
    let mut renamed = rule(stage(2, 3.0));
    renamed.name.zh = "蓟运河水位".into();
    assert!(engine.upsert(renamed, at(1)).unwrap().is_empty());
    assert_eq!(engine.level(&id), Some(Level::Yellow));
}

#[test]
fn disabling_or_removing_a_rule_closes_its_warning_and_stops_evaluation() {
    let mut engine = engine(vec![stage(1, 3.0)]);
    let id = RuleId::parse("stage").unwrap();
    feed(&mut engine, 1, &[(0, 3.2)]);
    let mut off = rule(stage(2, 3.0));
    off.enabled = false;
    assert_eq!(engine.upsert(off, at(1)).unwrap().len(), 1);
    assert!(feed(&mut engine, 1, &[(2, 9.0)]).is_empty());

    let mut on = rule(stage(3, 3.0));
    on.enabled = true;
    engine.upsert(on, at(3)).unwrap();
    assert_eq!(
        levels(&feed(&mut engine, 1, &[(4, 3.3)])),
        [(4, Some(Level::Yellow))]
    );
    let (removed, closing) = engine.remove(&id, at(5)).unwrap();
    assert_eq!((removed.version, closing.len()), (3, 1));
    assert!(matches!(
        engine.remove(&id, at(6)),
        Err(RuleError::NotFound(_))
    ));
    assert!(feed(&mut engine, 1, &[(7, 9.0)]).is_empty());
}

#[test]
fn a_restored_snapshot_continues_exactly_where_the_engine_stopped() {
    let rules = vec![
        stage(1, 3.0),
        doc(
            "rain-3h",
            "datastream:7",
            json!({
                "kind": "rolling_sum", "datastream": 7, "window_secs": 10800,
                "grading": { "direction": "above", "bands": [
                    { "level": "orange", "raise": 50.0, "release": 40.0 }
                ]}
            }),
        ),
    ];
    let first_half: Vec<(i64, f64)> = (0..10).map(|k| (k * 10, 4.0)).collect();
    let second_half: Vec<(i64, f64)> = (10..20).map(|k| (k * 10, 4.0)).collect();

    let mut uninterrupted = engine(rules.clone());
    feed(&mut uninterrupted, 7, &first_half);
    let expected = feed(&mut uninterrupted, 7, &second_half);
    assert_eq!(levels(&expected), [(120, Some(Level::Orange))]);

    let mut original = engine(rules);
    feed(&mut original, 7, &first_half);
    let json = serde_json::to_string(&original.snapshot()).unwrap();
    let mut restored = Engine::restore(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(feed(&mut restored, 7, &second_half), expected);
    assert_eq!(restored.snapshot(), uninterrupted.snapshot());
}

#[test]
fn a_tampered_snapshot_gets_fresh_state_instead_of_crashing() {
    let rain = doc(
        "rain-1h",
        "datastream:7",
        json!({
            "kind": "rolling_sum", "datastream": 7, "window_secs": 3600,
            "grading": { "direction": "above", "bands": [
                { "level": "blue", "raise": 20.0, "release": 16.0 }
            ]}
        }),
    );
    let mut engine = engine(vec![rain]);
    feed(&mut engine, 7, &[(0, 25.0)]);
    let mut saved = serde_json::to_value(engine.snapshot()).unwrap();
    saved["states"][0]["sum"]["slots"] = json!([]);
    saved["states"][0]["sum"]["bucket_secs"] = json!(0);
    let mut restored = Engine::restore(serde_json::from_value(saved).unwrap()).unwrap();
    assert_eq!(
        restored.level(&RuleId::parse("rain-1h").unwrap()),
        None,
        "fresh state"
    );
    assert_eq!(
        levels(&feed(&mut restored, 7, &[(1, 21.0)])),
        [(1, Some(Level::Blue))]
    );
}
