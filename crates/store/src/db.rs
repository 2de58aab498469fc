//! The two connection pools and the few dialect switches the shared SQL needs.

use crate::Result;
use sqlx::AnyPool;
use sqlx::{Any, Row, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pools of one database. SQLite gets a writer pool of exactly one connection: writes
/// queue in the pool instead of failing with "database is locked", while readers use
/// their own connections against WAL snapshots. PostgreSQL uses one pool for both.
#[derive(Debug, Clone)]
pub struct Db {
    pub backend: Backend,
    pub reader: AnyPool,
    pub writer: AnyPool,
}

impl Db {
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(self.writer.begin().await?)
    }

    /// Row lock for read-modify-write inside a transaction. SQLite needs none: its single
    /// writer connection already serializes every write transaction.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// The `n`th bind parameter of a statement, numbered 1, 2, 3… left to right in the text:
    /// `$n` on PostgreSQL, a plain `?` on SQLite (which binds `?` in text order). SQLite
    /// treats `$n` as a *name*: parsing a statement searches the names seen so far for each
    /// one, and sqlx looks each name up again to bind it, both linear searches, so a
    /// multi-row statement with thousands of `$n` costs time quadratic in its parameters.
    pub fn placeholder(&self, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        }
    }

    /// `(…),(…)`: the VALUES list of a multi-row INSERT of `rows` rows of `columns`
    /// parameters, in this backend's placeholders (see [`Db::placeholder`]).
    pub fn placeholder_rows(&self, columns: usize, rows: usize) -> String {
        match self.backend {
            Backend::Sqlite => {
                let row = format!("({})", vec!["?"; columns].join(","));
                vec![row; rows].join(",")
            }
            Backend::Postgres => crate::audit::placeholder_rows(columns, rows),
        }
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
