//! Surge benchmark: 1,000 simulated field officers filing reports on SQLite (durable: WAL,
//! synchronous=FULL, acknowledged after commit) through the real HTTP stack, with
//! duplicates and dropped connections (see `load.rs`).
//!
//! The server runs in a child process (this binary re-executed with `--serve <max batch>`,
//! see `server.rs`), a fresh database each run; this process only generates load. Three
//! runs, in this order:
//!
//! 1. closed loop, one report per transaction (the writer with batches of 1): the baseline;
//! 2. closed loop, group commit: the saturation throughput;
//! 3. open loop, group commit, at a fixed offered rate (default 5,000 reports/s): latency
//!    at that load and the durable rate achieved.
//!
//! Each prints throughput, latency percentiles, the CPU time the server and the load
//! generator used and the load average, and checks that every key was stored exactly once.
//!
//! Run: `cargo bench -p yingji-incidents-api --bench surge [-- --rate 5000 --seconds 8]`;
//! `-- --open-only --rate N` runs only the open loop (latency at another offered rate).

mod load;
mod machine;
mod server;

use load::{Outcome, Pace, Target};
use machine::{CpuMeter, CpuUse};
use server::ServerProcess;
use std::time::Duration;
use yingji_incidents_api::filing::FilingConfig;

/// The allocator the `yingji` binary uses, so the server process measures what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OFFICERS: usize = 1_000;
/// Reports per officer in the closed-loop baseline (one report per transaction: ~12 s).
const BASELINE_REPORTS_EACH: usize = 10;
/// Reports per officer in the closed-loop group-commit run (a few seconds, like the rest).
const GROUPED_REPORTS_EACH: usize = 40;
const INCIDENTS: usize = 50;

struct Options {
    rate: f64,
    seconds: f64,
    /// Only the open-loop run (for latency at other offered rates, or profiling).
    open_only: bool,
}

fn options(args: &[String]) -> Options {
    let value = |flag: &str, default: f64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{flag} takes a number"))
            })
            .unwrap_or(default)
    };
    Options {
        rate: value("--rate", 5_000.0),
        seconds: value("--seconds", 8.0),
        open_only: args.iter().any(|a| a == "--open-only"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == server::SERVE_FLAG) {
        let max_batch = args
            .get(i + 1)
            .and_then(|b| b.parse().ok())
            .expect("--serve <max batch>");
        server::serve(max_batch);
        return;
    }
    let options = options(&args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("load runtime");
    let grouped = FilingConfig::default().max_batch;
    runtime.block_on(async {
        if !options.open_only {
            closed_loop(grouped).await;
        }
        let interval = Duration::from_secs_f64(OFFICERS as f64 / options.rate);
        let reports_each = (options.seconds / interval.as_secs_f64()).round().max(1.0) as usize;
        let open = measure(grouped, reports_each, Pace::Open { interval }).await;
        print(
            &format!(
                "open loop at {:.0} reports/s offered, group commit (≤{grouped} per transaction)",
                options.rate
            ),
            &open,
        );
    });
}

/// The saturation runs: the baseline (one report per transaction), then group commit.
async fn closed_loop(grouped: usize) {
    let base = measure(1, BASELINE_REPORTS_EACH, Pace::Closed).await;
    let base_rate = print("closed loop, one report per transaction (baseline)", &base);
    let saturated = measure(grouped, GROUPED_REPORTS_EACH, Pace::Closed).await;
    let rate = print(
        &format!("closed loop, group commit (≤{grouped} per transaction)"),
        &saturated,
    );
    println!(
        "ratio: group commit / one report per transaction = {:.1}×",
        rate / base_rate
    );
}

/// One run against a fresh server process.
async fn measure(max_batch: usize, reports_each: usize, pace: Pace) -> (Outcome, CpuUse) {
    let server = ServerProcess::start(max_batch);
    let client = reqwest::Client::new();
    let incidents = load::open_incidents(&client, &server.base, &server.token, INCIDENTS).await;
    let target = Target {
        client,
        phones: (0..OFFICERS).map(|_| reqwest::Client::new()).collect(),
        base: server.base.clone(),
        reports_url: format!("{}/api/v1/reports", server.base)
            .parse()
            .expect("reports URL"),
        token: server.token.clone(),
        incidents,
    };
    load::connect(&target).await;
    let meter = CpuMeter::start(server.pid());
    let outcome = load::run(&target, OFFICERS, reports_each, pace).await;
    let cpu = meter.stop();
    let stored = load::stored_reports(&target).await;
    assert_eq!(
        stored,
        outcome.reports + INCIDENTS,
        "every key stored exactly once"
    );
    (outcome, cpu)
}

fn print(name: &str, (run, cpu): &(Outcome, CpuUse)) -> f64 {
    let ms = |latencies: &[Duration], p: f64| {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        latencies[i].as_secs_f64() * 1e3
    };
    let seconds = run.elapsed.as_secs_f64();
    let rate = run.reports as f64 / seconds;
    let reports = &run.report_latencies;
    let requests = &run.request_latencies;
    println!(
        "surge sqlite, {name}: {} reports ({} requests with retries) by {OFFICERS} officers in {seconds:.2} s = {rate:.0} reports/s durable",
        run.reports, run.requests,
    );
    println!(
        "  report latency (due → durable ack): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; request latency: p50 {:.1} ms, p99 {:.1} ms",
        ms(reports, 0.50),
        ms(reports, 0.99),
        ms(reports, 1.0),
        ms(requests, 0.50),
        ms(requests, 0.99),
    );
    println!(
        "  CPU: server {:.2} s, load generator {:.2} s (2 cores × {seconds:.2} s = {:.2} s available); load average {:.2} → {:.2}",
        cpu.server.as_secs_f64(),
        cpu.load_generator.as_secs_f64(),
        2.0 * seconds,
        cpu.load_average_before,
        cpu.load_average_after,
    );
    rate
}
