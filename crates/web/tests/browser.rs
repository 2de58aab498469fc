//! The UI as served by a real yingji server: the routes it owns and those it must leave
//! alone, then the browser scenarios of `web/tests/e2e.mjs` in headless Chromium.
//!
//! Needs `web/dist` (`npm ci && npm run build` in web/), Node and Debian's `chromium`
//! (`apt-get install -y chromium`); a missing one fails the test with what to do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use yingji_server::testing::{servers_with, TestServer, PASSWORD};

fn web_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web")).to_path_buf()
}

async fn server() -> TestServer {
    let mut servers = servers_with(|state| async move {
        vec![
            yingji_web::mount(&state).await.expect("the UI mounts"),
            yingji_cap_api::mount(&state).await.expect("CAP mounts"),
            yingji_routing_api::mount(&state)
                .await
                .expect("routing mounts"),
            yingji_incidents_api::mount(&state)
                .await
                .expect("incidents mount"),
            yingji_monitoring_api::mount(&state)
                .await
                .expect("monitoring mounts"),
            // Mounted for the drills panel's list and report links; no drill is started.
            yingji_drill_api::mount(&state)
                .await
                .expect("drills mount")
                .0,
        ]
    })
    .await;
    // The UI does not touch the store: one backend is enough.
    servers.swap_remove(0)
}

/// Drafts, approves and publishes an orange rainstorm warning for 渔阳镇 (120119100), so
/// the public page has a warning in force to show.
async fn publish_public_warning(server: &TestServer) {
    let now = chrono::Utc::now();
    let draft = serde_json::json!({
        "category": "Met", "level": "orange", "urgency": "Expected", "certainty": "Likely",
        "response_types": ["Prepare"],
        "zh": {"event": "暴雨", "headline": "蓟州区气象台发布暴雨橙色预警",
               "description": "预计未来6小时内降雨量将达100毫米以上。", "instruction": "请远离河道。"},
        "en": {"event": "Rainstorm", "headline": "Orange rainstorm warning",
               "description": "More than 100 mm of rain within 6 hours.", "instruction": "Keep away from rivers."},
        "effective": now.to_rfc3339(),
        "expires": (now + chrono::Duration::hours(6)).to_rfc3339(),
        "areas": [{"towns": ["120119100"]}],
    });
    let duty = server.token("duty").await;
    let approver = server.token("approver").await;
    let post = reqwest::Method::POST;
    let (status, created) = server
        .send(
            post.clone(),
            "/api/v1/public-warnings",
            Some(&duty),
            Some(draft),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    for step in ["approve", "publish"] {
        let path = format!("/api/v1/public-warnings/{id}/{step}");
        let (status, body) = server
            .send(post.clone(), &path, Some(&approver), None)
            .await;
        assert_eq!(status, 200, "{step}: {body}");
    }
}

/// The SensorThings id of a dataset datastream (by its record id).
async fn datastream(server: &TestServer, token: &str, record_id: &str) -> i64 {
    let path = format!("/sta/v1.1/Datastreams?$filter=properties/record_id%20eq%20'{record_id}'");
    let (status, found) = server
        .send(reqwest::Method::GET, &path, Some(token), None)
        .await;
    assert_eq!(status, 200, "{found}");
    found["value"][0]["@iot.id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no datastream {record_id}: {found}"))
}

