//! The module's tables. Drafts and their lifecycle, every published message exactly as
//! published, delivery receipts, and what neighbours sent us.

use sqlx::any::AnyRow;
use sqlx::Row;
use yingji_store::migrations::Migration;

const TABLES: &str = "
CREATE TABLE cap_warnings (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    replaces_id TEXT,
    town_code TEXT,
    state TEXT NOT NULL,
    draft TEXT NOT NULL,
    author TEXT NOT NULL,
    approver TEXT,
    approved_at TEXT,
    message_identifier TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cap_warnings_thread ON cap_warnings (thread_id);
CREATE TABLE cap_messages (
    identifier TEXT PRIMARY KEY,
    warning_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    sent TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    headline TEXT,
    expires_utc TEXT,
    xml TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX cap_messages_thread ON cap_messages (thread_id);
CREATE TABLE cap_deliveries (
    id TEXT PRIMARY KEY,
    warning_id TEXT NOT NULL,
    message_identifier TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    town_code TEXT,
    people BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    receipt TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX cap_deliveries_warning ON cap_deliveries (warning_id);
CREATE TABLE cap_neighbour_alerts (
    sender TEXT NOT NULL,
    identifier TEXT NOT NULL,
    sent TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    state TEXT NOT NULL,
    source_url TEXT NOT NULL,
    headline TEXT,
    alert TEXT NOT NULL,
    xml TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (sender, identifier)
);
CREATE TABLE cap_neighbour_rejections (
    id TEXT PRIMARY KEY,
    source_url TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at TEXT NOT NULL
);
";

pub const MIGRATIONS: [Migration; 1] = [Migration {
    name: "cap_api_0001",
    sqlite: TABLES,
    postgres: TABLES,
}];

/// One row of `cap_warnings`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningRow {
    pub id: String,
    pub thread_id: String,
    pub replaces_id: Option<String>,
    pub town_code: Option<String>,
    pub state: String,
    pub draft: serde_json::Value,
    pub author: String,
    pub approver: Option<String>,
    pub approved_at: Option<String>,
    pub message_identifier: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub const WARNING_COLUMNS: &str = "id, thread_id, replaces_id, town_code, state, draft, author, \
     approver, approved_at, message_identifier, created_at, updated_at";

impl WarningRow {
    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let draft: String = row.try_get(5)?;
        Ok(WarningRow {
            id: row.try_get(0)?,
            thread_id: row.try_get(1)?,
            replaces_id: row.try_get(2)?,
            town_code: row.try_get(3)?,
            state: row.try_get(4)?,
            draft: serde_json::from_str(&draft).unwrap_or(serde_json::Value::Null),
            author: row.try_get(6)?,
            approver: row.try_get(7)?,
            approved_at: row.try_get(8)?,
            message_identifier: row.try_get(9)?,
            created_at: row.try_get(10)?,
            updated_at: row.try_get(11)?,
        })
    }
}

/// One published message, as listed (the XML is served at `/cap/alerts/{identifier}.xml`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct MessageRow {
    pub identifier: String,
    pub warning_id: String,
    pub thread_id: String,
    pub sender: String,
    pub sent: String,
    pub msg_type: String,
    pub headline: Option<String>,
    pub expires_utc: Option<String>,
    pub published_by: String,
    pub published_at: String,
}

pub const MESSAGE_COLUMNS: &str = "identifier, warning_id, thread_id, sender, sent, msg_type, \
     headline, expires_utc, published_by, published_at";

impl MessageRow {
    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(MessageRow {
            identifier: row.try_get(0)?,
            warning_id: row.try_get(1)?,
            thread_id: row.try_get(2)?,
            sender: row.try_get(3)?,
            sent: row.try_get(4)?,
            msg_type: row.try_get(5)?,
            headline: row.try_get(6)?,
            expires_utc: row.try_get(7)?,
            published_by: row.try_get(8)?,
            published_at: row.try_get(9)?,
        })
    }
}

pub fn db_error(e: sqlx::Error) -> yingji_server::error::ApiError {
    yingji_server::error::ApiError::from(yingji_store::StoreError::from(e))
}

/// For background tasks that report sqlx errors: a store error as one.
pub fn store_to_sqlx(e: yingji_store::StoreError) -> sqlx::Error {
    match e {
        yingji_store::StoreError::Database(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}
