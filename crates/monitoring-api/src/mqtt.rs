//! SensorThings MQTT ingest: subscribes (QoS 1) to `v1.1/#`, takes every publication to
//! `v1.1/Datastreams(<id>)/Observations` as an Observation of that Datastream, and
//! acknowledges it (PUBACK) only after it is committed. Bad messages are logged and counted
//! (`yingji_mqtt_rejected_total{reason}`), never fatal. A per-datastream token bucket keeps
//! one flooding sensor from crowding out the others.
//!
//! The session is MQTT 5 so that it can announce a large Receive Maximum: the broker keeps
//! at most that many unacknowledged QoS 1 messages in flight to us, and since a PUBACK waits
//! for the commit, a small window (MQTT 3.1.1 brokers default to 20, Mosquitto included)
//! would cap ingest at window ÷ commit time. Senders may use MQTT 3.1.1 or 5.
//!
//! The session is persistent: a client id stable for this server (see [`client_id`]),
//! `clean_start = false` and a session expiry of [`SESSION_EXPIRY`]. While the server is
//! down or reconnecting, the broker keeps what the sensors publish, and what it delivered
//! but we had not yet acknowledged; the next connection receives both. Delivery is thus at
//! least once: a message committed but not yet acknowledged when the connection dropped is
//! delivered again and stored twice (the same datastream, time and result).
//!
//! Three tasks, so that no message waits for another's commit: the connection forwards each
//! publication; the batcher takes whatever has arrived (up to the window), checks it and
//! queues the good rows as one batch for the group-commit writer; the acknowledger waits for
//! those commits in order and sends the PUBACKs in the order the messages came.

use crate::ingest::{NewObservation, Receipt};
use crate::sta::observations;
use crate::MonitoringState;
use chrono::Utc;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Sustained messages per second one datastream may send (`YINGJI_MQTT_RATE` overrides).
pub const DEFAULT_RATE_PER_SEC: f64 = 20.0;
/// Burst allowance on top of the rate.
pub const BURST: f64 = 100.0;
/// Unacknowledged messages the broker may have in flight to us (MQTT 5 Receive Maximum):
/// enough to keep the group-commit writer fed while earlier messages are being committed.
pub const RECEIVE_MAXIMUM: u16 = 8192;

/// How long the broker keeps our session (subscription and queued messages) after the
/// connection is lost: a restart, an upgrade or a network cut shorter than this loses nothing.
pub const SESSION_EXPIRY: Duration = Duration::from_secs(3600);

/// The running subscriber. Dropping the handle leaves it running; [`MqttIngest::stop`] ends it.
pub struct MqttIngest {
    task: tokio::task::JoinHandle<()>,
    counters: Arc<Counters>,
    client_id: String,
    broker: (String, u16),
}

impl MqttIngest {
    /// Drops the connection the way a crash would: the broker keeps the session, and a
    /// subscriber started later with the same client id receives what arrived meanwhile.
    pub fn stop(self) {
        self.task.abort();
    }

    /// Stops and asks the broker to forget the session (a clean start with no expiry, then
    /// a disconnect), so nothing is queued for a subscriber that will not come back: for
    /// tests and benches, whose servers are not restarted.
    pub async fn end_session(self) {
        self.task.abort();
        let (host, port) = self.broker;
        let mut options = MqttOptions::new(self.client_id, host, port);
        options.set_clean_start(true);
        let (client, mut eventloop) = AsyncClient::new(options, 10);
        let ended = async {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = client.disconnect().await;
                    }
                    Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(5), ended)
            .await
            .is_err()
        {
            tracing::warn!("MQTT session not ended within 5 s; the broker expires it");
        }
    }

    /// What this subscriber has done so far: the same figures as the metrics, per instance,
    /// so that a caller (a bench, a test) can tell "never arrived" from "arrived, refused".
    pub fn counts(&self) -> MqttCounts {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MqttCounts {
            received: read(&self.counters.received),
            stored: read(&self.counters.stored),
            rejected: read(&self.counters.rejected),
            failed: read(&self.counters.failed),
        }
    }
}

/// Ingest messages of one [`MqttIngest`] since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MqttCounts {
    /// Observation messages delivered by the broker (topic `v1.1/Datastreams(n)/Observations`).
    pub received: u64,
    /// Committed and acknowledged.
    pub stored: u64,
    /// Refused (bad payload, unknown datastream, rate limit) and acknowledged anyway.
    pub rejected: u64,
    /// Not stored because the writer failed; left unacknowledged (see [`MqttIngest::stop`]).
    pub failed: u64,
}

#[derive(Default)]
struct Counters {
    received: AtomicU64,
    stored: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
}

