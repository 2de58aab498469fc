//! Shared test support: servers with this module, and a report sender with an
//! Idempotency-Key.
#![allow(dead_code)]

use serde_json::Value;
use yingji_server::testing::{servers_with, TestServer};

/// 渔阳镇 (120119100) and 洇溜镇 (120119101) town seats: inside their towns.
pub const YUYANG: [f64; 2] = [117.368263, 40.071546];
pub const YINLIU: [f64; 2] = [117.36497, 39.980501];

pub async fn servers() -> Vec<TestServer> {
    servers_with(|state| async move { vec![yingji_incidents_api::mount(&state).await.unwrap()] })
        .await
}

pub async fn report(server: &TestServer, token: &str, key: &str, body: Value) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/api/v1/reports", server.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
