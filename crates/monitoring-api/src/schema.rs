//! This capability's tables. Observations get their own narrow table (the hot path); the
//! few SensorThings entities are stored as JSON and cached in memory.

use yingji_store::migrations::Migration;

pub const MIGRATIONS: &[Migration] = &[FIRST, INTEGER_TIMES, DRILL_MARKS];

const FIRST: Migration = Migration {
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
};

/// Observation times become integers (milliseconds since the Unix epoch, UTC): an 8-byte
/// key instead of 24 bytes of text in the row and the index, and no formatting or parsing
/// on the hot path. Existing rows are converted, none dropped. On SQLite the table is
/// rebuilt so that `id` becomes the rowid (`INTEGER PRIMARY KEY`): one B-tree fewer per
/// insert than a `BIGINT` key, which SQLite keeps as a separate unique index.
const INTEGER_TIMES: Migration = Migration {
    name: "monitoring_0002_integer_times",
    sqlite: r#"
ALTER TABLE sta_observations RENAME TO sta_observations_text_times;
DROP INDEX sta_observations_by_datastream;
CREATE TABLE sta_observations (
    id INTEGER PRIMARY KEY,
    datastream_id BIGINT NOT NULL,
    phenomenon_ms BIGINT NOT NULL,
    result REAL NOT NULL,
    result_ms BIGINT,
    foi_id BIGINT
);
INSERT INTO sta_observations (id, datastream_id, phenomenon_ms, result, result_ms, foi_id)
SELECT id, datastream_id,
    CAST(ROUND((julianday(phenomenon_time) - 2440587.5) * 86400000.0) AS INTEGER),
    result,
    CAST(ROUND((julianday(result_time) - 2440587.5) * 86400000.0) AS INTEGER),
    foi_id
FROM sta_observations_text_times;
DROP TABLE sta_observations_text_times;
CREATE INDEX sta_observations_by_datastream ON sta_observations (datastream_id, phenomenon_ms)
"#,
    postgres: r#"
ALTER TABLE sta_observations ALTER COLUMN phenomenon_time TYPE BIGINT
    USING ROUND(EXTRACT(EPOCH FROM phenomenon_time::timestamptz) * 1000)::BIGINT;
ALTER TABLE sta_observations RENAME COLUMN phenomenon_time TO phenomenon_ms;
ALTER TABLE sta_observations ALTER COLUMN result_time TYPE BIGINT
    USING ROUND(EXTRACT(EPOCH FROM result_time::timestamptz) * 1000)::BIGINT;
ALTER TABLE sta_observations RENAME COLUMN result_time TO result_ms
"#,
};

/// Warnings and faults raised by a drill's rule copies carry the drill's id, so listings
/// filter them in the query (`yingji_monitoring::drill`).
const DRILL_MARKS: Migration = Migration {
    name: "monitoring_0003_drill_marks",
    sqlite: r#"
ALTER TABLE mon_warnings ADD COLUMN drill TEXT;
ALTER TABLE mon_faults ADD COLUMN drill TEXT;
CREATE INDEX mon_warnings_by_drill ON mon_warnings (drill)
"#,
    postgres: r#"
ALTER TABLE mon_warnings ADD COLUMN drill TEXT;
ALTER TABLE mon_faults ADD COLUMN drill TEXT;
CREATE INDEX mon_warnings_by_drill ON mon_warnings (drill)
"#,
};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use yingji_store::migrations::apply;
    use yingji_store::sqlx_error as sqlx;
    use yingji_store::sqlx_error::Row;

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis()
    }

    #[tokio::test]
    async fn stored_observations_keep_their_times_through_the_integer_migration() {
        let rows = [
            (
                1_i64,
                "2026-07-30T01:02:03.456Z",
                Some("2026-07-30T01:05:00.000Z"),
            ),
            (2, "1999-12-31T23:59:59.999Z", None),
            (3, "2026-11-28T16:00:00.001Z", None),
        ];
        for backend in yingji_store::testing::backends().await {
            let db = backend.store.db();
            apply(db, &MIGRATIONS[..1]).await.unwrap();
            for (id, time, result_time) in rows {
                sqlx::query("INSERT INTO sta_observations (id, datastream_id, phenomenon_time, result, result_time, foi_id) VALUES ($1, 7, $2, 2.5, $3, NULL)")
                    .bind(id)
                    .bind(time)
                    .bind(result_time)
                    .execute(&db.writer)
                    .await
                    .unwrap();
            }
            apply(db, MIGRATIONS).await.unwrap();
            let stored = sqlx::query("SELECT id, datastream_id, phenomenon_ms, result, result_ms FROM sta_observations ORDER BY id")
                .fetch_all(&db.reader)
                .await
                .unwrap();
            assert_eq!(stored.len(), rows.len(), "{}: no row lost", backend.name);
            for (row, (id, time, result_time)) in stored.iter().zip(rows) {
                assert_eq!(row.get::<i64, _>(0), id);
                assert_eq!(row.get::<i64, _>(1), 7);
                assert_eq!(row.get::<i64, _>(2), ms(time), "{}: {time}", backend.name);
                assert_eq!(row.get::<f64, _>(3), 2.5);
                assert_eq!(row.get::<Option<i64>, _>(4), result_time.map(ms));
            }
            // The index by datastream and time exists under its old name (dropping it proves it).
            sqlx::query("DROP INDEX sta_observations_by_datastream")
                .execute(&db.writer)
                .await
                .unwrap();
        }
    }
}
