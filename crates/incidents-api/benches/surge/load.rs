//! The simulated field officers. Each files its reports in order under its own keys; every
//! 5th report is sent a second time at once with the same key (a duplicate that must answer
//! with the first report), and every 17th officer's first request is dropped after 1 ms and
//! then retried (the report may or may not have been filed: the retry must answer either way).
//!
//! Closed loop: each officer sends its next report as soon as the previous is acknowledged,
//! so the offered rate is whatever the server sustains (saturation). Open loop: each officer
//! sends on a fixed schedule, and report latency is measured from the *scheduled* time, so a
//! server that falls behind shows up as latency rather than as a quietly lowered offered rate.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Where the load goes: the server, the officers' account and the incidents they report on.
/// The part of a filed report's answer the officers check (the rest is skipped unparsed).
#[derive(serde::Deserialize)]
struct Filed {
    report: FiledReport,
}

#[derive(serde::Deserialize)]
struct FiledReport {
    id: String,
}

#[derive(Clone)]
pub struct Target {
    /// For the bench's own requests (opening incidents, counting what was stored).
    pub client: reqwest::Client,
    /// One per officer, as each phone has its own connection: officers never share one,
    /// and one officer's dropped connection is that officer's alone.
    pub phones: Vec<reqwest::Client>,
    pub base: String,
    /// Parsed once: parsing the URL string again for every request (host normalisation
    /// included) was a visible share of the load generator's CPU, which shares the machine.
    pub reports_url: reqwest::Url,
    pub token: String,
    pub incidents: Vec<String>,
}

#[derive(Clone, Copy)]
pub enum Pace {
    /// Next report as soon as the previous one is acknowledged.
    Closed,
    /// One report per officer every `interval`, officers' schedules spread evenly over it.
    Open { interval: Duration },
}

pub struct Outcome {
    /// Distinct reports acknowledged (each key once).
    pub reports: usize,
    /// HTTP requests sent, with duplicates and dropped ones.
    pub requests: usize,
    pub elapsed: Duration,
    /// Per acknowledged request, from its send.
    pub request_latencies: Vec<Duration>,
    /// Per report, from when it was due (open loop: its scheduled time) to its first
    /// durable acknowledgement.
    pub report_latencies: Vec<Duration>,
}

#[derive(Default)]
struct OfficerLog {
    requests: usize,
    request_latencies: Vec<Duration>,
    report_latencies: Vec<Duration>,
    last_ack: Option<Instant>,
}

pub async fn run(target: &Target, officers: usize, reports_each: usize, pace: Pace) -> Outcome {
    let started = Instant::now() + Duration::from_millis(20);
    let tasks: Vec<_> = (0..officers)
        .map(|officer| {
            let target = target.clone();
            let first_due = match pace {
                Pace::Closed => started,
                Pace::Open { interval } => {
                    started + interval.mul_f64(officer as f64 / officers as f64)
                }
            };
            tokio::spawn(async move {
                officer_files(&target, officer, reports_each, pace, first_due).await
            })
        })
        .collect();
    let mut outcome = Outcome {
        reports: officers * reports_each,
        requests: 0,
        elapsed: Duration::ZERO,
        request_latencies: Vec::new(),
        report_latencies: Vec::new(),
    };
    let mut last_ack = started;
    for task in tasks {
        let log = task.await.expect("an officer task panicked");
        outcome.requests += log.requests;
        outcome.request_latencies.extend(log.request_latencies);
        outcome.report_latencies.extend(log.report_latencies);
        last_ack = last_ack.max(log.last_ack.unwrap_or(started));
    }
    outcome.elapsed = last_ack.duration_since(started);
    outcome.request_latencies.sort();
    outcome.report_latencies.sort();
    outcome
}

