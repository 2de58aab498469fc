//! Sustained durable ingest through `POST /sta/v1.1/CreateObservations` (HTTP, auth, parsing,
//! group commit, the rule engine behind it) against the raw multi-row INSERT rate of the same
//! store in the same run (the ceiling). SQLite always; PostgreSQL when YINGJI_TEST_POSTGRES is
//! set. Run: `cargo bench -p yingji-monitoring-api --bench ingest`.

mod support;

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::time::Instant;
use yingji_monitoring::{DatastreamId, Observation};
use yingji_monitoring_api::ingest::{Committed, NewObservation, ObservationTable};
use yingji_server::testing::servers_with;

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
        // Bodies prepared before timing: the bench measures the server, not JSON building.
        let bodies: Vec<String> = (0..REQUESTS)
            .map(|r| {
                let ds = streams[r % streams.len()];
                let rows: Vec<Value> = (0..ROWS_PER_REQUEST)
                    .map(|i| {
                        let at = start + Duration::milliseconds(((r / streams.len()) * ROWS_PER_REQUEST + i) as i64 * 10);
                        json!([yingji_domain::time::rfc3339(at), 0.1])
                    })
                    .collect();
                json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": rows}]).to_string()
            })
            .collect();
        let url = format!("{}/sta/v1.1/CreateObservations", s.base);
        let began = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let mine: Vec<String> = bodies.iter().skip(c).step_by(CLIENTS).cloned().collect();
            let (client, url, token) = (s.client.clone(), url.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                for body in mine {
                    support::post_observations(&client, &url, &token, body).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let http_secs = began.elapsed().as_secs_f64();
        let http_rate = (REQUESTS * ROWS_PER_REQUEST) as f64 / http_secs;

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
        println!(
            "{:<8} durable ingest via CreateObservations: {:>9.0} obs/s ({} obs, {} requests x {} rows, {} clients, {:.2} s)",
            s.backend, http_rate, REQUESTS * ROWS_PER_REQUEST, REQUESTS, ROWS_PER_REQUEST, CLIENTS, http_secs
        );
        println!(
            "{:<8} raw batched INSERT ceiling:             {:>9.0} obs/s ({} obs in {}-row transactions, {:.2} s); ratio {:.0} %",
            s.backend, raw_rate, RAW_BATCHES * RAW_BATCH, RAW_BATCH, raw_secs, 100.0 * http_rate / raw_rate
        );
    }
}
