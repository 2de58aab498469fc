//! The `yingji` binary as an operator uses it: serve on an empty data directory (SQLite)
//! and on PostgreSQL, add a user, import with row errors, verify the audit chain.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_yingji");

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `yingji serve` on a free port and returns its base URL once it says where it listens.
fn serve(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start yingji");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("serving at ").nth(1) {
            return (running, rest.trim_end_matches('/').to_string());
        }
    }
    panic!("yingji serve exited without listening");
}

async fn ready(base: &str) -> u16 {
    for _ in 0..50 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await {
            return r.status().as_u16();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    0
}

fn yingji(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test]
async fn serve_on_an_empty_data_directory_is_ready() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let (_server, base) = serve(&["--data-dir", data.to_str().unwrap()]);
    assert_eq!(ready(&base).await, 200);
    assert!(
        data.join("yingji.db").exists(),
        "the SQLite file is created in the data directory"
    );
    let villages: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/collections/villages/items"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(villages["features"].as_array().unwrap().len(), 983);
}

#[tokio::test]
async fn serve_on_postgres_is_ready() {
    let Ok(admin) = std::env::var(yingji_store::testing::POSTGRES_ENV) else {
        eprintln!(
            "note: {} not set; PostgreSQL serve test not run",
            yingji_store::testing::POSTGRES_ENV
        );
        return;
    };
    let url = yingji_store::testing::fresh_postgres_url(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    let (_server, base) = serve(&[
        "--database",
        &url,
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(ready(&base).await, 200);
    let body: serde_json::Value = reqwest::get(format!("{base}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["backend"], "Postgres");
}

#[test]
fn users_imports_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, out, err) = yingji(
        &[
            "user",
            "add",
            "li",
            "--role",
            "town_officer",
            "--town",
            "120119100",
            "--data-dir",
            data,
        ],
        "a-long-password\n",
    );
    assert!(ok, "{out}{err}");
    let (ok, _, err) = yingji(
        &[
            "user",
            "add",
            "li",
            "--role",
            "town_officer",
            "--data-dir",
            data,
        ],
        "a-long-password\n",
    );
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = yingji(
        &[
            "user",
            "add",
            "wang",
            "--role",
            "captain",
            "--data-dir",
            data,
        ],
        "a-long-password\n",
    );
    assert!(!ok && err.contains("unknown role"), "{err}");

    let csv = dir.path().join("shelters.csv");
    std::fs::write(
        &csv,
        "id,name,kind,capacity,town_code,lon,lat\nnew-1,新场所,emergency,100,120119100,117.40,40.05\nnew-2,坏,emergency,-1,120119100,117.40,40.05\n",
    )
    .unwrap();
    let (ok, _, err) = yingji(
        &[
            "import",
            "--collection",
            "shelters",
            csv.to_str().unwrap(),
            "--data-dir",
            data,
        ],
        "",
    );
    assert!(!ok, "a file with a bad row fails");
    assert!(
        err.contains("row 2") && err.contains("capacity") && err.contains("nothing was imported"),
        "{err}"
    );
    std::fs::write(&csv, "id,name,kind,capacity,town_code,lon,lat\nnew-1,新场所,emergency,100,120119100,117.40,40.05\n").unwrap();
    let (ok, out, err) = yingji(
        &[
            "import",
            "--collection",
            "shelters",
            csv.to_str().unwrap(),
            "--data-dir",
            data,
        ],
        "",
    );
    assert!(ok && out.contains("imported 1 shelters"), "{out}{err}");

    let (ok, out, _) = yingji(&["audit", "verify", "--data-dir", data], "");
    assert!(ok && out.contains("intact"), "{out}");
}

#[test]
fn route_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // 渔阳镇 seat to 下营镇 in the northern mountains.
    let (ok, out, err) = yingji(
        &[
            "route",
            "path",
            "--from",
            "117.40,40.05",
            "--to",
            "117.45,40.20",
            "--data-dir",
            data,
        ],
        "",
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("min") || out.contains("分钟"),
        "a travel time is printed: {out}"
    );
    let (ok, _, err) = yingji(
        &[
            "route",
            "path",
            "--from",
            "100.0,30.0",
            "--to",
            "117.45,40.20",
            "--data-dir",
            data,
        ],
        "",
    );
    assert!(!ok, "a point far from every road is refused");
    assert!(err.contains("from"), "the error names the field: {err}");
}

fn shared_cap_dir() -> std::path::PathBuf {
    let shared = std::env::var("YINGJI_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
                .to_path_buf()
        });
    let dir = shared.join("data/cap");
    assert!(
        dir.is_dir(),
        "the shared CAP corpus is missing at {}",
        dir.display()
    );
    dir
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn cap_validate_passes_valid_files_and_fails_each_invalid_one() {
    let cap = shared_cap_dir();
    let mut valid = vec!["cap".to_string(), "validate".to_string()];
    valid.extend(files_in(&cap.join("valid")));
    valid.extend(files_in(&cap.join("wrapped")));
    let args: Vec<&str> = valid.iter().map(String::as_str).collect();
    let (ok, out, err) = yingji(&args, "");
    assert!(ok, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains(": OK")).count(),
        args.len() - 2,
        "{out}"
    );
    for folder in ["schema", "signature", "not-cap"] {
        for file in files_in(&cap.join("invalid").join(folder)) {
            let (ok, out, _) = yingji(&["cap", "validate", &file], "");
            assert!(!ok, "{file} must fail: {out}");
            assert!(!out.contains(": OK"), "{out}");
        }
    }
}
