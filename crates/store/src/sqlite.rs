//! The embedded default: one SQLite file in WAL mode.

use crate::db::{Backend, Db};
use crate::{Result, Store, StoreError};
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::Executor;
use std::path::Path;
use std::time::Duration;

pub struct SqliteStore {
    db: Db,
    /// Dropping it stops the checkpointer (see [`checkpointer`]).
    _checkpointer: tokio::sync::oneshot::Sender<()>,
}

/// How often the WAL is copied back into the database file. A page that many commits
/// rewrite is copied once per checkpoint, so under a surge of writes a longer interval
/// writes less: every 2 s instead of every 0.5 s wrote 12–15 % fewer bytes to disk in the
/// 5,000 reports/s surge bench, for a WAL of about 150 MB between checkpoints at that rate.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);

/// Applied on every connection. `synchronous=FULL`: a commit is on disk before it is
/// acknowledged, so nothing acknowledged is lost even on power failure. `busy_timeout`
/// covers the rare reader that meets a checkpoint. `cache_size` (32 MiB instead of 2 MiB)
/// keeps the indexes a surge of writes walks in memory instead of re-reading their pages.
/// `wal_autocheckpoint=0`: no commit checkpoints; [`checkpointer`] does it beside the writer.
/// `temp_store=MEMORY`: the statement journal of a multi-row write stays in memory instead
/// of spilling to a temporary file once it passes 64 KiB.
const PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; \
                       PRAGMA busy_timeout=10000; PRAGMA cache_size=-32768; \
                       PRAGMA wal_autocheckpoint=0; PRAGMA temp_store=MEMORY;";

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self> {
        install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = |size: u32| {
            AnyPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(60))
                // A local file does not drop like a network peer; a ping per acquire would
                // only add a round trip to the connection's worker thread.
                .test_before_acquire(false)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(PRAGMAS).await?;
                        Ok(())
                    })
                })
        };
        // The writer connects first so the file exists and is in WAL mode before readers open it.
        let writer = pool(1)
            .connect(&url)
            .await
            .map_err(|e| open_error(path, e))?;
        let reader = pool(8)
            .connect(&url)
            .await
            .map_err(|e| open_error(path, e))?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(checkpointer(reader.clone(), stopped));
        Ok(Self {
            db: Db {
                backend: Backend::Sqlite,
                reader,
                writer,
            },
            _checkpointer: stop,
        })
    }
}

/// Copies committed WAL frames into the database file every [`CHECKPOINT_EVERY`], on a reader
/// connection. SQLite's default does it inside the commit that crosses 1,000 WAL pages, so
/// that commit also pays for copying the pages and for an fsync of the database file, and
/// every write queued behind it waits. A PASSIVE checkpoint runs beside the writer without
/// blocking it; once the whole WAL is copied, the next commit starts the WAL file over.
async fn checkpointer(reader: sqlx::AnyPool, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = every.tick() => {
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&reader).await {
                    tracing::warn!(%error, "WAL checkpoint failed; retrying");
                }
            }
        }
    }
}

fn open_error(path: &Path, error: sqlx::Error) -> StoreError {
    StoreError::Config(format!(
        "cannot open SQLite database {}: {error}",
        path.display()
    ))
}

impl Store for SqliteStore {
    fn db(&self) -> &Db {
        &self.db
    }
}
