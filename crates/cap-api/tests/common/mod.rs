//! Shared test support: servers with this module, draft bodies, CAP checks (library and
//! xmllint against the official XSD).
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use yingji_cap_api::CapConfig;
use yingji_server::testing::{servers_with, TestServer};
use yingji_server::ServerOptions;

pub fn shared_dir() -> PathBuf {
    std::env::var_os("YINGJI_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Test tunables: fast retries, no background polling.
pub fn fast_config() -> CapConfig {
    CapConfig {
        max_attempts: 4,
        first_backoff: std::time::Duration::from_millis(20),
        request_timeout: std::time::Duration::from_secs(5),
        neighbour_poll_every: None,
        extra_channels: Vec::new(),
    }
}

/// One server per backend with this module mounted over `options` and `config`.
pub async fn servers(
    options: impl Fn(&mut ServerOptions) + Clone,
    config: impl Fn() -> CapConfig + Clone,
) -> Vec<TestServer> {
    servers_with(move |state| {
        let (options, config) = (options.clone(), config.clone());
        async move {
            let mut state = state.clone();
            let mut o = (*state.options).clone();
            options(&mut o);
            state.options = Arc::new(o);
            vec![yingji_cap_api::mount_with(&state, config()).await.unwrap()]
        }
    })
    .await
}

pub fn draft_body(level: &str, areas: Value) -> Value {
    let now = chrono::Utc::now();
    json!({
        "category": "Met",
        "level": level,
        "urgency": "Expected",
        "certainty": "Likely",
        "response_types": ["Prepare"],
        "zh": {
            "event": "暴雨",
            "headline": "蓟州区气象台发布暴雨橙色预警",
            "description": "预计未来6小时内降雨量将达100毫米以上。",
            "instruction": "请远离河道、山洪沟，做好防范。"
        },
        "en": {
            "event": "Rainstorm",
            "headline": "Orange rainstorm warning",
            "description": "More than 100 mm of rain expected within 6 hours.",
            "instruction": "Stay away from rivers and gullies."
        },
        "effective": now.to_rfc3339(),
        "expires": (now + chrono::Duration::hours(6)).to_rfc3339(),
        "areas": areas,
    })
}

/// Asserts that the XML is valid CAP 1.2 by the library and by xmllint against the XSD.
/// Fails (does not skip) when xmllint is missing: the CI installs it.
pub fn assert_valid_cap(xml: &str) {
    let report = yingji_cap::validate(xml.as_bytes(), &yingji_cap::ReadOptions::default());
    assert!(report.is_valid(), "library validation: {report}\n{xml}");
    let xsd = shared_dir().join("data/cap/schema/CAP-v1.2.xsd");
    assert!(xsd.exists(), "CAP XSD missing at {}", xsd.display());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, xml).unwrap();
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("xmllint must be installed (apt-get install libxml2-utils)");
    assert!(
        output.status.success(),
        "xmllint rejects the message: {}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub async fn draft_approve_publish(server: &TestServer, body: Value) -> Value {
    let duty = server.token("duty").await;
    let approver = server.token("approver").await;
    let (status, draft) = server
        .send(
            reqwest::Method::POST,
            "/api/v1/public-warnings",
            Some(&duty),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (status, body) = server
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/public-warnings/{id}/approve"),
            Some(&approver),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, published) = server
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/public-warnings/{id}/publish"),
            Some(&approver),
            None,
        )
        .await;
    assert_eq!(status, 200, "{published}");
    published
}

/// Village populations from the county dataset the servers load.
pub fn villages() -> Vec<(String, String, u64)> {
    let text =
        std::fs::read_to_string(workspace_root().join("data/jizhou/villages.geojson")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["code"].as_str().unwrap().to_string(),
                p["town_code"].as_str().unwrap().to_string(),
                p["population"].as_u64().unwrap(),
            )
        })
        .collect()
}