async fn officer_files(
    target: &Target,
    officer: usize,
    reports_each: usize,
    pace: Pace,
    first_due: Instant,
) -> OfficerLog {
    let incident = &target.incidents[officer % target.incidents.len()];
    let mut log = OfficerLog::default();
    tokio::time::sleep_until(first_due.into()).await;
    for n in 0..reports_each {
        let due = match pace {
            Pace::Closed => Instant::now(),
            Pace::Open { interval } => first_due + interval * n as u32,
        };
        tokio::time::sleep_until(due.into()).await;
        let key = format!("o{officer}-{n}");
        // No figures: officers sharing an incident would report decreasing cumulative
        // counts, which is correctly refused.
        let body = json!({"incident_id": incident, "text": format!("巡查 {n}")});
        let send = || {
            target.phones[officer]
                .post(target.reports_url.clone())
                .bearer_auth(&target.token)
                .header("Idempotency-Key", &key)
                .json(&body)
        };
        if n == 0 && officer.is_multiple_of(17) {
            log.requests += 1;
            let _ = send().timeout(Duration::from_millis(1)).send().await;
        }
        let attempts = if (officer * reports_each + n).is_multiple_of(5) {
            2
        } else {
            1
        };
        let mut first_id = None;
        for attempt in 0..attempts {
            let sent = Instant::now();
            let response = send().send().await.expect("the server answers");
            let status = response.status().as_u16();
            let answer: Filed = response.json().await.expect("a JSON answer");
            assert_eq!(status, 201, "{key}: {}", answer.report.id);
            let acked = Instant::now();
            log.requests += 1;
            log.request_latencies.push(acked - sent);
            if attempt == 0 {
                log.report_latencies
                    .push(acked.saturating_duration_since(due));
            }
            let id = answer.report.id;
            assert_eq!(
                first_id.get_or_insert_with(|| id.clone()),
                &id,
                "a retry names the first report"
            );
            log.last_ack = Some(acked);
        }
    }
    log
}

/// Opens every officer's connection before the clock starts, as phones already connected to
/// the platform would have: one signed-in request on each, a few dozen connecting at a time
/// so the server's accept queue never overflows. (A thousand handshakes at once overflow
/// it; the client then retransmits its SYN after a second, and the measured run would
/// start with connections still being made.)
pub async fn connect(target: &Target) {
    const AT_ONCE: usize = 50;
    let url = format!("{}/api/v1/auth/me", target.base);
    for phones in target.phones.chunks(AT_ONCE) {
        let requests: Vec<_> = phones
            .iter()
            .map(|phone| {
                let request = phone.get(&url).bearer_auth(&target.token).send();
                tokio::spawn(async move {
                    let status = request.await.expect("the server answers").status();
                    assert!(status.is_success(), "signed in: {status}");
                })
            })
            .collect();
        for request in requests {
            request.await.expect("a connecting task panicked");
        }
    }
}

/// Opens the incidents the officers report on (one report each opens one).
pub async fn open_incidents(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    count: usize,
) -> Vec<String> {
    const YUYANG: [f64; 2] = [117.368263, 40.071546];
    let mut incidents = Vec::with_capacity(count);
    for i in 0..count {
        let answer: Value = client
            .post(format!("{base}/api/v1/reports"))
            .bearer_auth(token)
            .header("Idempotency-Key", format!("open-{i}"))
            .json(&json!({"type": "flood", "location": YUYANG}))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON answer");
        incidents.push(
            answer["incident"]["id"]
                .as_str()
                .expect("an incident id")
                .to_string(),
        );
    }
    incidents
}

/// Reports stored on the target's incidents, counted on their timelines: after a run it must
/// be exactly one per key plus the opening reports, whatever was retried or dropped.
pub async fn stored_reports(target: &Target) -> usize {
    let mut stored = 0;
    for incident in &target.incidents {
        let timeline: Value = target
            .client
            .get(format!(
                "{}/api/v1/incidents/{incident}/timeline",
                target.base
            ))
            .bearer_auth(&target.token)
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON timeline");
        stored += timeline
            .as_array()
            .expect("timeline entries")
            .iter()
            .filter(|entry| entry["kind"] == "report")
            .count();
    }
    stored
}
