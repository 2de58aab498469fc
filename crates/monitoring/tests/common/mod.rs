//! A tiny script harness: rules from JSON, observations by minute, events out.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;
use yingji_monitoring::{DatastreamId, Engine, Event, Level, Observation, Rule, Signal};

/// Minute `m` of the test day (2023-07-30, the July rainstorm), UTC.
pub fn at(m: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 7, 30, 0, 0, 0).unwrap() + Duration::minutes(m)
}

pub fn rule(json: Value) -> Rule {
    serde_json::from_value(json).unwrap()
}

pub fn engine(rules: Vec<Value>) -> Engine {
    Engine::with_rules(rules.into_iter().map(rule)).unwrap()
}

pub fn obs(ds: u64, minute: i64, value: f64) -> Observation {
    Observation::new(DatastreamId(ds), at(minute), value, at(minute)).unwrap()
}

/// Feeds `(minute, value)` pairs of one datastream; returns `(minute, event)` for each signal.
pub fn feed(engine: &mut Engine, ds: u64, series: &[(i64, f64)]) -> Vec<(i64, Event)> {
    series
        .iter()
        .flat_map(|&(m, v)| engine.ingest(&obs(ds, m, v)))
        .map(minute_event)
        .collect()
}

pub fn minute_event(s: Signal) -> (i64, Event) {
    ((s.at - at(0)).num_minutes(), s.event)
}

/// Only the levels, for compact expectations: Some(level) when raised/changed, None on lift.
pub fn levels(events: &[(i64, Event)]) -> Vec<(i64, Option<Level>)> {
    events
        .iter()
        .filter_map(|(m, e)| match e {
            Event::Raised { level, .. } => Some((*m, Some(*level))),
            Event::LevelChanged { to, .. } => Some((*m, Some(*to))),
            Event::Lifted { .. } => Some((*m, None)),
            _ => None,
        })
        .collect()
}

/// A rule document with the boilerplate filled in.
pub fn doc(id: &str, subject: &str, condition: Value) -> Value {
    serde_json::json!({
        "id": id,
        "version": 1,
        "name": { "zh": "测试规则", "en": "test rule" },
        "subject": subject,
        "condition": condition,
    })
}
