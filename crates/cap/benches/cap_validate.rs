//! Read-and-validate throughput over the shared CAP samples (all folders, including the
//! 459 KB IPAWS alert), against a baseline measured in the same run: quick-xml merely
//! tokenizing the same bytes.
//!
//! Run: `cargo bench -p yingji-cap --bench cap_validate`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use yingji_cap::{validate, ReadOptions};

fn shared_cap_dir() -> PathBuf {
    let shared = std::env::var_os("YINGJI_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    shared.join("data/cap")
}

fn sample_files() -> Vec<(String, Vec<u8>)> {
    let root = shared_cap_dir();
    let mut files = Vec::new();
    for folder in [
        "valid",
        "wrapped",
        "invalid/schema",
        "invalid/signature",
        "invalid/not-cap",
    ] {
        let dir = root.join(folder);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let bytes = std::fs::read(&path).expect("sample file");
            files.push((
                format!(
                    "{folder}/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                bytes,
            ));
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no samples under {}", root.display());
    files
}

/// Runs `work` over all `docs` repeatedly for about `budget`; returns (docs/s, MB/s).
fn measure(docs: &[&[u8]], budget: Duration, mut work: impl FnMut(&[u8]) -> usize) -> (f64, f64) {
    let bytes_per_pass: usize = docs.iter().map(|d| d.len()).sum();
    let mut sink = 0usize;
    for doc in docs {
        sink += work(doc); // warm-up
    }
    let start = Instant::now();
    let mut passes = 0u64;
    while start.elapsed() < budget {
        for doc in docs {
            sink += work(doc);
        }
        passes += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(sink);
    let docs_per_s = (passes as f64 * docs.len() as f64) / secs;
    let mb_per_s = (passes as f64 * bytes_per_pass as f64) / secs / 1_000_000.0;
    (docs_per_s, mb_per_s)
}

fn tokenize_only(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return events,
            Ok(_) => events += 1,
        }
    }
}

fn main() {
    // `CAP_BENCH_PROFILE=1` loops the slowest case only, for a profiler.
    if std::env::var_os("CAP_BENCH_PROFILE").is_some() {
        let files = sample_files();
        let docs: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
        let options = ReadOptions::default();
        let (docs_per_s, mb) = measure(&docs, Duration::from_secs(10), |d| {
            validate(d, &options).violations().count()
        });
        println!("profile run: {docs_per_s:.0} docs/s, {mb:.1} MB/s");
        return;
    }
    let files = sample_files();
    let all: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
    let (largest_name, largest) = files.iter().max_by_key(|(_, b)| b.len()).expect("samples");
    let total: usize = all.iter().map(|d| d.len()).sum();
    let budget = Duration::from_secs(3);
    let full = ReadOptions::default();
    let unsigned = ReadOptions {
        verify_signatures: false,
        ..ReadOptions::default()
    };
    let count = |options: &'static ReadOptions| {
        move |doc: &[u8]| validate(doc, options).violations().count() + 1
    };
    let full: &'static ReadOptions = Box::leak(Box::new(full));
    let unsigned: &'static ReadOptions = Box::leak(Box::new(unsigned));

    println!(
        "{} sample documents, {:.1} KB in total; largest {largest_name} ({:.1} KB)",
        all.len(),
        total as f64 / 1e3,
        largest.len() as f64 / 1e3
    );
    println!("{:<52} {:>12} {:>10}", "case", "docs/s", "MB/s");
    let rows: Vec<(&str, (f64, f64))> = vec![
        (
            "baseline: quick-xml tokenize only, all samples",
            measure(&all, budget, tokenize_only),
        ),
        (
            "read + validate + verify signatures, all samples",
            measure(&all, budget, count(full)),
        ),
        (
            "read + validate, signatures not checked, all samples",
            measure(&all, budget, count(unsigned)),
        ),
        (
            "baseline: quick-xml tokenize only, largest file",
            measure(&[largest.as_slice()], budget, tokenize_only),
        ),
        (
            "read + validate, largest file",
            measure(&[largest.as_slice()], budget, count(full)),
        ),
    ];
    for (name, (docs, mb)) in &rows {
        println!("{name:<52} {docs:>12.0} {mb:>10.1}");
    }
    let ratio = |a: usize, b: usize| rows[a].1 .1 / rows[b].1 .1;
    println!("validate/tokenize MB/s ratio: all samples {:.2} (with signatures), {:.2} (without); largest {:.2}", ratio(1, 0), ratio(2, 0), ratio(4, 3));
}
