//! `yingji drill …`: check a scenario file, run a drill on a server, read a drill's
//! after-action report; and the demo's drill with its progress line.

use crate::config::ServerArgs;
use anyhow::{bail, Context};
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use yingji_drill::Scenario;
use yingji_drill_api::engine::Progress;
use yingji_drill_api::{records, Drills};

/// The demo's replay speed: the rainstorm's first field report (scenario hour 4) arrives
/// after 40 seconds, the whole twelve hours play in two minutes.
pub const DEMO_SPEED: f64 = 360.0;

#[derive(Subcommand)]
pub enum DrillCommand {
    /// Check a scenario file: a malformed one is refused with its line and the reason
    Check { file: PathBuf },
    /// Start a drill on a running server and follow it to its end
    Run {
        /// The server, e.g. http://127.0.0.1:8080
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// A duty officer's or admin's account; the password is read from YINGJI_PASSWORD or
        /// the first line of standard input
        #[arg(long)]
        username: String,
        /// A shipped scenario (july-rainstorm, gas-leak) or a scenario file (.toml)
        scenario: String,
        /// Scenario seconds per real second (60 = one hour per minute)
        #[arg(long, default_value_t = 60.0)]
        speed: f64,
        /// Simulated responders acknowledge warnings, dispatch teams and report arrival
        #[arg(long)]
        autorespond: bool,
    },
    /// Print a drill's after-action evaluation and write it as HTML
    Report {
        #[command(flatten)]
        server: ServerArgs,
        id: String,
        /// Where to write the HTML page [default: <id>.html]
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// List the drills in the store
    List(ServerArgs),
}

pub async fn run(command: DrillCommand) -> anyhow::Result<ExitCode> {
    match command {
        DrillCommand::Check { file } => check(&file),
        DrillCommand::Run {
            url,
            username,
            scenario,
            speed,
            autorespond,
        } => run_remote(&url, &username, &scenario, speed, autorespond).await,
        DrillCommand::Report { server, id, html } => report(&server, &id, html).await,
        DrillCommand::List(server) => {
            let store = crate::open(&server.resolve()?).await?;
            for d in records::list(store.db()).await? {
                println!(
                    "{}  {:<9} ×{:<6} {}  {}",
                    d.id,
                    d.state.tag(),
                    d.speed,
                    yingji_drill_api::report::local_time(&d.started_at),
                    d.title
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    match Scenario::parse(&text) {
        Ok(s) => {
            println!(
                "{}: OK — {} ({}), {}, {} reports, {} evacuations",
                file.display(),
                s.scenario.title,
                s.scenario.id,
                s.duration(),
                s.reports().count(),
                s.evacuations().count()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}:{}:{}: {}", file.display(), e.line, e.column, e.reason);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn scenario_body(scenario: &str) -> anyhow::Result<serde_json::Value> {
    if yingji_drill::builtin(scenario).is_some() {
        return Ok(serde_json::json!({"scenario": scenario}));
    }
    let text = std::fs::read_to_string(scenario)
        .with_context(|| format!("{scenario} is neither a shipped scenario nor a readable file"))?;
    if let Err(e) = Scenario::parse(&text) {
        bail!("{scenario}:{}:{}: {}", e.line, e.column, e.reason);
    }
    Ok(serde_json::json!({"scenario_toml": text}))
}

async fn run_remote(
    url: &str,
    username: &str,
    scenario: &str,
    speed: f64,
    autorespond: bool,
) -> anyhow::Result<ExitCode> {
    let password = match std::env::var("YINGJI_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let mut body = scenario_body(scenario)?;
    body["speed"] = serde_json::json!(speed);
    body["autorespond"] = serde_json::json!(autorespond);
    let base = url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await?
        .error_for_status()
        .context("sign in")?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap_or_default().to_string();
    let response = http
        .post(format!("{base}/api/v1/drills"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let started: serde_json::Value = response.json().await?;
    if !status.is_success() {
        bail!(
            "the server refused the drill: {}",
            started["error"]["message"]
        );
    }
    let id = started["id"].as_str().unwrap_or_default().to_string();
    println!("演练 drill {id} started; report: {base}/api/v1/drills/{id}/report");
    loop {
        let drill: serde_json::Value = http
            .get(format!("{base}/api/v1/drills/{id}"))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if let Ok(progress) = serde_json::from_value::<ProgressView>(drill["progress"].clone()) {
            progress_line(&progress.line());
        }
        if matches!(drill["state"].as_str(), Some("finished" | "stopped")) {
            println!();
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!("yingji drill report {id}   (on the server's store) or open the report URL above");
    Ok(ExitCode::SUCCESS)
}

/// The fields of a progress report the line shows.
#[derive(serde::Deserialize)]
struct ProgressView {
    clock_s: i64,
    duration_s: i64,
    warnings: usize,
    incidents: usize,
    orders: usize,
}

impl ProgressView {
    fn line(&self) -> String {
        let hm = |s: i64| format!("{:02}:{:02}", s / 3600, s % 3600 / 60);
        format!(
            "演练时钟 scenario clock {} / {} · 预警 {} warnings · 事件 {} incidents · 派遣 {} orders",
            hm(self.clock_s),
            hm(self.duration_s),
            self.warnings,
            self.incidents,
            self.orders
        )
    }
}

fn progress_line(line: &str) {
    let mut out = std::io::stdout();
    let _ = write!(out, "\r{line}   ");
    let _ = out.flush();
}

/// `yingji demo`: plays the default scenario with simulated responders and shows its clock.
pub async fn play_demo(drills: Drills, base: String, data_dir: PathBuf) {
    let Some(text) = yingji_drill::builtin("july-rainstorm") else {
        return;
    };
    let demo = yingji_domain::Principal::system("demo");
    let drill = match drills.start(&demo, text, DEMO_SPEED, true).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("the demo drill could not start: {e:?}");
            return;
        }
    };
    println!(
        "演练 playing the drill 「{}」 ×{DEMO_SPEED}: warnings, reports, incidents and dispatch appear on the map",
        drill.title
    );
    println!(
        "  after-action report: {base}/api/v1/drills/{}/report",
        drill.id
    );
    let Some(mut progress) = drills.progress(&drill.id) else {
        return;
    };
    while progress.changed().await.is_ok() {
        let p: Progress = progress.borrow_and_update().clone();
        let view = ProgressView {
            clock_s: p.clock_s,
            duration_s: p.duration_s,
            warnings: p.warnings,
            incidents: p.incidents,
            orders: p.orders,
        };
        progress_line(&view.line());
        if p.state.is_some_and(|s| s.is_over()) {
            println!(
                "\n演练结束 drill over: yingji drill report {} --data-dir {}",
                drill.id,
                data_dir.display()
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn report(server: &ServerArgs, id: &str, html: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let store = crate::open(&server.resolve()?).await?;
    yingji_drill_api::migrate(store.db()).await?;
    let Some(drill) = records::get(store.db(), id).await? else {
        bail!("no drill {id} in this store");
    };
    let text = yingji_drill_api::report::text(&drill)
        .map_err(|e| anyhow::anyhow!("the stored scenario of {id} no longer parses: {e}"))?;
    print!("{text}");
    let page = yingji_drill_api::report::html(&drill)
        .map_err(|e| anyhow::anyhow!("the stored scenario of {id} no longer parses: {e}"))?;
    let path = html.unwrap_or_else(|| PathBuf::from(format!("{id}.html")));
    std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
    println!("\nHTML: {}", path.display());
    Ok(ExitCode::SUCCESS)
}
