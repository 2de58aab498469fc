//! MQTT ingest end to end through a real broker (`YINGJI_TEST_MQTT=mqtt://127.0.0.1:1883`).

mod common;

use chrono::Utc;
use reqwest::Method;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yingji_domain::time::rfc3339;
use yingji_monitoring_api::MonitoringState;
use yingji_server::testing::{servers_with, TestServer};

/// The broker of `YINGJI_TEST_MQTT` as (url, host, port); None (test skipped) when unset,
/// a failure when set and unreachable.
async fn broker() -> Option<(String, String, u16)> {
    let Ok(url) = std::env::var("YINGJI_TEST_MQTT") else {
        eprintln!("note: YINGJI_TEST_MQTT is not set; skipping the MQTT end-to-end test");
        return None;
    };
    let (host, port) = url
        .trim_start_matches("mqtt://")
        .rsplit_once(':')
        .map(|(h, p)| (h.to_string(), p.parse::<u16>().unwrap()))
        .unwrap();
    tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .unwrap_or_else(|e| panic!("broker {url} unreachable: {e}"));
    Some((url, host, port))
}

/// A QoS 1 publisher whose event loop runs in the background.
fn publisher(host: &str, port: u16, name: &str) -> AsyncClient {
    let mut options = MqttOptions::new(format!("{name}-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(10));
    options.set_inflight(1000);
    let (client, mut eventloop) = AsyncClient::new(options, 2048);
    tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    client
}

/// The id of the seeded rain gauge `thing-rain-<n>`'s precipitation datastream.
async fn gauge(s: &TestServer, token: &str, n: u32) -> i64 {
    let path = format!("/sta/v1.1/Datastreams?$filter=properties/record_id%20eq%20'thing-rain-{n:03}-precipitation'");
    let (_, found) = s.get(&path, Some(token)).await;
    found["value"][0]["@iot.id"].as_i64().expect("seeded gauge")
}

/// How many observations of datastream `ds` have this result.
async fn stored(s: &TestServer, token: &str, ds: i64, result: f64) -> i64 {
    let path = format!(
        "/sta/v1.1/Datastreams({ds})/Observations?$filter=result%20eq%20{result}&$count=true&$top=0"
    );
    let (_, page) = s.get(&path, Some(token)).await;
    page["@iot.count"].as_i64().unwrap()
}

/// The SensorThings MQTT topic for observations of datastream `ds`.
fn topic(ds: i64) -> String {
    format!("v1.1/Datastreams({ds})/Observations")
}

#[tokio::test]
async fn observations_published_over_mqtt_are_stored_and_bad_ones_counted() {
    let Some((url, host, port)) = broker().await else {
        return;
    };
    let states: Arc<Mutex<Vec<MonitoringState>>> = Arc::default();
    let captured = states.clone();
    let mqtt = url.clone();
    let servers = servers_with(move |mut state| {
        let captured = captured.clone();
        let mqtt = mqtt.clone();
        async move {
            let mut options = (*state.options).clone();
            options.mqtt = Some(mqtt);
            state.options = Arc::new(options);
            let (module, monitoring) = yingji_monitoring_api::mount_with_handle(&state)
                .await
                .unwrap();
            captured.lock().unwrap().push(monitoring);
            vec![module]
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // subscriptions in place

    let mut options = MqttOptions::new(format!("yingji-test-{}", std::process::id()), host, port);
    options.set_keep_alive(Duration::from_secs(10));
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    let acks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = acks.clone();
    tokio::spawn(async move {
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::PubAck(_)) = event {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });

    for (i, s) in servers.iter().enumerate() {
        let feeder = s.token("feeder").await;
        let (_, thing) = s
            .send(Method::POST, "/sta/v1.1/Things", Some(&feeder), Some(json!({
                "name": "mqtt gauge", "description": "", "properties": {"town_code": "120119100"},
                "Datastreams": [{"name": "rain", "description": "", "observationType": "OM_Measurement",
                    "unitOfMeasurement": {"name": "mm", "symbol": "mm", "definition": ""},
                    "Sensor": {"name": "s", "description": "", "encodingType": "text/plain", "metadata": ""},
                    "ObservedProperty": {"name": "p", "definition": "", "description": ""}}]})))
            .await;
        let (_, streams) = s
            .get(
                &format!("/sta/v1.1/Things({})/Datastreams", thing["@iot.id"]),
                Some(&feeder),
            )
            .await;
        let ds = streams["value"][0]["@iot.id"].as_i64().unwrap();
        let observations = topic(ds);
        // A value unique to this backend: every server on the broker hears every message.
        let marker = 1000.0 + i as f64 + 0.25;
        let good = json!({"phenomenonTime": rfc3339(Utc::now()), "result": marker}).to_string();
        client
            .publish(&observations, QoS::AtLeastOnce, false, good)
            .await
            .unwrap();
        for bad in [
            "not json",
            "{\"result\": \"high\"}",
            "{\"result\": 1, \"phenomenonTime\": \"2999-01-01T00:00:00Z\"}",
        ] {
            client
                .publish(&observations, QoS::AtLeastOnce, false, bad)
                .await
                .unwrap();
        }
        client
            .publish(
                topic(987654),
                QoS::AtLeastOnce,
                false,
                json!({"result": 1}).to_string(),
            )
            .await
            .unwrap();

        common::eventually(|| async { (stored(s, &feeder, ds, marker).await == 1).then_some(()) })
            .await;
        let metrics = s
            .client
            .get(format!("{}/metrics", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("yingji_mqtt_rejected_total"),
            "rejections are counted"
        );
        assert!(metrics.contains("reason=\"invalid_json\""));
        assert!(metrics.contains("reason=\"unknown_datastream\""));
    }
    assert!(
        acks.load(std::sync::atomic::Ordering::SeqCst) >= 5,
        "the broker acknowledged our QoS 1 publications"
    );
    drop(states);
}

#[tokio::test]
async fn a_flooding_sensor_is_limited_while_the_others_get_through() {
    let Some((url, host, port)) = broker().await else {
        return;
    };
    let client = publisher(&host, port, "yingji-test-flood");
    for h in common::harnesses().await {
        let s = &h.server;
        let feeder = s.token("feeder").await;
        let feeder = feeder.as_str();
        let gauge = |n: u32| gauge(s, feeder, n);
        let (flooder, neighbour, marker) = (gauge(2).await, gauge(3).await, gauge(4).await);
        let stored = |ds: i64, result: f64| stored(s, feeder, ds, result);
        // Practically no refill: the flooder gets exactly its burst allowance.
        let ingest = yingji_monitoring_api::mqtt::start(h.monitoring.clone(), &url, 1e-6).unwrap();
        let observation = |result: f64| {
            json!({"phenomenonTime": rfc3339(Utc::now()), "result": result}).to_string()
        };
        // Subscribed once a probe is stored (nothing published before that is kept).
        common::eventually(|| async {
            client
                .publish(topic(marker), QoS::AtLeastOnce, false, observation(0.125))
                .await
                .unwrap();
            (stored(marker, 0.125).await >= 1).then_some(())
        })
        .await;

        for _ in 0..1000 {
            client
                .publish(topic(flooder), QoS::AtLeastOnce, false, observation(0.25))
                .await
                .unwrap();
        }
        // Published after the whole flood, on other topics: still stored.
        client
            .publish(topic(neighbour), QoS::AtLeastOnce, false, observation(0.75))
            .await
            .unwrap();
        client
            .publish(topic(marker), QoS::AtLeastOnce, false, observation(0.5))
            .await
            .unwrap();
        common::eventually(|| async {
            (stored(neighbour, 0.75).await == 1 && stored(marker, 0.5).await == 1).then_some(())
        })
        .await;
        // The server reads one connection in order: once the last marker is stored, every
        // flood message has been decided (stored or refused), and only the burst got through.
        common::eventually(|| async {
            (stored(flooder, 0.25).await == yingji_monitoring_api::mqtt::BURST as i64).then_some(())
        })
        .await;
        ingest.end_session().await;
    }
}

#[tokio::test]
async fn observations_published_while_the_server_is_down_are_stored_when_it_is_back() {
    let Some((url, host, port)) = broker().await else {
        return;
    };
    let client = publisher(&host, port, "yingji-test-restart");
    for h in common::harnesses().await {
        let s = &h.server;
        let feeder = s.token("feeder").await;
        let feeder = feeder.as_str();
        let gauge = gauge(s, feeder, 5).await;
        let stored = |result: f64| stored(s, feeder, gauge, result);
        let publish = |result: f64| {
            let body = json!({"phenomenonTime": rfc3339(Utc::now()), "result": result});
            client.publish(topic(gauge), QoS::AtLeastOnce, false, body.to_string())
        };

        let first = yingji_monitoring_api::mqtt::start(h.monitoring.clone(), &url, 1e9).unwrap();
        common::eventually(|| async {
            publish(0.125).await.unwrap();
            (stored(0.125).await >= 1).then_some(())
        })
        .await;
        // The server goes away without a word, as in a crash; the sensor goes on publishing.
        first.stop();
        tokio::time::sleep(Duration::from_millis(300)).await;
        for _ in 0..5 {
            publish(0.375).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(stored(0.375).await, 0, "nobody was subscribed");

        // The restarted server resumes the session the broker kept, and gets all five.
        let second = yingji_monitoring_api::mqtt::start(h.monitoring.clone(), &url, 1e9).unwrap();
        common::eventually(|| async { (stored(0.375).await == 5).then_some(()) }).await;
        second.end_session().await;
    }
}
