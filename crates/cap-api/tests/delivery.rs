//! Delivery to channels: receipts, retries with backoff against a failing gateway, a slow
//! gateway that must not block the API, and coverage arithmetic on known villages.

mod common;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yingji_server::testing::TestServer;

/// A local SMS gateway: fails the first `fail_first` requests with 500 (then recovers),
/// or every request while `always_fail` is set; waits `delay` before answering.
#[derive(Default)]
struct Gateway {
    requests: AtomicUsize,
    fail_first: usize,
    always_fail: AtomicBool,
    delay: Duration,
    delivered: Mutex<Vec<Value>>,
}

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    Json(body): Json<Value>,
) -> (StatusCode, String) {
    let n = gateway.requests.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(gateway.delay).await;
    if n < gateway.fail_first || gateway.always_fail.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "gateway down".into());
    }
    gateway.delivered.lock().unwrap().push(body);
    (StatusCode::OK, format!("{{\"receipt\":\"sms-{n}\"}}"))
}

async fn start_gateway(gateway: Gateway) -> (String, Arc<Gateway>) {
    let gateway = Arc::new(gateway);
    let app = axum::Router::new()
        .route("/sms", axum::routing::post(handle))
        .with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, gateway)
}

async fn coverage(server: &TestServer, id: &str) -> Value {
    let duty = server.token("duty").await;
    let (status, body) = server
        .get(
            &format!("/api/v1/public-warnings/{id}/coverage"),
            Some(&duty),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn channel(coverage: &Value, name: &str) -> Value {
    coverage["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

fn sms(coverage: &Value) -> Value {
    channel(coverage, "sms")
}

/// Waits (bounded) until no delivery of the warning is pending on any channel.
async fn settled(server: &TestServer, id: &str) -> Value {
    for _ in 0..300 {
        let c = coverage(server, id).await;
        if c["channels"]
            .as_array()
            .unwrap()
            .iter()
            .all(|ch| ch["pending"] == 0)
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries of {id} did not settle");
}

/// Two villages of 洇溜镇 and the whole of 渔阳镇, with their populations from the dataset.
fn known_area() -> (Value, u64, u64, BTreeSet<String>) {
    let villages = villages();
    let picked: Vec<_> = villages
        .iter()
        .filter(|v| v.1 == "120119101")
        .take(2)
        .collect();
    let yuyang: u64 = villages
        .iter()
        .filter(|v| v.1 == "120119100")
        .map(|v| v.2)
        .sum();
    let picked_people: u64 = picked.iter().map(|v| v.2).sum();
    let targets = villages
        .iter()
        .filter(|v| v.1 == "120119100")
        .chain(picked.iter().copied())
        .map(|v| v.0.clone())
        .collect();
    let area = json!([
        {"towns": ["120119100"]},
        {"villages": picked.iter().map(|v| v.0.clone()).collect::<Vec<_>>(), "description": "洇溜镇两村"}
    ]);
    (area, yuyang, picked_people, targets)
}

#[tokio::test]
async fn failed_deliveries_are_retried_counted_and_coverage_adds_up() {
    let (url, gateway) = start_gateway(Gateway {
        fail_first: 5,
        ..Gateway::default()
    })
    .await;
    let sms_url = url.clone();
    for server in servers(move |o| o.sms_gateway = Some(sms_url.clone()), fast_config).await {
        gateway.requests.store(0, Ordering::SeqCst);
        gateway.delivered.lock().unwrap().clear();
        gateway.always_fail.store(false, Ordering::SeqCst);
        let (area, yuyang, picked, targets) = known_area();
        let published = draft_approve_publish(&server, draft_body("orange", area)).await;
        let id = published["warning_id"].as_str().unwrap();
        let c = settled(&server, id).await;

        // Coverage: everyone in the area was reached once the gateway recovered.
        let total = yuyang + picked;
        assert_eq!(c["overall"]["people_in_area"], total);
        assert_eq!(c["overall"]["people_reached"], total);
        assert_eq!(c["overall"]["ratio"], 1.0);
        assert_eq!(c["meets_target"], true);
        let towns: Vec<(String, u64)> = c["towns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["town_code"].as_str().unwrap().to_string(),
                    t["people_in_area"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            towns,
            vec![("120119100".into(), yuyang), ("120119101".into(), picked)]
        );

        // One SMS per village, the five failures retried and counted, nothing failed.
        let counts = sms(&c);
        assert_eq!(counts["delivered"], targets.len() as u64);
        assert_eq!(
            (counts["failed"].as_u64(), counts["retries"].as_u64()),
            (Some(0), Some(5))
        );
        assert_eq!(gateway.requests.load(Ordering::SeqCst), targets.len() + 5);
        let delivered: BTreeSet<String> = gateway
            .delivered
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["target"]["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(delivered, targets, "every village exactly once");
        let web = c["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == "web")
            .unwrap();
        assert_eq!(web["delivered"], 1, "the web feed is a channel too");

        // A gateway that stays down: attempts run out, the delivery is failed, nobody reached.
        gateway.always_fail.store(true, Ordering::SeqCst);
        let (village, _, people) = villages().into_iter().find(|v| v.1 == "120119102").unwrap();
        let published = draft_approve_publish(
            &server,
            draft_body("yellow", json!([{"villages": [village]}])),
        )
        .await;
        let id = published["warning_id"].as_str().unwrap();
        let c = settled(&server, id).await;
        assert_eq!(c["overall"]["people_in_area"], people);
        assert_eq!(c["overall"]["people_reached"], 0);
        assert_eq!(c["meets_target"], false);
        let counts = sms(&c);
        assert_eq!(
            (
                counts["failed"].as_u64(),
                counts["attempts"].as_u64(),
                counts["retries"].as_u64()
            ),
            (Some(1), Some(4), Some(3))
        );
    }
}

#[tokio::test]
async fn a_slow_gateway_does_not_hold_up_the_api() {
    let (url, gateway) = start_gateway(Gateway {
        delay: Duration::from_millis(1500),
        ..Gateway::default()
    })
    .await;
    let sms_url = url.clone();
    for server in servers(move |o| o.sms_gateway = Some(sms_url.clone()), fast_config).await {
        gateway.requests.store(0, Ordering::SeqCst);
        let village = villages().into_iter().find(|v| v.1 == "120119105").unwrap();
        let published = draft_approve_publish(
            &server,
            draft_body("blue", json!([{"villages": [village.0]}])),
        )
        .await;
        let id = published["warning_id"].as_str().unwrap();
        // Publishing answered while the gateway is still sleeping on the SMS ...
        assert_eq!(sms(&coverage(&server, id).await)["pending"], 1);
        // ... and other writes go through meanwhile (no write transaction is held).
        let duty = server.token("duty").await;
        let (s, _) = server
            .send(
                Method::POST,
                "/api/v1/public-warnings",
                Some(&duty),
                Some(draft_body("blue", json!([{"towns": ["120119105"]}]))),
            )
            .await;
        assert_eq!(s, 201);
        let c = settled(&server, id).await;
        assert_eq!(sms(&c)["delivered"], 1);
        assert_eq!(c["overall"]["people_reached"], village.2);
    }
}

#[tokio::test]
async fn broadcast_reaches_each_town_once_and_loudspeakers_each_village() {
    let (broadcast_url, broadcast) = start_gateway(Gateway::default()).await;
    let (speaker_url, speakers) = start_gateway(Gateway::default()).await;
    let configure = move |o: &mut yingji_server::ServerOptions| {
        o.broadcast_gateway = Some(broadcast_url.clone());
        o.loudspeaker_gateway = Some(speaker_url.clone());
    };
    for server in servers(configure, fast_config).await {
        broadcast.delivered.lock().unwrap().clear();
        speakers.delivered.lock().unwrap().clear();
        let (area, yuyang, picked, villages) = known_area();
        let published = draft_approve_publish(&server, draft_body("orange", area)).await;
        let c = settled(&server, published["warning_id"].as_str().unwrap()).await;

        let codes = |gateway: &Gateway| -> Vec<String> {
            let mut codes: Vec<String> = gateway
                .delivered
                .lock()
                .unwrap()
                .iter()
                .map(|b| b["target"]["code"].as_str().unwrap().to_string())
                .collect();
            codes.sort();
            codes
        };
        assert_eq!(codes(&broadcast), vec!["120119100", "120119101"]);
        assert_eq!(codes(&speakers), villages.into_iter().collect::<Vec<_>>());
        assert_eq!(channel(&c, "broadcast")["delivered"], 2);
        assert_eq!(channel(&c, "sms"), Value::Null, "no SMS gateway configured");
        assert_eq!(c["overall"]["people_reached"], yuyang + picked);
    }
}
