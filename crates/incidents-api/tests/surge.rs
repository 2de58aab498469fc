//! Surge: many field officers at once, each report sent twice concurrently (a retry racing
//! the original) and some requests dropped mid-flight and retried. Every key is stored
//! exactly once and every answer for a key names the same report.

mod common;

use common::{report, servers, YUYANG};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_and_dropped_connections_store_each_report_once() {
    for server in servers().await {
        let info = server.token("info100").await;
        let (_, opened) = report(
            &server,
            &info,
            "open",
            json!({"type": "rainstorm", "location": YUYANG}),
        )
        .await;
        let incident = opened["incident"]["id"].as_str().unwrap().to_string();
        let server = std::sync::Arc::new(server);
        let mut tasks = Vec::new();
        for officer in 0..60 {
            for n in 0..3 {
                let key = format!("o{officer}-{n}");
                let body = json!({"incident_id": incident, "text": key});
                for attempt in 0..2 {
                    let (server, info, key, body) =
                        (server.clone(), info.clone(), key.clone(), body.clone());
                    tasks.push(tokio::spawn(async move {
                        if (officer + attempt) % 7 == 0 {
                            // A dropped connection: the client gives up almost at once…
                            let _ = server
                                .client
                                .post(format!("{}/api/v1/reports", server.base))
                                .bearer_auth(&info)
                                .header("Idempotency-Key", &key)
                                .json(&body)
                                .timeout(Duration::from_millis(1))
                                .send()
                                .await;
                        }
                        // …and retries; a retry always gets an answer.
                        let (status, answer) = report(&server, &info, &key, body).await;
                        assert_eq!(status, 201, "{key}: {answer}");
                        (key, answer["report"]["id"].as_str().unwrap().to_string())
                    }));
                }
            }
        }
        let mut answers: HashMap<String, HashSet<String>> = HashMap::new();
        for task in tasks {
            let (key, id) = task.await.unwrap();
            answers.entry(key).or_default().insert(id);
        }
        assert_eq!(answers.len(), 180);
        assert!(
            answers.values().all(|ids| ids.len() == 1),
            "one report per key: {answers:?}"
        );
        let timeline = server
            .get(
                &format!("/api/v1/incidents/{incident}/timeline"),
                Some(&info),
            )
            .await
            .1;
        let stored = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "report")
            .count();
        assert_eq!(
            stored, 181,
            "{}: the opening report and one per key",
            server.backend
        );
    }
}
