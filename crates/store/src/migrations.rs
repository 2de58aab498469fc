//! Schema migrations, one list per dialect, applied in order at start.
//!
//! Types are chosen so one `Any`-driver code path reads both: integers are 64-bit
//! (`BIGINT`), times are fixed-width RFC 3339 UTC text (sortable), JSON is text.

use crate::db::Db;
use crate::Result;
use sqlx::Row;

pub const SQLITE: &[&str] = &[r#"
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
    public INTEGER NOT NULL,
    synthetic INTEGER NOT NULL,
    geometry TEXT,
    properties TEXT NOT NULL,
    min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_by_town ON records (kind, town_code);
CREATE INDEX records_by_lon ON records (kind, min_lon);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
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
CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
"#];

pub const POSTGRES: &[&str] = &[r#"
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
"#];

/// Applies the migrations not yet recorded, each in its own transaction.
pub async fn run(db: &Db, migrations: &[&str]) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM schema_migrations")
        .fetch_one(&db.writer)
        .await?
        .try_get(0)?;
    for (index, ddl) in migrations.iter().enumerate().skip(applied.max(0) as usize) {
        let mut tx = db.begin_write().await?;
        // Statement by statement: the migrations hold no `;` inside literals.
        for statement in ddl.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(index as i64 + 1)
            .bind(yingji_domain::time::rfc3339(chrono::Utc::now()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = index + 1, "applied migration");
    }
    Ok(())
}
