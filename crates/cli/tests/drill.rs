//! `yingji drill check`: shipped scenarios pass; a malformed file is refused with its line
//! and the reason.

use std::process::Command;

fn yingji() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yingji"))
}

#[test]
fn a_malformed_scenario_is_refused_with_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/scenarios/july-rainstorm.toml"
    ))
    .unwrap()
    .replace("lag = \"2h\"", "lag = \"2 hours\"");
    let line = text.lines().position(|l| l.contains("2 hours")).unwrap() + 1;
    std::fs::write(&file, text).unwrap();
    let out = yingji()
        .args(["drill", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("bad.toml:{line}:")) && stderr.contains("unknown unit"),
        "{stderr}"
    );

    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/scenarios/gas-leak.toml"
    );
    let out = yingji().args(["drill", "check", good]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}
