//! Shared by the routing API tests: one server per backend with this module mounted.
#![allow(dead_code)]

use reqwest::Method;
use serde_json::{json, Value};
use yingji_server::testing::{servers_with, TestServer};

pub async fn servers() -> Vec<TestServer> {
    servers_with(|state| async move { vec![yingji_routing_api::mount(&state).await.unwrap()] })
        .await
}

/// 渔阳镇 (120119100) town seat and 洇溜镇 (120119101) town seat, and a far point in the
/// county's north-east.
pub const YUYANG: &str = "117.368263,40.071546";
pub const YINLIU: &str = "117.36497,39.980501";
pub const NORTH_EAST: &str = "117.6,40.1";

pub fn lon_lat(raw: &str) -> [f64; 2] {
    let mut it = raw.split(',').map(|p| p.parse::<f64>().unwrap());
    [it.next().unwrap(), it.next().unwrap()]
}

pub async fn route(server: &TestServer, token: &str, from: &str, to: &str) -> Value {
    let (status, body) = server
        .get(
            &format!("/api/v1/routing/route?from={from}&to={to}"),
            Some(token),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn close(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server
        .send(
            Method::POST,
            "/api/v1/routing/closures",
            Some(token),
            Some(body),
        )
        .await
}

pub fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()
}

pub fn closed_segment(segment: u64, reason: &str) -> Value {
    json!({"segment": segment, "closed": true, "reason": reason, "expires_at": tomorrow()})
}

pub fn assert_error(status: u16, body: &Value, code: &str, field: &str) {
    assert!(
        (400..500).contains(&status),
        "expected a 4xx, got {status}: {body}"
    );
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["field"], field, "{body}");
}