/// The per-datastream rate limit: `YINGJI_MQTT_RATE` messages per second, or the default.
pub fn rate_from_env() -> f64 {
    std::env::var("YINGJI_MQTT_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r: &f64| r.is_finite() && *r > 0.0)
        .unwrap_or(DEFAULT_RATE_PER_SEC)
}

/// Starts the subscriber in the background, each datastream limited to `rate_per_sec`
/// messages per second (plus [`BURST`]). Errors only for a malformed URL; an unreachable
/// broker is retried forever (logged).
pub fn start(state: MonitoringState, url: &str, rate_per_sec: f64) -> Result<MqttIngest, String> {
    let (host, port) = parse_url(url)?;
    let client_id = client_id(&state.app.options.data_dir);
    let mut options = MqttOptions::new(client_id.clone(), host.clone(), port);
    options.set_clean_start(false);
    options.set_session_expiry_interval(Some(SESSION_EXPIRY.as_secs() as u32));
    options.set_keep_alive(Duration::from_secs(30));
    options.set_manual_acks(true);
    options.set_max_packet_size(Some(256 * 1024));
    options.set_receive_maximum(Some(RECEIVE_MAXIMUM));
    let (client, mut eventloop) = AsyncClient::new(options, usize::from(RECEIVE_MAXIMUM));
    let counters = Arc::new(Counters::default());
    // Never full: every message in it is unacknowledged, and the broker sends no more than
    // RECEIVE_MAXIMUM of those; the same holds for the batches behind it.
    let (arrived, arrivals) = mpsc::channel(usize::from(RECEIVE_MAXIMUM));
    let (queued, commits) = mpsc::channel(usize::from(RECEIVE_MAXIMUM));
    let batcher = Batcher {
        state,
        client: client.clone(),
        counters: counters.clone(),
        buckets: Buckets::new(rate_per_sec),
    };
    tokio::spawn(batcher.run(arrivals, queued));
    tokio::spawn(acknowledge(client.clone(), counters.clone(), commits));
    let task = tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    // Clean sessions forget subscriptions: subscribe on every (re)connect.
                    if let Err(e) = client.try_subscribe("v1.1/#", QoS::AtLeastOnce) {
                        tracing::error!(error = %e, "MQTT subscribe failed");
                    }
                    tracing::info!("MQTT ingest connected");
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    if arrived.send(publish).await.is_err() {
                        return; // the batcher is gone: nothing could be stored
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "MQTT connection lost; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(MqttIngest {
        task,
        counters,
        client_id,
        broker: (host, port),
    })
}

/// The client id of this server's session: `yingji-<host name>-<hash of the data directory>`,
/// the same across restarts of one installation (so it resumes its session) and different
/// for two servers (a broker lets one connection hold a client id, and would otherwise
/// throw each off in turn). `YINGJI_MQTT_CLIENT_ID` overrides it.
pub fn client_id(data_dir: &std::path::Path) -> String {
    if let Some(id) = std::env::var("YINGJI_MQTT_CLIENT_ID")
        .ok()
        .filter(|id| !id.is_empty())
    {
        return id;
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(dir.to_string_lossy().as_bytes());
    format!("yingji-{host}-{}", hex::encode(&digest[..6]))
}

fn parse_url(url: &str) -> Result<(String, u16), String> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .ok_or_else(|| format!("MQTT URL {url:?} must start with mqtt://"))?;
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) => Ok((
            host.to_string(),
            port.parse()
                .map_err(|_| format!("bad MQTT port in {url:?}"))?,
        )),
        None => Ok((rest.to_string(), 1883)),
    }
}

/// `v1.1/Datastreams(17)/Observations` → 17.
pub fn datastream_of_topic(topic: &str) -> Option<i64> {
    let inner = topic
        .strip_prefix("v1.1/Datastreams(")?
        .strip_suffix(")/Observations")?;
    inner.parse().ok()
}

/// Messages that passed the checks, queued for the writer as one batch.
struct QueuedBatch {
    receipt: Receipt,
    messages: Vec<Publish>,
}

/// The batcher: checks arrived messages and queues the good ones for the writer.
struct Batcher {
    state: MonitoringState,
    client: AsyncClient,
    counters: Arc<Counters>,
    buckets: Buckets,
}

impl Batcher {
    async fn run(
        mut self,
        mut arrivals: mpsc::Receiver<Publish>,
        queued: mpsc::Sender<QueuedBatch>,
    ) {
        let mut arrived = Vec::new();
        while arrivals
            .recv_many(&mut arrived, usize::from(RECEIVE_MAXIMUM))
            .await
            > 0
        {
            let (rows, messages) = self.check(arrived.drain(..));
            if rows.is_empty() {
                continue;
            }
            let count = rows.len() as u64;
            match self.state.ingest.enqueue(rows).await {
                Ok(receipt) => {
                    if queued
                        .send(QueuedBatch { receipt, messages })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    self.counters.failed.fetch_add(count, Ordering::Relaxed);
                    tracing::error!(error = %e, "MQTT observations not stored");
                }
            }
        }
    }

