//! Surge benchmark: 1,000 concurrent simulated field officers filing reports on SQLite
//! (durable: WAL, synchronous=FULL, acknowledged after commit) through the real HTTP stack.
//! Every 5th report is retried at once with the same key (a duplicate that must answer with
//! the first report), and every 17th officer's first request is dropped mid-flight and
//! retried. Run twice in the same process: first with one report per transaction (the
//! writer with batches of 1, i.e. the old per-report path), then with group commit.
//! Prints throughput (distinct reports acknowledged per second) and latency percentiles.
//! Run: `cargo bench -p yingji-incidents-api --bench surge`.

use serde_json::json;
use std::time::{Duration, Instant};
use yingji_incidents_api::filing::FilingConfig;
use yingji_server::testing::servers_with;

const OFFICERS: usize = 1_000;
const REPORTS_EACH: usize = 5;
const INCIDENTS: usize = 50;
const YUYANG: [f64; 2] = [117.368263, 40.071546];

struct Run {
    reports: usize,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn surge(config: FilingConfig) -> Run {
    let servers = servers_with(move |state| async move {
        vec![yingji_incidents_api::mount_with(&state, config)
            .await
            .unwrap()]
    })
    .await;
    let server = servers.into_iter().find(|s| s.backend == "sqlite").unwrap();
    let token = server.token("info100").await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(OFFICERS)
        .build()
        .unwrap();
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
            let mut latencies = Vec::with_capacity(REPORTS_EACH + 2);
            let mut requests = 0;
            for n in 0..REPORTS_EACH {
                let key = format!("o{officer}-{n}");
                // No figures: officers sharing an incident would report decreasing
                // cumulative counts, which is correctly refused.
                let body = json!({"incident_id": incident, "text": format!("巡查 {n}")});
                let send = || {
                    client
                        .post(format!("{base}/api/v1/reports"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                };
                if n == 0 && officer.is_multiple_of(17) {
                    requests += 1;
                    let _ = send().timeout(Duration::from_millis(1)).send().await;
                }
                let attempts = if (officer * REPORTS_EACH + n).is_multiple_of(5) {
                    2
                } else {
                    1
                };
                let mut first_id = None;
                for _ in 0..attempts {
                    let sent = Instant::now();
                    let response = send().send().await.unwrap();
                    assert_eq!(response.status().as_u16(), 201);
                    let answer: serde_json::Value = response.json().await.unwrap();
                    latencies.push(sent.elapsed());
                    requests += 1;
                    let id = answer["report"]["id"].as_str().unwrap().to_string();
                    assert_eq!(
                        first_id.get_or_insert_with(|| id.clone()),
                        &id,
                        "a retry names the first report"
                    );
                }
            }
            (latencies, requests)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    let mut requests = 0;
    for officer in officers {
        let (l, r) = officer.await.unwrap();
        latencies.extend(l);
        requests += r;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Run {
        reports: OFFICERS * REPORTS_EACH,
        requests,
        elapsed,
        latencies,
    }
}

fn print(name: &str, run: &Run) -> f64 {
    let pct = |p: f64| {
        run.latencies[((run.latencies.len() as f64 * p) as usize).min(run.latencies.len() - 1)]
            .as_secs_f64()
            * 1e3
    };
    let rate = run.reports as f64 / run.elapsed.as_secs_f64();
    println!(
        "surge sqlite, {name}: {} reports ({} requests with retries) by {OFFICERS} officers in {:.2} s = {rate:.0} reports/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        run.reports,
        run.requests,
        run.elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        run.latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    rate
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let baseline = surge(FilingConfig {
            max_batch: 1,
            ..FilingConfig::default()
        })
        .await;
        let base_rate = print("one report per transaction (baseline)", &baseline);
        let grouped = surge(FilingConfig::default()).await;
        let rate = print("group commit (default, ≤256 per transaction)", &grouped);
        println!(
            "ratio: group commit / per-report = {:.1}×",
            rate / base_rate
        );
    });
}
