//! This capability's tables. Observations get their own narrow table (the hot path); the
//! few SensorThings entities are stored as JSON and cached in memory.

use yingji_store::migrations::Migration;

pub const MIGRATIONS: &[Migration] = &[Migration {
    name: "monitoring_0001",
    sqlite: r#"
CREATE TABLE sta_entities (kind TEXT NOT NULL, id BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE sta_observations (
    id BIGINT PRIMARY KEY,
    datastream_id BIGINT NOT NULL,
    phenomenon_time TEXT NOT NULL,
    result REAL NOT NULL,
    result_time TEXT,
    foi_id BIGINT
);
CREATE INDEX sta_observations_by_datastream ON sta_observations (datastream_id, phenomenon_time);
CREATE TABLE mon_rules (id TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY (id, version));
CREATE TABLE mon_snapshot (id BIGINT PRIMARY KEY, body TEXT NOT NULL, saved_at TEXT NOT NULL);
CREATE TABLE mon_warnings (
    id BIGINT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    town_code TEXT,
    public BIGINT NOT NULL,
    state TEXT NOT NULL,
    level TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX mon_warnings_by_state ON mon_warnings (state);
CREATE TABLE mon_warning_steps (warning_id BIGINT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (warning_id, seq));
CREATE TABLE mon_faults (rule_id TEXT NOT NULL, subject TEXT NOT NULL, fault TEXT NOT NULL, town_code TEXT, raised_at TEXT NOT NULL, cleared_at TEXT, value DOUBLE PRECISION)
"#,
    postgres: r#"
CREATE TABLE sta_entities (kind TEXT NOT NULL, id BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE sta_observations (
    id BIGINT PRIMARY KEY,
    datastream_id BIGINT NOT NULL,
    phenomenon_time TEXT NOT NULL,
    result DOUBLE PRECISION NOT NULL,
    result_time TEXT,
    foi_id BIGINT
);
CREATE INDEX sta_observations_by_datastream ON sta_observations (datastream_id, phenomenon_time);
CREATE TABLE mon_rules (id TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY (id, version));
CREATE TABLE mon_snapshot (id BIGINT PRIMARY KEY, body TEXT NOT NULL, saved_at TEXT NOT NULL);
CREATE TABLE mon_warnings (
    id BIGINT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    town_code TEXT,
    public BIGINT NOT NULL,
    state TEXT NOT NULL,
    level TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX mon_warnings_by_state ON mon_warnings (state);
CREATE TABLE mon_warning_steps (warning_id BIGINT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (warning_id, seq));
CREATE TABLE mon_faults (rule_id TEXT NOT NULL, subject TEXT NOT NULL, fault TEXT NOT NULL, town_code TEXT, raised_at TEXT NOT NULL, cleared_at TEXT, value DOUBLE PRECISION)
"#,
}];