    /// The observations among `arrived`, with their messages in the same order. Everything
    /// else is acknowledged here and now: other SensorThings topics are not ingest, and a
    /// message that can never be stored helps nobody by being redelivered.
    fn check(
        &mut self,
        arrived: impl Iterator<Item = Publish>,
    ) -> (Vec<NewObservation>, Vec<Publish>) {
        let (mut rows, mut messages) = (Vec::new(), Vec::new());
        let entities = self.state.entities_read();
        let now = Utc::now();
        for publish in arrived {
            let topic = std::str::from_utf8(&publish.topic).unwrap_or_default();
            let Some(datastream) = datastream_of_topic(topic) else {
                let _ = self.client.try_ack(&publish);
                continue;
            };
            self.counters.received.fetch_add(1, Ordering::Relaxed);
            if !self.buckets.take(datastream) {
                let detail = format!("datastream {datastream}");
                self.reject(&publish, "rate_limited", detail);
                continue;
            }
            let body: serde_json::Value = match serde_json::from_slice(&publish.payload) {
                Ok(body) => body,
                Err(e) => {
                    self.reject(&publish, "invalid_json", e.to_string());
                    continue;
                }
            };
            match observations::from_entity(&entities, &body, Some(datastream), now, "") {
                Ok(row) => {
                    rows.push(row);
                    messages.push(publish);
                }
                Err(e) => {
                    let reason =
                        if e.code == "invalid_value" && e.field.as_deref() == Some("Datastream") {
                            "unknown_datastream"
                        } else {
                            "invalid_observation"
                        };
                    let detail = format!("{}: {}", e.field.unwrap_or_default(), e.message);
                    self.reject(&publish, reason, detail);
                }
            }
        }
        (rows, messages)
    }

    fn reject(&self, publish: &Publish, reason: &'static str, detail: String) {
        metrics::counter!("yingji_mqtt_rejected_total", "reason" => reason).increment(1);
        self.counters.rejected.fetch_add(1, Ordering::Relaxed);
        let topic = String::from_utf8_lossy(&publish.topic);
        tracing::warn!(%topic, reason, %detail, "MQTT message rejected");
        let _ = self.client.try_ack(publish);
    }
}

/// The acknowledger: waits for each batch's commit in queue order, then sends its PUBACKs.
async fn acknowledge(
    client: AsyncClient,
    counters: Arc<Counters>,
    mut commits: mpsc::Receiver<QueuedBatch>,
) {
    while let Some(QueuedBatch { receipt, messages }) = commits.recv().await {
        let count = messages.len() as u64;
        match receipt.committed().await {
            Ok(_) => {
                metrics::counter!("yingji_mqtt_observations_total").increment(count);
                counters.stored.fetch_add(count, Ordering::Relaxed);
                for publish in &messages {
                    if let Err(e) = client.ack(publish).await {
                        tracing::warn!(error = %e, "MQTT PUBACK not sent");
                    }
                }
            }
            // Not acknowledged: never confirmed as stored. Within this clean session the
            // broker does not resend them, and they hold part of the Receive Maximum.
            Err(e) => {
                counters.failed.fetch_add(count, Ordering::Relaxed);
                tracing::error!(error = %e, "MQTT observations not stored");
            }
        }
    }
}

struct Buckets {
    rate: f64,
    buckets: HashMap<i64, (f64, Instant)>,
}

impl Buckets {
    fn new(rate: f64) -> Self {
        Buckets {
            rate,
            buckets: HashMap::new(),
        }
    }

    fn take(&mut self, datastream: i64) -> bool {
        let now = Instant::now();
        let (tokens, last) = self.buckets.entry(datastream).or_insert((BURST, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(BURST);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_name_their_datastream() {
        assert_eq!(
            datastream_of_topic("v1.1/Datastreams(17)/Observations"),
            Some(17)
        );
        assert_eq!(
            datastream_of_topic("v1.1/Datastreams(x)/Observations"),
            None
        );
        assert_eq!(datastream_of_topic("v1.1/Things(1)"), None);
    }

    #[test]
    fn a_flooding_datastream_is_limited_without_touching_others() {
        let mut b = Buckets::new(1.0);
        let taken = (0..500).filter(|_| b.take(1)).count();
        assert!(taken <= BURST as usize + 1, "{taken}");
        assert!(b.take(2), "another datastream still has its burst");
    }
}
