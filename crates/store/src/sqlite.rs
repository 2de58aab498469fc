//! The embedded default: one SQLite file in WAL mode.

use crate::db::{Backend, Db};
use crate::{Result, Store, StoreError};
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::Executor;
use std::path::Path;
use std::time::Duration;

pub struct SqliteStore {
    db: Db,
}

/// Applied on every connection. `synchronous=FULL`: a commit is on disk before it is
/// acknowledged, so nothing acknowledged is lost even on power failure. `busy_timeout`
/// covers the rare reader that meets a checkpoint.
const PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; \
                       PRAGMA busy_timeout=10000;";

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self> {
        install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = |size: u32| {
            AnyPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(60))
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
        Ok(Self {
            db: Db {
                backend: Backend::Sqlite,
                reader,
                writer,
            },
        })
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
