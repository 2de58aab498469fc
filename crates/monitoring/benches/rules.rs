//! Rule evaluation cost per observation and engine memory.
//!
//! Run: `cargo bench -p yingji-monitoring --bench rules`
//!
//! Setup: 500 datastreams with 2 rules each (1,000 active rules, mixed kinds: rolling sums,
//! thresholds, rates, composites, range/spike/silence faults). Figures:
//! * ns per observation through `Engine::ingest_into`, minus the baseline measured in the same
//!   run: the bare loop that builds and validates the same observations (`Observation::new`);
//! * ns per `tick` over all 1,000 rules;
//! * live heap of the engine after 1 day and after 1 week of one-minute data from the 500
//!   sensors (counting global allocator), to show the state is bounded.

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use yingji_monitoring::{DatastreamId, Engine, Observation, Rule};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SENSORS: u64 = 500;

fn rule(id: String, subject: u64, condition: serde_json::Value) -> Rule {
    serde_json::from_value(json!({
        "id": id, "version": 1,
        "name": { "zh": "基准", "en": "bench" },
        "subject": format!("datastream:{subject}"),
        "condition": condition,
    }))
    .expect("bench rule is valid")
}

fn bands(levels: &[(&str, f64)]) -> serde_json::Value {
    let bands: Vec<_> = levels
        .iter()
        .map(|(l, v)| json!({ "level": l, "raise": v, "release": v * 0.9 }))
        .collect();
    json!({ "direction": "above", "bands": bands, "release_after_secs": 600 })
}

/// Two rules per datastream, five sensor flavours.
fn rules() -> Vec<Rule> {
    let mut rules = Vec::new();
    for ds in 0..SENSORS {
        let (a, b) = match ds % 5 {
            0 => (
                json!({ "kind": "rolling_sum", "datastream": ds, "window_secs": 3600,
                        "grading": bands(&[("blue", 20.0), ("yellow", 30.0)]) }),
                json!({ "kind": "range", "datastream": ds, "min": 0.0, "max": 200.0 }),
            ),
            1 => (
                json!({ "kind": "threshold", "datastream": ds,
                        "grading": bands(&[("yellow", 4.5), ("red", 6.0)]) }),
                json!({ "kind": "rate_of_change", "datastream": ds, "per_secs": 3600,
                        "grading": bands(&[("yellow", 0.5), ("orange", 1.0)]) }),
            ),
            2 => (
                json!({ "kind": "threshold", "datastream": ds,
                        "grading": bands(&[("blue", 10.0), ("yellow", 20.0), ("orange", 25.0), ("red", 50.0)]) }),
                json!({ "kind": "spike", "datastream": ds, "max_jump": 30.0 }),
            ),
            3 => (
                json!({ "kind": "rolling_sum", "datastream": ds, "window_secs": 86400,
                        "grading": bands(&[("blue", 50.0), ("orange", 100.0), ("red", 250.0)]) }),
                json!({ "kind": "silence", "datastream": ds, "after_secs": 1800 }),
            ),
            _ => (
                json!({ "kind": "threshold", "datastream": ds,
                        "grading": bands(&[("orange", 8.0)]) }),
                json!({ "kind": "composite", "combine": "all", "level": "red", "max_age_secs": 600,
                        "clauses": [
                            { "datastream": ds, "direction": "above", "value": 7.0 },
                            { "datastream": ds - 1, "direction": "above", "value": 40.0 }
                        ] }),
            ),
        };
        rules.push(rule(format!("a:{ds}"), ds, a));
        rules.push(rule(format!("b:{ds}"), ds, b));
    }
    rules
}

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_690_588_800, 0).unwrap_or_default() // 2023-07-29T00:00Z
}

/// Deterministic pseudo-random values (xorshift), mostly quiet with occasional excursions.
struct Values(u64);

impl Values {
    fn next(&mut self, ds: u64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let u = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        match ds % 5 {
            0 | 3 => (u * u * u * 3.0).max(0.0), // rain increments, mm/min
            1 => 3.0 + 2.0 * u,                  // river stage, m
            2 => u * u * 30.0,                   // %LEL
            _ => 5.0 + 4.0 * u,
        }
    }
}

