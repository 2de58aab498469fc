#![allow(dead_code)]

use futures_util::StreamExt;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use yingji_monitoring_api::MonitoringState;
use yingji_server::testing::{servers_with, TestServer};

pub struct Harness {
    pub server: TestServer,
    pub monitoring: MonitoringState,
}

/// One server per backend with this capability mounted, and its state for driving the tick.
pub async fn harnesses() -> Vec<Harness> {
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
    servers
        .into_iter()
        .zip(states)
        .map(|(server, monitoring)| Harness { server, monitoring })
        .collect()
}

/// The caller's live events as (kind, data), read in the background.
pub async fn events(server: &TestServer, token: &str) -> mpsc::UnboundedReceiver<(String, Value)> {
    let response = server
        .client
        .get(format!("{}/api/v1/events", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let mut kind = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(k) = line.strip_prefix("event:") {
                        kind = k.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim());
                    }
                }
                let value = serde_json::from_str(&data).unwrap_or(Value::Null);
                if tx.send((kind, value)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// Waits for the first event of `kind` whose data satisfies `keep`.
pub async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<(String, Value)>,
    kind: &str,
    within: Duration,
    keep: impl Fn(&Value) -> bool,
) -> Option<Value> {
    tokio::time::timeout(within, async {
        while let Some((k, v)) = rx.recv().await {
            if k == kind && keep(&v["data"]) {
                return Some(v["data"].clone());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

/// Polls until `check` gives a value (the engine works after the commit is acknowledged).
pub async fn eventually<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..100 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached within 5 s");
}
