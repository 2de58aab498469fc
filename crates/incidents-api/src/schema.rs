//! This module's tables. Times are RFC 3339 text, JSON is text, integers BIGINT.

use yingji_store::migrations::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration::portable(
        "incidents_0001",
        r#"
CREATE TABLE inc_incidents (
    id TEXT PRIMARY KEY,
    subtype TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    town_code TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    area TEXT,
    figures TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inc_incidents_by_town ON inc_incidents (town_code);
CREATE TABLE inc_reports (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    town_code TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX inc_reports_by_incident ON inc_reports (incident_id, received_at);
CREATE TABLE inc_idempotency (
    actor TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    response TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (actor, idem_key)
);
CREATE TABLE inc_timeline (
    incident_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
CREATE TABLE inc_orders (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    status TEXT NOT NULL,
    travel_seconds DOUBLE PRECISION,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX inc_orders_by_team ON inc_orders (team_id, status);
CREATE TABLE inc_tasks (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    level TEXT NOT NULL,
    owner TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL
)
"#,
    ),
    Migration::portable(
        "incidents_0002",
        r#"
CREATE TABLE inc_team_positions (
    team_id TEXT PRIMARY KEY,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    reported_by TEXT NOT NULL
);
CREATE UNIQUE INDEX inc_orders_one_active_per_team ON inc_orders (team_id) WHERE status NOT IN ('completed', 'cancelled')
"#,
    ),
    Migration::portable(
        "incidents_0003",
        r#"
ALTER TABLE inc_incidents ADD COLUMN drill TEXT;
ALTER TABLE inc_reports ADD COLUMN drill TEXT;
CREATE INDEX inc_incidents_by_drill ON inc_incidents (drill);
CREATE INDEX inc_reports_by_drill ON inc_reports (drill);
CREATE INDEX inc_reports_by_received ON inc_reports (received_at);
CREATE TABLE inc_photos (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
)
"#,
    ),
];

/// Applies this module's migrations.
pub async fn apply(db: &yingji_store::Db) -> Result<(), yingji_store::StoreError> {
    yingji_store::migrations::apply(db, MIGRATIONS).await
}
