//! Schema migrations, one list per dialect, applied in order at start.
//!
//! Types are chosen so one `Any`-driver code path reads both: integers are 64-bit
//! (`BIGINT`), times are fixed-width RFC 3339 UTC text (sortable), JSON is text.

use crate::db::{Backend, Db};
use crate::Result;

/// The platform's own tables: settings, accounts, sessions, registry records, audit log.
/// Written once in types both databases accept (SQLite maps `BIGINT` and
/// `DOUBLE PRECISION` to its integer and real affinities).
pub const CORE: Migration = Migration::portable(
    "core_0001",
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    town_code TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    town_code TEXT,
    public BIGINT NOT NULL,
    synthetic BIGINT NOT NULL,
    geometry TEXT,
    properties TEXT NOT NULL,
    min_lon DOUBLE PRECISION, min_lat DOUBLE PRECISION,
    max_lon DOUBLE PRECISION, max_lat DOUBLE PRECISION,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_by_town ON records (kind, town_code);
CREATE INDEX records_by_lon ON records (kind, min_lon);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
"#,
);

/// One schema change, in both dialects. Capability crates define their own and apply them
/// with [`apply`]; the name is the key under which it is recorded, so order of definition
/// across crates does not matter, only within one list.
pub struct Migration {
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    /// One DDL text for both databases: prefer this, with `BIGINT`, `DOUBLE PRECISION` and
    /// `TEXT` columns, and keep per-dialect text for what truly differs.
    pub const fn portable(name: &'static str, sql: &'static str) -> Self {
        Self {
            name,
            sqlite: sql,
            postgres: sql,
        }
    }
}

/// Applies the migrations not yet recorded, each in its own transaction.
pub async fn apply(db: &Db, migrations: &[Migration]) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    for migration in migrations {
        let mut tx = db.begin_write().await?;
        let done = sqlx::query("SELECT name FROM schema_migrations WHERE name = $1")
            .bind(migration.name)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            continue;
        }
        let ddl = match db.backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        // Statement by statement: migrations hold no `;` inside literals.
        for statement in ddl.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
            .bind(migration.name)
            .bind(yingji_domain::time::rfc3339(chrono::Utc::now()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(migration = migration.name, "applied migration");
    }
    Ok(())
}
