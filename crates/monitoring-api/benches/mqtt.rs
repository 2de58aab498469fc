//! MQTT ingest (one Observation per message, QoS 1, PUBACK after commit) against the rate at
//! which the same broker delivers the same messages to a bare rumqttc subscriber, measured in
//! the same run just before. Needs the broker of YINGJI_TEST_MQTT (default
//! mqtt://127.0.0.1:1883). Run: `cargo bench -p yingji-monitoring-api --bench mqtt`.

mod support;

use chrono::{Duration, Utc};
use std::time::Instant;
use yingji_domain::time::rfc3339;

const MESSAGES: usize = 100_000;
/// The per-datastream limit is a defence against one broken sensor; one bench publisher
/// plays every gauge at thousands of messages per second, so it is lifted here.
const UNLIMITED: f64 = 1e9;

#[tokio::main]
async fn main() {
    let (url, host, port) = support::broker().await;
    for (server, monitoring) in support::servers().await {
        let feeder = server.token("feeder").await;
        let streams = support::rain_gauges(&server, &feeder).await;
        let start = Utc::now() - Duration::days(2);
        // Prepared before timing: every run sends exactly these messages.
        let messages: Vec<(String, String)> = (0..MESSAGES)
            .map(|i| {
                let ds = streams[i % streams.len()];
                let at = start + Duration::milliseconds(i as i64);
                (
                    format!("v1.1/Datastreams({ds})/Observations"),
                    format!(r#"{{"phenomenonTime":"{}","result":0.0}}"#, rfc3339(at)),
                )
            })
            .collect();

        let v3 = bare::v3(&host, port, &messages).await;
        let v5 = bare::v5(&host, port, &messages).await;
        let baseline = v3.max(v5);

        let ingest =
            yingji_monitoring_api::mqtt::start(monitoring.clone(), &url, UNLIMITED).unwrap();
        let publisher = support::publisher(&host, port, "bench-mqtt-ingest");
        // Subscribed once a probe is stored.
        let before = support::last_id(&server).await;
        let (topic, probe) = &messages[0];
        while support::stored_since(&server, before).await < 1 {
            support::publish(&publisher, topic, probe.clone()).await;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let before = support::last_id(&server).await;
        let began = Instant::now();
        for (topic, payload) in &messages {
            support::publish(&publisher, topic, payload.clone()).await;
        }
        let published = began.elapsed().as_secs_f64();
        let deadline = Instant::now() + std::time::Duration::from_secs(300);
        loop {
            let stored = support::stored_since(&server, before).await;
            if stored >= MESSAGES as i64 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "only {stored} of {MESSAGES} stored"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let secs = began.elapsed().as_secs_f64();
        let rate = MESSAGES as f64 / secs;
        ingest.stop();
        println!(
            "{:<8} bare subscriber (same broker, same messages): MQTT 3.1.1 {:>7.0} msg/s, MQTT 5 {:>7.0} msg/s",
            server.backend, v3, v5
        );
        println!(
            "{:<8} yingji MQTT ingest, stored and acknowledged:  {:>7.0} obs/s ({MESSAGES} messages, {:.2} s; publishing took {:.2} s); ratio {:.0} % of the faster bare subscriber",
            server.backend, rate, secs, published, 100.0 * rate / baseline
        );
    }
}

/// Bare subscribers: count the messages, acknowledge at once, nothing else.
mod bare {
    use super::support;
    use std::time::{Duration, Instant};

    const TOPICS: &str = "v1.1/#";

    pub async fn v3(host: &str, port: u16, messages: &[(String, String)]) -> f64 {
        use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
        let mut options =
            MqttOptions::new(format!("bench-bare3-{}", std::process::id()), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        let (client, mut eventloop) = AsyncClient::new(options, 1000);
        client.subscribe(TOPICS, QoS::AtLeastOnce).await.unwrap();
        loop {
            if let Ok(Event::Incoming(Packet::SubAck(_))) = eventloop.poll().await {
                break;
            }
        }
        let counter = tokio::spawn(async move {
            let mut received = 0;
            while received < messages_len() {
                if let Ok(Event::Incoming(Packet::Publish(_))) = eventloop.poll().await {
                    received += 1;
                }
            }
            Instant::now()
        });
        let rate = run(host, port, messages, counter, "bench-bare3-pub").await;
        client.disconnect().await.ok();
        rate
    }

    pub async fn v5(host: &str, port: u16, messages: &[(String, String)]) -> f64 {
        use rumqttc::v5::mqttbytes::v5::Packet;
        use rumqttc::v5::mqttbytes::QoS;
        use rumqttc::v5::{AsyncClient, Event, MqttOptions};
        let mut options =
            MqttOptions::new(format!("bench-bare5-{}", std::process::id()), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        options.set_receive_maximum(Some(yingji_monitoring_api::mqtt::RECEIVE_MAXIMUM));
        let (client, mut eventloop) = AsyncClient::new(options, 1000);
        client.subscribe(TOPICS, QoS::AtLeastOnce).await.unwrap();
        loop {
            if let Ok(Event::Incoming(Packet::SubAck(_))) = eventloop.poll().await {
                break;
            }
        }
        let counter = tokio::spawn(async move {
            let mut received = 0;
            while received < messages_len() {
                if let Ok(Event::Incoming(Packet::Publish(_))) = eventloop.poll().await {
                    received += 1;
                }
            }
            Instant::now()
        });
        let rate = run(host, port, messages, counter, "bench-bare5-pub").await;
        client.disconnect().await.ok();
        rate
    }

    fn messages_len() -> usize {
        super::MESSAGES
    }

    async fn run(
        host: &str,
        port: u16,
        messages: &[(String, String)],
        counter: tokio::task::JoinHandle<Instant>,
        name: &str,
    ) -> f64 {
        let publisher = support::publisher(host, port, name);
        let began = Instant::now();
        for (topic, payload) in messages {
            support::publish(&publisher, topic, payload.clone()).await;
        }
        let done = tokio::time::timeout(Duration::from_secs(120), counter)
            .await
            .expect("the bare subscriber received every message")
            .unwrap();
        messages.len() as f64 / done.duration_since(began).as_secs_f64()
    }
}
