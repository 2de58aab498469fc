//! `yingji`: the one binary. Serves the platform, runs the demo, migrates, imports,
//! manages accounts and checks the audit chain.

mod app;
mod cap;
mod config;
mod drill;
mod fwi;
mod route;
mod users;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use config::{ServerArgs, ServerConfig};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use yingji_dataset::{read_collection, Format, ImportError};
use yingji_domain::{Principal, RecordKind};
use yingji_server::bootstrap::{self, DatasetSource};

/// mimalloc instead of glibc's malloc: under a surge of reports the server's threads spent
/// about a fifth of their time in glibc's malloc, free and consolidation of freed chunks
/// (measured with perf; crates/incidents-api/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use yingji_store::Store;

#[derive(Parser)]
#[command(
    name = "yingji",
    version,
    about = "应急 — county emergency command and early-warning platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (creates and migrates the store, loads the county dataset if empty)
    Serve(ServerArgs),
    /// Serve with demo accounts, printing the URL and how to sign in
    Demo(ServerArgs),
    /// Create or upgrade the store's schema, then exit
    Migrate(ServerArgs),
    /// Import a registry file (GeoJSON or CSV) into one collection; a file with any bad row changes nothing
    Import {
        #[command(flatten)]
        server: ServerArgs,
        /// Collection to import into, e.g. shelters, teams, villages
        #[arg(long)]
        collection: String,
        file: PathBuf,
    },
    /// Manage accounts
    #[command(subcommand)]
    User(users::UserCommand),
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// CAP 1.2: validate alert files
    #[command(subcommand)]
    Cap(cap::CapCommand),
    /// Canadian Fire Weather Index from daily noon weather (CSV in, CSV out)
    Fwi(fwi::FwiArgs),
    /// Road routing and planning analyses on the county graph
    #[command(subcommand)]
    Route(route::RouteCommand),
    /// Drills (演练): check scenarios, run a drill on a server, after-action reports
    #[command(subcommand)]
    Drill(drill::DrillCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; name every edited, inserted or deleted entry
    Verify(ServerArgs),
}

fn main() -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(Cli::parse())) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("YINGJI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let json = std::env::var("YINGJI_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args.resolve()?, false).await,
        Command::Demo(mut args) => {
            args.data_dir = args
                .data_dir
                .or_else(|| Some(PathBuf::from("yingji-demo-data")));
            serve(args.resolve()?, true).await
        }
        Command::Migrate(args) => {
            let config = args.resolve()?;
            open(&config).await?;
            println!("store migrated");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            server,
            collection,
            file,
        } => import(&server.resolve()?, &collection, &file).await,
        Command::User(command) => users::run(command).await,
        Command::Cap(command) => cap::run(command),
        Command::Fwi(args) => fwi::run(args),
        Command::Route(command) => route::run(command).await,
        Command::Drill(command) => drill::run(command).await,
        Command::Audit(AuditCommand::Verify(args)) => {
            let store = open(&args.resolve()?).await?;
            let breaks = store.verify_audit().await?;
            if breaks.is_empty() {
                println!("OK: the audit chain is intact");
                return Ok(ExitCode::SUCCESS);
            }
            for b in &breaks {
                println!("BROKEN {b}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Opens and migrates the configured store, loading the county dataset into an empty one.
pub async fn open(config: &ServerConfig) -> anyhow::Result<Arc<dyn Store>> {
    let store = yingji_store::open(config.database.as_deref(), &config.data_dir).await?;
    if bootstrap::ensure_dataset(store.as_ref(), DatasetSource::Embedded).await? {
        println!("loaded the county dataset into the store");
    }
    Ok(store)
}

async fn serve(config: ServerConfig, demo: bool) -> anyhow::Result<ExitCode> {
    let store = open(&config).await?;
    if demo {
        users::ensure_demo_accounts(store.as_ref()).await?;
    }
    let state = yingji_server::state(store, config.options.clone()).await?;
    let (modules, drills) = app::modules(&state).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    println!("yingji 应急 is serving at http://{address}/");
    // The drill engine reaches this server over loopback when it listens on all interfaces.
    let own = match address.ip().is_unspecified() {
        true => std::net::SocketAddr::from(([127, 0, 0, 1], address.port())),
        false => address,
    };
    drills.set_self_url(&format!("http://{own}"));
    if demo {
        users::print_demo_accounts();
        tokio::spawn(drill::play_demo(
            drills,
            format!("http://{address}"),
            config.data_dir.clone(),
        ));
    }
    axum::serve(listener, yingji_server::router(state, modules))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

async fn import(
    config: &ServerConfig,
    collection: &str,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let Some(kind) = RecordKind::from_collection(collection) else {
        let names: Vec<_> = RecordKind::ALL.iter().map(|k| k.collection()).collect();
        bail!(
            "unknown collection {collection:?}; one of {}",
            names.join(", ")
        );
    };
    let Some(format) = Format::from_path(file) else {
        bail!("{}: use a .geojson, .json or .csv file", file.display());
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open(config).await?;
    let registry = bootstrap::registry(store.as_ref()).await?;
    match read_collection(kind, format, &bytes, &registry.context()) {
        Ok(drafts) => {
            let count = store
                .import_records(&Principal::system("import"), drafts, chrono::Utc::now())
                .await?;
            println!("imported {count} {collection}");
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Rows(rows)) => {
            for row in &rows {
                eprintln!("{}: {row}", file.display());
            }
            eprintln!("{} errors; nothing was imported", rows.len());
            Ok(ExitCode::FAILURE)
        }
        Err(ImportError::Malformed(reason)) => {
            bail!("{}: {reason}; nothing was imported", file.display())
        }
    }
}
