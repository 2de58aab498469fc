//! PostgreSQL: the same queries, for a whole city and several nodes.

use crate::db::{Backend, Db};
use crate::{Result, Store, StoreError};
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use std::time::Duration;

pub struct PostgresStore {
    db: Db,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self> {
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self {
            db: Db {
                backend: Backend::Postgres,
                reader: pool.clone(),
                writer: pool,
            },
        })
    }
}

impl Store for PostgresStore {
    fn db(&self) -> &Db {
        &self.db
    }
}
