//! Locating the shared reference data (`<workspace>/../shared/data/cap`, or
//! `$YINGJI_SHARED_DIR/data/cap`). Missing data fails the test loudly.
#![allow(dead_code)]

use std::path::PathBuf;

pub fn cap_data_dir() -> PathBuf {
    let shared = match std::env::var_os("YINGJI_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
    };
    let dir = shared.join("data").join("cap");
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "CAP reference data not found at {} (set YINGJI_SHARED_DIR)",
        dir.display()
    );
    dir
}

/// Files directly inside `<cap data>/<folder>`, sorted; fails if the folder is empty.
pub fn files_in(folder: &str) -> Vec<PathBuf> {
    let dir = cap_data_dir().join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", dir.display());
    files
}

/// `(relative file, number of CAP alerts inside)` from MANIFEST.tsv.
pub fn manifest_alert_counts() -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(cap_data_dir().join("MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols[0].to_string(), cols[3].parse().unwrap())
        })
        .collect()
}
