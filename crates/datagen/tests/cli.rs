//! The command line: bad arguments get a clear message and exit code 2.

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_yingji-datagen"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn missing_output_directory_is_reported() {
    let (code, stderr) = run(&["--shared", "../shared"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--out is required"), "{stderr}");
}

#[test]
fn a_non_numeric_seed_is_reported() {
    let (code, stderr) = run(&["--shared", "x", "--out", "y", "--seed", "abc"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--seed: 'abc' is not an unsigned integer"),
        "{stderr}"
    );
}

#[test]
fn a_missing_shared_folder_fails_naming_the_file() {
    let out = tempfile::tempdir().unwrap();
    let missing = out.path().join("no-such-shared");
    let (code, stderr) = run(&[
        "--shared",
        missing.to_str().unwrap(),
        "--out",
        out.path().join("data").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("jizhou_district_boundary.geojson"),
        "{stderr}"
    );
}
