//! The Python SensorThings client `frost-sta-client` (PyPI), unmodified, against the server.
//! Needs a Python with the package: `YINGJI_TEST_PYTHON=/path/to/python` (CI sets it, and
//! then a Python without the package fails the test); without the variable, `python3` is
//! tried and the test is skipped with a note when it cannot import the package.

mod common;

use std::process::Command;
use yingji_server::testing::PASSWORD;

#[tokio::test]
async fn frost_sta_client_creates_feeds_and_reads_back() {
    let asked = std::env::var("YINGJI_TEST_PYTHON").ok();
    let python = asked.clone().unwrap_or_else(|| "python3".into());
    let importable = Command::new(&python)
        .args(["-c", "import frost_sta_client"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        importable || asked.is_none(),
        "YINGJI_TEST_PYTHON={python} cannot import frost_sta_client (scripts/services.sh installs it)"
    );
    if !importable {
        eprintln!("note: {python} cannot import frost_sta_client; skipping (pip install frost-sta-client)");
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/frost_round_trip.py"
    );
    for h in common::harnesses().await {
        let base = format!("{}/sta/v1.1", h.server.base);
        let python = python.clone();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(python)
                .args([script, &base, "feeder", PASSWORD])
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(
            output.status.success(),
            "{}: {}\n{}",
            h.server.backend,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