async fn observe(
    server: &TestServer,
    feeder: &str,
    ds: i64,
    at: chrono::DateTime<chrono::Utc>,
    result: f64,
) {
    let body = serde_json::json!({"phenomenonTime": at.to_rfc3339(), "result": result,
        "Datastream": {"@iot.id": ds}});
    let (status, answer) = server
        .send(
            reqwest::Method::POST,
            "/sta/v1.1/Observations",
            Some(feeder),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
}

/// Real observations through the monitoring module: the river stage of 州河水位站1 over the
/// last 22 hours, rising across its warning stage (8.68 m) in the last one, for the chart;
/// and a 25 mm shower on 下营镇雨量站1, which raises a blue warning. Returns that
/// warning's id, which the browser escalates, acknowledges and lifts.
async fn observe_the_county(server: &TestServer) -> u64 {
    let feeder = server.token("feeder").await;
    let duty = server.token("duty").await;
    let stage = datastream(server, &duty, "thing-stage-001-water_level").await;
    let now = chrono::Utc::now();
    for step in 0..12i32 {
        let at = now - chrono::Duration::hours(22) + chrono::Duration::hours(2 * i64::from(step));
        let metres = 7.6 + 0.1 * f64::from(step) + if step == 11 { 0.05 } else { 0.0 };
        observe(server, &feeder, stage, at, metres).await;
    }
    let rain = datastream(server, &duty, "thing-rain-001-precipitation").await;
    observe(server, &feeder, rain, now, 25.0).await;
    let subject = format!("datastream:{rain}");
    for _ in 0..50 {
        let (_, listed) = server
            .send(reqwest::Method::GET, "/api/v1/warnings", Some(&duty), None)
            .await;
        let found = listed["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|w| w["subject"] == serde_json::json!(subject))
            .and_then(|w| w["id"].as_u64());
        if let Some(id) = found {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("25 mm in an hour on {subject} raised no warning");
}

/// The reports the server holds under a title: the offline scenario must leave exactly one.
async fn reports_titled(server: &TestServer, title: &str) -> usize {
    let duty = server.token("duty").await;
    let (status, incidents) = server
        .send(reqwest::Method::GET, "/api/v1/incidents", Some(&duty), None)
        .await;
    assert_eq!(status, 200, "{incidents}");
    let mut reports = 0;
    for incident in incidents.as_array().unwrap() {
        if incident["title"] != title {
            continue;
        }
        let path = format!(
            "/api/v1/incidents/{}/timeline",
            incident["id"].as_str().unwrap()
        );
        let (_, timeline) = server
            .send(reqwest::Method::GET, &path, Some(&duty), None)
            .await;
        reports += timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["kind"] == "report")
            .count();
    }
    reports
}

/// GET as a browser asks (gzip accepted) or, with `gzip` false, as a client whose body is
/// read as text here.
async fn fetch_as(server: &TestServer, path: &str, gzip: bool) -> reqwest::Response {
    let mut request = server.client.get(format!("{}{path}", server.base));
    if gzip {
        request = request.header("accept-encoding", "gzip");
    }
    request.send().await.unwrap()
}

async fn fetch(server: &TestServer, path: &str) -> reqwest::Response {
    fetch_as(server, path, true).await
}

#[tokio::test]
async fn the_ui_is_served_without_shadowing_the_api_and_passes_the_browser_scenarios() {
    let dist = web_dir().join("dist/index.html");
    assert!(
        dist.exists(),
        "{} is missing: run `npm ci && npm run build` in web/",
        dist.display()
    );
    let server = server().await;

    for page in ["/", "/login", "/app", "/app/incidents/42", "/public"] {
        let response = fetch(&server, page).await;
        assert_eq!(response.status(), 200, "{page}");
        let headers = response.headers().clone();
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(headers["cache-control"], "no-cache", "{page}");
        assert_eq!(
            headers["content-encoding"], "gzip",
            "{page} is not compressed"
        );
    }

    let index = std::fs::read_to_string(&dist).unwrap();
    let script = index
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("index.html names its script");
    let asset = fetch(&server, script).await;
    assert_eq!(asset.status(), 200, "{script}");
    assert!(asset.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(asset.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));

    // The report page's service worker: revalidated on every visit, and naming this build's
    // files, so a new build's worker replaces the old one.
    // Asked without accept-encoding: the body is read as text below.
    let worker = fetch_as(&server, "/sw.js", false).await;
    assert_eq!(worker.status(), 200);
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    assert!(worker.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let worker = worker.text().await.unwrap();
    assert!(
        worker.contains(&format!("\"{script}\"")),
        "sw.js does not keep this build's {script}"
    );

    let missing = fetch(&server, "/assets/not-there.js").await;
    assert_eq!(missing.status(), 404);

    // The API and operations routes keep their own answers.
    let unknown_api = fetch_as(&server, "/api/v1/no-such-route", false).await;
    assert_eq!(unknown_api.status(), 404);
    assert!(unknown_api.text().await.unwrap().contains("not_found"));
    assert_eq!(fetch(&server, "/healthz").await.status(), 200);
    assert_eq!(fetch(&server, "/metrics").await.status(), 200);
    let collections = fetch_as(&server, "/api/v1/collections", false).await;
    assert!(collections.text().await.unwrap().contains("shelters"));

    // A warning and an observation as the monitoring module publishes them, repeated so the
    // browser sees them whenever it subscribes; the scenario checks they arrive live.
    let events = server.state.events.clone();
    let publisher = tokio::spawn(async move {
        loop {
            events.publish(
                "warning",
                None,
                false,
                // The shape of yingji-monitoring-api's warning events.
                serde_json::json!({"id": 9001, "rule": "stage-warning", "subject": "thing-stage-001",
                    "level": "orange", "state": "raised", "town_code": null, "public": false,
                    "history": [{"at": "2026-07-30T02:15:00Z", "level": "orange", "action": "raised"}]}),
            );
            events.publish(
                "observation",
                None,
                false,
                serde_json::json!({"id": 1, "datastream": 7, "result": 42.5,
                    "phenomenonTime": "2026-07-30T02:15:00Z"}),
            );
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    });

    // Bounded, so a stalled CAP module fails this test with a reason instead of hanging it.
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        publish_public_warning(&server),
    )
    .await
    .expect("publishing a CAP warning through yingji-cap-api did not finish within 60 s");

    let warning_id = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        observe_the_county(&server),
    )
    .await
    .expect("posting observations through yingji-monitoring-api did not finish within 60 s");
    // Unique per run, so a reused database cannot make the count pass.
    let offline_title = format!(
        "离线报告 {}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );

    let e2e = web_dir().join("tests/e2e.mjs");
    let base = server.base.clone();
    let title = offline_title.clone();
    // Every wait inside the scenarios is bounded; this bounds the whole run as well, and
    // `kill_on_drop` ends Node (and so Chromium) if it is exceeded. The scenarios print as
    // they go, so a run cut short still shows how far it got.
    let mut child = tokio::process::Command::new("node")
        .arg(e2e)
        .arg(base)
        .env("YINGJI_E2E_PASSWORD", PASSWORD)
        .env("YINGJI_E2E_LIVE", "1")
        .env("YINGJI_E2E_PUBLIC_WARNING", "暴雨橙色预警")
        .env("YINGJI_E2E_WARNING_ID", warning_id.to_string())
        .env("YINGJI_E2E_OFFLINE_TITLE", title)
        .kill_on_drop(true)
        .spawn()
        .expect("node runs: install Node 20 and `npm ci` in web/");
    let status = tokio::time::timeout(std::time::Duration::from_secs(20 * 60), child.wait())
        .await
        .expect("the browser scenarios did not finish within 20 minutes")
        .expect("node ran");
    publisher.abort();
    assert!(
        status.success(),
        "browser scenarios failed (see above); Chromium: apt-get install -y chromium"
    );
    assert_eq!(
        reports_titled(&server, &offline_title).await,
        1,
        "the report queued offline and sent on reconnection is stored exactly once"
    );
}
