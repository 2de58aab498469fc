//! Server memory after one week of one-minute data from 500 sensors (5,040,000 observations)
//! ingested through `CreateObservations`, each sensor with a threshold and a 1 h rolling-sum
//! rule (1,000 rules on top of the seeded defaults). Resident set size (VmRSS) of this
//! process, which holds the server (the bench client's request bodies are built one at a
//! time and dropped). SQLite always; PostgreSQL when YINGJI_TEST_POSTGRES is set.
//! Run: `cargo bench -p yingji-monitoring-api --bench memory`.

mod support;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::json;
use std::time::Instant;
use yingji_domain::time::rfc3339;

const SENSORS: usize = 500;
const DAYS: usize = 7;
const MINUTES_PER_DAY: usize = 1440;
const CLIENTS: usize = 8;
const TOWNS: [&str; 4] = ["120119100", "120119101", "120119102", "120119104"];

#[tokio::main]
async fn main() {
    for (server, monitoring) in support::servers().await {
        let (duty, feeder) = (server.token("duty").await, server.token("feeder").await);
        let (rss_mounted, _) = support::memory_kib();
        let streams = sensors(&server, &feeder, &duty).await;
        let rules = monitoring.monitor.lock().await.engine.rules().count();
        let (rss_before, _) = support::memory_kib();

        let start = Utc::now() - Duration::days(DAYS as i64) - Duration::hours(1);
        let before = support::last_id(&server).await;
        let began = Instant::now();
        let requests: Vec<(usize, usize)> = (0..DAYS)
            .flat_map(|day| (0..SENSORS).map(move |s| (day, s)))
            .collect();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let mine: Vec<(usize, usize)> =
                requests.iter().copied().skip(c).step_by(CLIENTS).collect();
            let (client, token, streams) = (server.client.clone(), feeder.clone(), streams.clone());
            let url = format!("{}/sta/v1.1/CreateObservations", server.base);
            tasks.push(tokio::spawn(async move {
                for (day, s) in mine {
                    let body = day_of(streams[s], s, start + Duration::days(day as i64));
                    support::post_observations(&client, &url, &token, body).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let secs = began.elapsed().as_secs_f64();
        let total = (SENSORS * DAYS * MINUTES_PER_DAY) as i64;
        assert_eq!(support::stored_since(&server, before).await, total);
        // Let the engine take the last committed batches, then one tick (windows, snapshot).
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        yingji_monitoring_api::monitor::tick(&monitoring, Utc::now())
            .await
            .unwrap();
        let (rss_after, hwm) = support::memory_kib();
        println!(
            "{:<8} {} observations from {SENSORS} sensors ({} rules in force) in {:.1} s ({:.0} obs/s)",
            server.backend, total, rules, secs, total as f64 / secs
        );
        println!(
            "{:<8} RSS: {:.1} MiB mounted, {:.1} MiB with sensors and rules, {:.1} MiB after the week (+{:.1} MiB); peak {:.1} MiB",
            server.backend,
            rss_mounted as f64 / 1024.0,
            rss_before as f64 / 1024.0,
            rss_after as f64 / 1024.0,
            (rss_after as f64 - rss_before as f64) / 1024.0,
            hwm as f64 / 1024.0
        );
    }
}

/// 500 synthetic rain gauges over four towns, each with a threshold and a rolling-sum rule.
async fn sensors(
    server: &yingji_server::testing::TestServer,
    feeder: &str,
    duty: &str,
) -> Vec<i64> {
    let mut streams = Vec::with_capacity(SENSORS);
    for s in 0..SENSORS {
        let (status, thing) = server
            .send(Method::POST, "/sta/v1.1/Things", Some(feeder), Some(json!({
                "name": format!("bench gauge {s}"), "description": "synthetic gauge of the memory bench",
                "properties": {"town_code": TOWNS[s % TOWNS.len()], "synthetic": true},
                "Datastreams": [{"name": "rain", "description": "", "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "millimetre", "symbol": "mm", "definition": ""},
                    "Sensor": {"name": "gauge", "description": "", "encodingType": "text/plain", "metadata": ""},
                    "ObservedProperty": {"name": "precipitation", "definition": "", "description": ""}}]})))
            .await;
        assert_eq!(status, 201, "{thing}");
        let (_, found) = server
            .get(
                &format!("/sta/v1.1/Things({})/Datastreams", thing["@iot.id"]),
                Some(feeder),
            )
            .await;
        let ds = found["value"][0]["@iot.id"].as_i64().unwrap();
        let grading = |raise: f64| {
            json!({"direction": "above",
            "bands": [{"level": "blue", "raise": raise, "release": raise * 0.8},
                      {"level": "red", "raise": raise * 3.0, "release": raise * 2.0}],
            "min_duration_secs": 0, "release_after_secs": 600})
        };
        for rule in [
            json!({"id": format!("bench-now-{ds}"), "version": 1, "name": {"zh": "雨强", "en": "rain rate"},
                "subject": format!("datastream:{ds}"),
                "condition": {"kind": "threshold", "datastream": ds, "grading": grading(5.0)}}),
            json!({"id": format!("bench-1h-{ds}"), "version": 1, "name": {"zh": "1小时雨量", "en": "1 h rain"},
                "subject": format!("datastream:{ds}"),
                "condition": {"kind": "rolling_sum", "datastream": ds, "window_secs": 3600, "grading": grading(30.0)}}),
        ] {
            let (status, created) = server
                .send(Method::POST, "/api/v1/rules", Some(duty), Some(rule))
                .await;
            assert!(status == 201 || status == 200, "{status} {created}");
        }
        streams.push(ds);
    }
    streams
}

/// One day of one-minute rain of sensor `s`: mostly dry, a deterministic shower now and then.
fn day_of(ds: i64, s: usize, day: DateTime<Utc>) -> String {
    let rows: Vec<serde_json::Value> = (0..MINUTES_PER_DAY)
        .map(|m| {
            let phase = (m + 37 * s) % 720;
            let rain = if phase < 30 {
                0.2 * (phase % 7) as f64
            } else {
                0.0
            };
            json!([rfc3339(day + Duration::minutes(m as i64)), rain])
        })
        .collect();
    json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": rows}]).to_string()
}
