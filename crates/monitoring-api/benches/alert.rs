//! Alert latency: from the MQTT publish of a threshold-crossing observation to the `warning`
//! event arriving at a duty officer's SSE client (`/api/v1/events`), while 10,000
//! observations/s of background load flow through MQTT into the same server. Needs the broker
//! of YINGJI_TEST_MQTT (default mqtt://127.0.0.1:1883).
//! Run: `cargo bench -p yingji-monitoring-api --bench alert`.

mod support;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use yingji_domain::time::rfc3339;

const BACKGROUND_PER_SEC: usize = 10_000;
/// Background messages are sent in bursts this often.
const PACE: Duration = Duration::from_millis(10);
const SAMPLES: usize = 200;
/// The per-datastream limit is lifted: the background plays every gauge at ~100 messages/s.
const UNLIMITED: f64 = 1e9;

#[tokio::main]
async fn main() {
    let (url, host, port) = support::broker().await;
    for (server, monitoring) in support::servers().await {
        let (duty, feeder) = (server.token("duty").await, server.token("feeder").await);
        let gauges = support::rain_gauges(&server, &feeder).await;
        let probe = probe_datastream(&server, &feeder, &duty).await;
        let subject = format!("datastream:{probe}");
        let mut warnings = sse_warnings(&server, &duty, subject.clone()).await;

        let ingest =
            yingji_monitoring_api::mqtt::start(monitoring.clone(), &url, UNLIMITED).unwrap();
        let background = support::publisher(&host, port, "bench-alert-background");
        let sent = Arc::new(AtomicU64::new(0));
        let load = tokio::spawn(background_load(background, gauges, sent.clone()));
        tokio::time::sleep(Duration::from_secs(3)).await; // warm-up: ingest running, engine fed

        let prober = support::publisher(&host, port, "bench-alert-probe");
        let topic = format!("v1.1/Datastreams({probe})/Observations");
        let began = Instant::now();
        let sent_before = sent.load(Ordering::Relaxed);
        let stored_before = support::last_id(&server).await;
        let mut raise = Vec::with_capacity(SAMPLES);
        let mut lift = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            for (value, state, into) in [(100.0, "raised", &mut raise), (0.0, "lifted", &mut lift)]
            {
                let body = json!({"phenomenonTime": rfc3339(chrono::Utc::now()), "result": value});
                let at = Instant::now();
                support::publish(&prober, &topic, body.to_string()).await;
                let arrived = wait_for(&mut warnings, state).await;
                into.push(arrived.duration_since(at));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let secs = began.elapsed().as_secs_f64();
        let background_rate = (sent.load(Ordering::Relaxed) - sent_before) as f64 / secs;
        let stored_rate = (support::last_id(&server).await - stored_before) as f64 / secs;
        load.abort();
        ingest.end_session().await;
        let (p50, p99, max) = percentiles(&mut raise);
        let (l50, l99, lmax) = percentiles(&mut lift);
        println!(
            "{:<8} background published {:>6.0} obs/s, stored {:>6.0} obs/s over {:.0} s",
            server.backend, background_rate, stored_rate, secs
        );
        println!(
            "{:<8} MQTT publish -> SSE warning raised ({SAMPLES} samples): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            server.backend, p50, p99, max
        );
        println!(
            "{:<8} MQTT publish -> SSE warning lifted ({SAMPLES} samples): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            server.backend, l50, l99, lmax
        );
    }
}

/// A Thing with one Datastream and a one-band threshold rule (raise at 50, release at 40,
/// no minimum duration or release delay), so every crossing raises and lifts at once.
async fn probe_datastream(
    server: &yingji_server::testing::TestServer,
    feeder: &str,
    duty: &str,
) -> i64 {
    let (status, thing) = server
        .send(Method::POST, "/sta/v1.1/Things", Some(feeder), Some(json!({
            "name": "bench probe", "description": "synthetic probe of the alert bench",
            "properties": {"town_code": "120119100"},
            "Datastreams": [{"name": "probe stage", "description": "", "observationType": "OM_Measurement",
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": ""},
                "Sensor": {"name": "probe", "description": "", "encodingType": "text/plain", "metadata": ""},
                "ObservedProperty": {"name": "stage", "definition": "", "description": ""}}]})))
        .await;
    assert_eq!(status, 201, "{thing}");
    let (_, streams) = server
        .get(
            &format!("/sta/v1.1/Things({})/Datastreams", thing["@iot.id"]),
            Some(feeder),
        )
        .await;
    let ds = streams["value"][0]["@iot.id"].as_i64().unwrap();
    let rule = json!({
        "id": format!("bench-probe-{ds}"), "version": 1,
        "name": {"zh": "基准探针", "en": "bench probe"},
        "subject": format!("datastream:{ds}"),
        "condition": {"kind": "threshold", "datastream": ds, "grading": {
            "direction": "above", "bands": [{"level": "blue", "raise": 50.0, "release": 40.0}],
            "min_duration_secs": 0, "release_after_secs": 0}}});
    let (status, created) = server
        .send(Method::POST, "/api/v1/rules", Some(duty), Some(rule))
        .await;
    assert!(status == 201 || status == 200, "{status} {created}");
    ds
}

/// Publishes BACKGROUND_PER_SEC harmless observations per second over the gauges.
async fn background_load(client: support::Publisher, gauges: Vec<i64>, sent: Arc<AtomicU64>) {
    let per_tick = BACKGROUND_PER_SEC * PACE.as_millis() as usize / 1000;
    let mut tick = tokio::time::interval(PACE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n = 0usize;
    loop {
        tick.tick().await;
        let now = rfc3339(chrono::Utc::now());
        for _ in 0..per_tick {
            let ds = gauges[n % gauges.len()];
            n += 1;
            let body = format!(r#"{{"phenomenonTime":"{now}","result":0.0}}"#);
            support::publish(
                &client,
                &format!("v1.1/Datastreams({ds})/Observations"),
                body,
            )
            .await;
            sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The caller's SSE stream, reduced to (arrival, state) of the warnings about `subject`.
/// Every other event (10,000 observations/s among them) is read and dropped.
async fn sse_warnings(
    server: &yingji_server::testing::TestServer,
    token: &str,
    subject: String,
) -> mpsc::UnboundedReceiver<(Instant, String)> {
    let response = server
        .client
        .get(format!("{}/api/v1/events", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            let arrived = Instant::now();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if block.contains("event: resync") || block.contains("event:resync") {
                    eprintln!("SSE client fell behind: {block}");
                }
                if !(block.contains("event: warning") || block.contains("event:warning")) {
                    continue;
                }
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim)
                    .collect();
                let event: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
                let warning = &event["data"];
                if warning["subject"] == json!(subject) {
                    let state = warning["state"].as_str().unwrap_or_default().to_string();
                    if tx.send((arrived, state)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

async fn wait_for(rx: &mut mpsc::UnboundedReceiver<(Instant, String)>, state: &str) -> Instant {
    loop {
        let (at, got) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no `{state}` warning within 30 s"))
            .expect("SSE stream open");
        if got == state {
            return at;
        }
    }
}

/// p50, p99 and max in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)]);
    (at(0.50), at(0.99), ms(samples[samples.len() - 1]))
}
