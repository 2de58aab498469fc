//! Sustained durable ingest through `POST /sta/v1.1/CreateObservations` (HTTP, auth, parsing,
//! group commit, the rule engine behind it) against the raw multi-row INSERT rate of the same
//! store in the same run (the ceiling). SQLite always; PostgreSQL when YINGJI_TEST_POSTGRES is
//! set. Run: `cargo bench -p yingji-monitoring-api --bench ingest`.
//!
//! The HTTP phase runs twice: each datastream's observations 10 ms apart (a dense burst, hard
//! on the rules' time windows), then one minute apart (what a gauge sends; later in time, so
//! every observation is its stream's newest).

mod support;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::time::Instant;
use yingji_monitoring::{DatastreamId, Observation};
use yingji_monitoring_api::ingest::{Committed, NewObservation, ObservationTable};
use yingji_server::testing::{servers_with, TestServer};

const ROWS_PER_REQUEST: usize = 1000;
const REQUESTS: usize = 400;
const CLIENTS: usize = 8;
const RAW_BATCH: usize = 20_000;
const RAW_BATCHES: usize = 20;

#[tokio::main]
async fn main() {
    let servers =
        servers_with(
            |state| async move { vec![yingji_monitoring_api::mount(&state).await.unwrap()] },
        )
        .await;
    for s in &servers {
        let token = s.token("feeder").await;
        let (_, found) = s
            .get(
                "/sta/v1.1/Datastreams?$filter=properties/record_id%20ge%20'thing-rain'&$top=50",
                Some(&token),
            )
            .await;
        let streams: Vec<i64> = found["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["@iot.id"].as_i64().unwrap())
            .collect();
        let start = Utc::now() - Duration::days(6);
        let dense = bodies(&streams, start, Duration::milliseconds(10));
        let dense = post_all(s, &token, dense).await;
        let minutely = bodies(&streams, start + Duration::hours(1), Duration::minutes(1));
        let minutely = post_all(s, &token, minutely).await;

        // The ceiling: the same rows straight into the same table, same statement shape.
        let table = ObservationTable::open(s.store.db()).await.unwrap();
        let now = Utc::now();
        let rows: Vec<Vec<Committed>> = (0..RAW_BATCHES)
            .map(|b| {
                (0..RAW_BATCH)
                    .map(|i| {
                        let n = b * RAW_BATCH + i;
                        let at = start + Duration::milliseconds(n as i64 * 10);
                        Committed {
                            id: 1_000_000_000_000 + n as i64,
                            row: NewObservation {
                                observation: Observation::new(
                                    DatastreamId(streams[n % streams.len()] as u64),
                                    at,
                                    0.1,
                                    now,
                                )
                                .unwrap(),
                                result_time: None,
                                feature_of_interest: None,
                            },
                        }
                    })
                    .collect()
            })
            .collect();
        let began = Instant::now();
        for batch in &rows {
            table.insert(batch).await.unwrap();
        }
        let raw_secs = began.elapsed().as_secs_f64();
        let raw_rate = (RAW_BATCHES * RAW_BATCH) as f64 / raw_secs;
        for (spacing, (rate, secs)) in [("10 ms", dense), ("1 min", minutely)] {
            println!(
                "{:<8} durable ingest via CreateObservations, {spacing} apart: {:>9.0} obs/s ({} obs, {} requests x {} rows, {} clients, {:.2} s); {:.0} % of the ceiling",
                s.backend, rate, REQUESTS * ROWS_PER_REQUEST, REQUESTS, ROWS_PER_REQUEST, CLIENTS, secs, 100.0 * rate / raw_rate
            );
        }
        println!(
            "{:<8} raw batched INSERT ceiling:                          {:>9.0} obs/s ({} obs in {}-row transactions, {:.2} s)",
            s.backend, raw_rate, RAW_BATCHES * RAW_BATCH, RAW_BATCH, raw_secs
        );
    }
}

/// REQUESTS bodies of ROWS_PER_REQUEST rows, each one datastream's next rows, `step` apart
/// from `start` on. Prepared before timing: the bench measures the server, not JSON building.
fn bodies(streams: &[i64], start: DateTime<Utc>, step: Duration) -> Vec<String> {
    (0..REQUESTS)
        .map(|r| {
            let ds = streams[r % streams.len()];
            let first = (r / streams.len()) * ROWS_PER_REQUEST;
            let rows: Vec<Value> = (0..ROWS_PER_REQUEST)
                .map(|i| json!([yingji_domain::time::rfc3339(start + step * (first + i) as i32), 0.1]))
                .collect();
            json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": rows}]).to_string()
        })
        .collect()
}

/// Posts the bodies from CLIENTS concurrent clients; (observations per second, seconds).
async fn post_all(s: &TestServer, token: &str, bodies: Vec<String>) -> (f64, f64) {
    let url = format!("{}/sta/v1.1/CreateObservations", s.base);
    let total = bodies.len() * ROWS_PER_REQUEST;
    let began = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let mine: Vec<String> = bodies.iter().skip(c).step_by(CLIENTS).cloned().collect();
        let (client, url, token) = (s.client.clone(), url.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            for body in mine {
                support::post_observations(&client, &url, &token, body).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = began.elapsed().as_secs_f64();
    (total as f64 / secs, secs)
}
