//! Shared by the benches: servers with this capability mounted, the broker, seeded
//! datastreams, MQTT publishing and process memory. Panics are how a bench fails.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yingji_monitoring_api::MonitoringState;
use yingji_server::testing::{servers_with, TestServer};
use yingji_store::sqlx_error as sqlx;
use yingji_store::sqlx_error::Row;

/// One server per backend (SQLite; PostgreSQL when YINGJI_TEST_POSTGRES is set), with the
/// monitoring module and its state. MQTT ingest is not started: benches start it themselves.
pub async fn servers() -> Vec<(TestServer, MonitoringState)> {
    let states: Arc<Mutex<Vec<MonitoringState>>> = Arc::default();
    let captured = states.clone();
    let servers = servers_with(move |state| {
        let captured = captured.clone();
        async move {
            let (module, monitoring) = yingji_monitoring_api::mount_with_handle(&state)
                .await
                .unwrap();
            captured.lock().unwrap().push(monitoring);
            vec![module]
        }
    })
    .await;
    let states = std::mem::take(&mut *states.lock().unwrap());
    servers.into_iter().zip(states).collect()
}

/// `YINGJI_TEST_MQTT` (default mqtt://127.0.0.1:1883) as URL, host and port; panics when
/// the broker cannot be reached.
pub async fn broker() -> (String, String, u16) {
    let url = std::env::var("YINGJI_TEST_MQTT").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into());
    let (host, port) = url
        .trim_start_matches("mqtt://")
        .trim_end_matches('/')
        .rsplit_once(':')
        .map(|(h, p)| (h.to_string(), p.parse::<u16>().unwrap()))
        .unwrap();
    tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .unwrap_or_else(|e| panic!("broker {url} unreachable: {e}"));
    (url, host, port)
}

/// The seeded rain-gauge datastreams (their default rules are in force).
pub async fn rain_gauges(server: &TestServer, token: &str) -> Vec<i64> {
    let (_, found) = server
        .get("/sta/v1.1/Datastreams?$top=10000", Some(token))
        .await;
    let streams: Vec<i64> = found["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["properties"]["record_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("thing-rain-"))
        })
        .map(|d| d["@iot.id"].as_i64().unwrap())
        .collect();
    assert!(!streams.is_empty(), "seeded rain gauges");
    streams
}

/// Rows stored after `after` (an id).
pub async fn stored_since(server: &TestServer, after: i64) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM sta_observations WHERE id > $1")
        .bind(after)
        .fetch_one(&server.store.db().reader)
        .await
        .unwrap()
        .get(0)
}

pub async fn last_id(server: &TestServer) -> i64 {
    sqlx::query("SELECT COALESCE(MAX(id), 0) FROM sta_observations")
        .fetch_one(&server.store.db().reader)
        .await
        .unwrap()
        .get(0)
}

/// A QoS 1 publisher (MQTT 3.1.1, as most field gateways speak) that counts the broker's
/// PUBACKs, so a bench knows how many messages the broker actually took. Dropping it closes
/// its connection.
pub struct Publisher {
    pub client: AsyncClient,
    pub acked: Arc<AtomicU64>,
    connection: tokio::task::JoinHandle<()>,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

pub fn publisher(host: &str, port: u16, name: &str) -> Publisher {
    // Unique per publisher: the broker closes the older of two sessions with the same id,
    // and the two would then take turns throwing each other out.
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    let id = format!("{name}-{}-{serial}", std::process::id());
    let mut options = MqttOptions::new(id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_inflight(1000);
    let (client, mut eventloop) = AsyncClient::new(options, 10_000);
    let acked = Arc::new(AtomicU64::new(0));
    let counter = acked.clone();
    let connection = tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Event::Incoming(Packet::Disconnect)) => return,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("publisher {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    });
    Publisher {
        client,
        acked,
        connection,
    }
}

pub async fn publish(publisher: &Publisher, topic: &str, payload: String) {
    publisher
        .client
        .publish(topic, QoS::AtLeastOnce, false, payload)
        .await
        .unwrap();
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Posts one `CreateObservations` body and waits for its durable acknowledgement (201).
pub async fn post_observations(client: &reqwest::Client, url: &str, token: &str, body: String) {
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.bytes().await.unwrap();
}
