//! Surge benchmark: 1,000 concurrent simulated field officers filing reports on SQLite
//! (durable: WAL, synchronous=FULL, acknowledged after commit). Prints throughput and
//! latency percentiles. Run: `cargo bench -p yingji-incidents-api --bench surge`.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use yingji_server::testing::servers_with;

const OFFICERS: usize = 1_000;
const REPORTS_EACH: usize = 5;
const INCIDENTS: usize = 50;
const YUYANG: [f64; 2] = [117.368263, 40.071546];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let servers = servers_with(|state| async move { vec![yingji_incidents_api::mount(&state).await.unwrap()] }).await;
        let server = Arc::new(servers.into_iter().next().unwrap());
        let token = server.token("info100").await;
        let client = reqwest::Client::builder().pool_max_idle_per_host(OFFICERS).build().unwrap();
        let mut incidents = Vec::new();
        for i in 0..INCIDENTS {
            let response: serde_json::Value = client
                .post(format!("{}/api/v1/reports", server.base))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("open-{i}"))
                .json(&json!({"type": "flood", "location": YUYANG}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            incidents.push(response["incident"]["id"].as_str().unwrap().to_string());
        }
        let started = Instant::now();
        let mut officers = Vec::new();
        for officer in 0..OFFICERS {
            let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
            let incident = incidents[officer % INCIDENTS].clone();
            officers.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(REPORTS_EACH);
                for n in 0..REPORTS_EACH {
                    let sent = Instant::now();
                    let response = client
                        .post(format!("{base}/api/v1/reports"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", format!("o{officer}-{n}"))
                        .json(&json!({"incident_id": incident, "text": format!("巡查 {n}")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 201);
                    latencies.push(sent.elapsed());
                }
                latencies
            }));
        }
        let mut latencies: Vec<Duration> = Vec::new();
        for officer in officers {
            latencies.extend(officer.await.unwrap());
        }
        let elapsed = started.elapsed();
        latencies.sort();
        let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
        println!(
            "surge sqlite: {} reports by {OFFICERS} officers in {:.2} s = {:.0} reports/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latencies.len(),
            elapsed.as_secs_f64(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
        );
    });
}
