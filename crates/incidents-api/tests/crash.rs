//! Crash test: the real binary is killed (SIGKILL) while field officers submit reports;
//! after a restart on the same data directory, every report a client saw acknowledged is
//! stored exactly once, and a retry of it returns the first answer.
//!
//! Needs the binary: `cargo build -p yingji` (or set YINGJI_BIN). Fails loudly without it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const YUYANG: [f64; 2] = [117.368263, 40.071546];

fn binary() -> PathBuf {
    let path = std::env::var_os("YINGJI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/debug/yingji"
            ))
        });
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p yingji` first (or set YINGJI_BIN)",
        path.display()
    );
    path
}

/// Starts `yingji demo` on a free port over `data_dir`; returns the child and its base URL.
fn start(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(binary())
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("http://") {
                let _ = sender.send(line[at..].trim_end_matches('/').to_string());
            }
        }
    });
    let base = receiver
        .recv_timeout(Duration::from_secs(300))
        .expect("the server printed its URL");
    (child, base)
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    let body: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "duty", "password": "yingji-duty"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_string()
}

async fn submit(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Result<(u16, Value), reqwest::Error> {
    let response = client
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

fn report_body(incident: &str, key: &str) -> Value {
    json!({"incident_id": incident, "text": format!("巡查 {key}")})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_report_survives_a_kill_exactly_once() {
    let data_dir = std::env::temp_dir().join(format!("yingji-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let (mut child, base) = start(&data_dir);
    let client = reqwest::Client::new();
    let token = login(&client, &base).await;
    let (status, opened) = submit(
        &client,
        &base,
        &token,
        "open",
        &json!({"type": "flood", "location": YUYANG}),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{opened}");
    let incident = opened["incident"]["id"].as_str().unwrap().to_string();

    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut officers = Vec::new();
    for officer in 0..16 {
        let (client, base, token, incident, acknowledged) = (
            client.clone(),
            base.clone(),
            token.clone(),
            incident.clone(),
            acknowledged.clone(),
        );
        officers.push(tokio::spawn(async move {
            for n in 0.. {
                let key = format!("officer{officer}-{n}");
                match submit(&client, &base, &token, &key, &report_body(&incident, &key)).await {
                    Ok((201, answer)) => acknowledged
                        .lock()
                        .unwrap()
                        .push((key, answer["report"]["id"].as_str().unwrap().to_string())),
                    Ok((status, answer)) => panic!("{key}: {status} {answer}"),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    for officer in officers {
        officer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 20,
        "reports were in flight when it died: {}",
        acknowledged.len()
    );

    let (mut child, base) = start(&data_dir);
    let token = login(&client, &base).await;
    let timeline: Value = client
        .get(format!("{base}/api/v1/incidents/{incident}/timeline"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: Vec<String> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "report")
        .map(|e| e["data"]["report_id"].as_str().unwrap().to_string())
        .collect();
    for (key, report_id) in &acknowledged {
        let copies = stored.iter().filter(|id| *id == report_id).count();
        assert_eq!(
            copies, 1,
            "acknowledged report {report_id} ({key}) is stored {copies} times"
        );
    }
    // A retry after the crash gets the first answer, not a second report.
    for (key, report_id) in acknowledged.iter().take(20) {
        let (status, answer) = submit(&client, &base, &token, key, &report_body(&incident, key))
            .await
            .unwrap();
        assert_eq!(
            (status, answer["report"]["id"].as_str()),
            (201, Some(report_id.as_str()))
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
}