/// One observation per sensor per minute for `minutes`, fed to `sink`.
fn stream(minutes: i64, values: &mut Values, mut sink: impl FnMut(Observation)) {
    let t0 = start();
    for m in 0..minutes {
        let t = t0 + Duration::minutes(m);
        for ds in 0..SENSORS {
            let v = values.next(ds);
            match Observation::new(DatastreamId(ds), t, v, t) {
                Ok(obs) => sink(obs),
                Err(e) => panic!("bench observation refused: {e}"),
            }
        }
    }
}

fn live_bytes(region: &Region<System>) -> isize {
    let c = region.change();
    c.bytes_allocated as isize - c.bytes_deallocated as isize + c.bytes_reallocated
}

fn main() {
    let minutes = 2 * 24 * 60; // 1.44 M observations per pass
    let passes = 5;
    let per_pass = (minutes as u64 * SENSORS) as f64;

    let mut baseline = f64::MAX;
    let mut with_engine = f64::MAX;
    let mut signals = 0usize;
    for _ in 0..passes {
        let mut values = Values(0x9E37_79B9_7F4A_7C15);
        let t = Instant::now();
        stream(minutes, &mut values, |obs| {
            black_box(obs);
        });
        baseline = baseline.min(t.elapsed().as_nanos() as f64 / per_pass);

        let mut engine = Engine::with_rules(rules()).expect("bench rules are valid");
        let mut out = Vec::new();
        let mut values = Values(0x9E37_79B9_7F4A_7C15);
        signals = 0;
        let t = Instant::now();
        stream(minutes, &mut values, |obs| {
            engine.ingest_into(&obs, &mut out);
            signals += out.len();
            out.clear();
        });
        with_engine = with_engine.min(t.elapsed().as_nanos() as f64 / per_pass);
        black_box(&engine);
    }

    // Tick cost over all rules.
    let mut engine = Engine::with_rules(rules()).expect("bench rules are valid");
    let ticks: i32 = 10_000;
    let t = Instant::now();
    for k in 0..ticks {
        black_box(engine.tick(start() + Duration::seconds(i64::from(k))));
    }
    let tick_ns = t.elapsed().as_nanos() as f64 / f64::from(ticks);

    // Memory: build, then one week of one-minute data with a tick every minute.
    let region = Region::new(GLOBAL);
    let mut engine = Engine::with_rules(rules()).expect("bench rules are valid");
    let after_build = live_bytes(&region);
    let mut values = Values(7);
    let mut out = Vec::new();
    let mut day_marks = Vec::new();
    for day in 0..7i64 {
        let mut day_values = Values(values.0 ^ day as u64);
        let t0 = start() + Duration::days(day);
        for m in 0..24 * 60 {
            let t = t0 + Duration::minutes(m);
            for ds in 0..SENSORS {
                if let Ok(obs) = Observation::new(DatastreamId(ds), t, day_values.next(ds), t) {
                    engine.ingest_into(&obs, &mut out);
                }
            }
            out.clear();
            out.extend(engine.tick(t));
            out.clear();
        }
        values.0 = day_values.0;
        day_marks.push(live_bytes(&region));
    }
    black_box(&engine);

    let mib = |b: isize| b as f64 / (1024.0 * 1024.0);
    println!("rules: 1000 active over {SENSORS} datastreams; passes: {passes} x {per_pass} observations (best pass)");
    println!("baseline (build + validate Observation): {baseline:.1} ns/obs");
    println!("with Engine::ingest_into:               {with_engine:.1} ns/obs");
    println!(
        "engine cost:                            {:.1} ns/obs  (~{:.2} M obs/s on one core)",
        with_engine - baseline,
        1e3 / (with_engine - baseline)
    );
    println!("signals emitted per pass:               {signals}");
    println!(
        "tick over 1000 rules:                   {:.1} µs",
        tick_ns / 1e3
    );
    println!(
        "engine heap after build:                {:.2} MiB",
        mib(after_build)
    );
    for (day, bytes) in day_marks.iter().enumerate() {
        println!(
            "engine heap after day {}:                {:.2} MiB",
            day + 1,
            mib(*bytes)
        );
    }
}
