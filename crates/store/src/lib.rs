//! yingji-store: durable storage behind one trait, on SQLite (embedded default) or PostgreSQL.
//!
//! [`Store`] holds every query the platform needs. Its SQL is written once, in default
//! methods over [`Db`], on sqlx's `Any` driver with `$n` placeholders that both databases
//! understand; [`SqliteStore`] and [`PostgresStore`] supply what differs: how to open and
//! tune the database, the DDL of each migration, and row locking.
//!
//! Architecture invariant: the store knows records, users, sessions and the audit chain,
//! but no HTTP and no rules about who may do what (the server checks access first; the
//! store only filters listings by the [`yingji_domain::ReadScope`] it is given).

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod audit;
mod db;
mod error;
pub mod migrations;
mod postgres;
mod records;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod users;

pub use audit::{AuditBreak, AuditEntry};
pub use db::{Backend, Db};
pub use error::StoreError;
pub use postgres::PostgresStore;
pub use records::RecordFilter;
pub use sqlite::SqliteStore;
/// The database driver's error type, for callers that classify failures.
pub use sqlx as sqlx_error;
pub use users::{NewUser, Session, User};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;
use yingji_domain::{Principal, Record, RecordDraft, RecordKind};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Opens the store a `--database` URL names: `postgres://…` for PostgreSQL; `sqlite://PATH`
/// or nothing for the embedded SQLite file `yingji.db` in `data_dir`. Migrates before
/// returning.
pub async fn open(database: Option<&str>, data_dir: &Path) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PostgresStore::connect(url).await?)
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            Arc::new(SqliteStore::open(Path::new(path)).await?)
        }
        Some(other) => {
            return Err(StoreError::Config(format!(
                "unsupported database URL {other:?}: use postgres://… or sqlite://PATH"
            )))
        }
        None => {
            std::fs::create_dir_all(data_dir).map_err(|e| {
                StoreError::Config(format!(
                    "cannot create data directory {}: {e}",
                    data_dir.display()
                ))
            })?;
            Arc::new(SqliteStore::open(&data_dir.join("yingji.db")).await?)
        }
    };
    store.migrate().await?;
    Ok(store)
}

/// Every query the platform needs. Implementations provide the database and its dialect;
/// the queries themselves are shared default methods.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn db(&self) -> &Db;

    /// Applies the platform's core migrations (capability crates apply their own).
    async fn migrate(&self) -> Result<()> {
        migrations::apply(self.db(), &[migrations::CORE]).await
    }

    /// Cheap round trip used by `/readyz`.
    async fn ping(&self) -> Result<()> {
        self.db().ping().await
    }

    // ---- registry records ----

    async fn get_record(&self, kind: RecordKind, id: &str) -> Result<Record> {
        records::get(self.db(), kind, id).await
    }

    async fn list_records(&self, filter: &RecordFilter) -> Result<Vec<Record>> {
        records::list(self.db(), filter).await
    }

    async fn count_records(&self, kind: RecordKind) -> Result<i64> {
        records::count(self.db(), kind).await
    }

    /// Creates a record; `duplicate_id` conflict if one with that ID exists.
    async fn create_record(
        &self,
        actor: &Principal,
        draft: RecordDraft,
        at: DateTime<Utc>,
    ) -> Result<Record> {
        records::create(self.db(), actor, draft, at).await
    }

    /// Replaces a record; with `expected_version`, refuses if someone changed it meanwhile.
    async fn update_record(
        &self,
        actor: &Principal,
        draft: RecordDraft,
        expected_version: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Record> {
        records::update(self.db(), actor, draft, expected_version, at).await
    }

    async fn delete_record(
        &self,
        actor: &Principal,
        kind: RecordKind,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        records::delete(self.db(), actor, kind, id, at).await
    }

    /// Writes many records in one transaction: all of them or none. Existing records with
    /// the same kind and ID are replaced. Returns how many were written.
    async fn import_records(
        &self,
        actor: &Principal,
        drafts: Vec<RecordDraft>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        records::import(self.db(), actor, drafts, at).await
    }

    // ---- users and sessions ----

    async fn create_user(
        &self,
        actor: &Principal,
        user: NewUser,
        at: DateTime<Utc>,
    ) -> Result<User> {
        users::create(self.db(), actor, user, at).await
    }

    async fn find_user(&self, username: &str) -> Result<Option<(User, String)>> {
        users::find_with_hash(self.db(), username).await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        users::list(self.db()).await
    }

    async fn create_session(&self, session: &Session) -> Result<()> {
        users::create_session(self.db(), session).await
    }

    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        users::session_user(self.db(), token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        users::delete_session(self.db(), token_hash).await
    }

    // ---- audit ----

    async fn audit_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        audit::list(self.db(), after_seq, limit).await
    }

    /// Walks the whole hash chain; returns every break found (empty = intact).
    async fn verify_audit(&self) -> Result<Vec<AuditBreak>> {
        audit::verify(self.db()).await
    }

    // ---- small settings ----

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        self.db().get_meta(key).await
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.db().set_meta(key, value).await
    }
}
