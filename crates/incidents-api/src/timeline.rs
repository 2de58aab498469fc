//! The incident timeline: every report, order, status change, plan activation, task and
//! note, with who and when, numbered in the order they were committed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use yingji_domain::incident::TimelineKind;
use yingji_domain::{Principal, TownCode};
use yingji_store::sqlx_error::{self as sqlx, Any, Row, Transaction};
use yingji_store::Db;

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub incident_id: String,
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub summary: String,
    pub data: Value,
}

pub fn kind_tag(kind: TimelineKind) -> &'static str {
    match kind {
        TimelineKind::Report => "report",
        TimelineKind::Warning => "warning",
        TimelineKind::Order => "order",
        TimelineKind::StatusChange => "status_change",
        TimelineKind::PlanActivated => "plan_activated",
        TimelineKind::Task => "task",
        TimelineKind::Note => "note",
    }
}

impl TimelineEntry {
    pub fn new(
        incident_id: &str,
        seq: i64,
        kind: TimelineKind,
        actor: &Principal,
        summary: String,
        data: Value,
        at: DateTime<Utc>,
    ) -> Self {
        TimelineEntry {
            incident_id: incident_id.to_string(),
            seq,
            at: yingji_domain::time::rfc3339(at),
            kind: kind_tag(kind).to_string(),
            actor: actor.username.clone(),
            summary,
            data,
        }
    }
}

/// The last sequence number of an incident's timeline (0 when empty), read inside the
/// caller's transaction.
pub async fn last_seq(
    tx: &mut Transaction<'static, Any>,
    incident_id: &str,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM inc_timeline WHERE incident_id = $1")
        .bind(incident_id)
        .fetch_one(&mut **tx)
        .await?;
    row.try_get::<i64, _>(0)
}

/// Appends an entry inside the caller's transaction. The caller holds the incident row
/// (locked on PostgreSQL), so sequence numbers cannot collide.
pub async fn append(
    tx: &mut Transaction<'static, Any>,
    incident_id: &str,
    kind: TimelineKind,
    actor: &Principal,
    summary: String,
    data: Value,
    at: DateTime<Utc>,
) -> Result<TimelineEntry, sqlx::Error> {
    let seq = last_seq(tx, incident_id).await? + 1;
    let entry = TimelineEntry::new(incident_id, seq, kind, actor, summary, data, at);
    insert_many(tx, std::slice::from_ref(&entry)).await?;
    Ok(entry)
}

/// Inserts entries whose sequence numbers the caller assigned, a few hundred per statement.
pub async fn insert_many(
    tx: &mut Transaction<'static, Any>,
    entries: &[TimelineEntry],
) -> Result<(), sqlx::Error> {
    for chunk in entries.chunks(crate::rows::ROWS_PER_STATEMENT) {
        let sql = crate::rows::insert_sql(
            "inc_timeline (incident_id, seq, at, kind, actor, summary, data)",
            7,
            chunk.len(),
        );
        let mut query = sqlx::query(&sql);
        for entry in chunk {
            query = query
                .bind(&entry.incident_id)
                .bind(entry.seq)
                .bind(&entry.at)
                .bind(&entry.kind)
                .bind(&entry.actor)
                .bind(&entry.summary)
                .bind(entry.data.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn list(db: &Db, incident_id: &str) -> Result<Vec<TimelineEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT incident_id, seq, at, kind, actor, summary, data FROM inc_timeline WHERE incident_id = $1 ORDER BY seq",
    )
    .bind(incident_id)
    .fetch_all(&db.reader)
    .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(6)?;
            Ok(TimelineEntry {
                incident_id: r.try_get(0)?,
                seq: r.try_get(1)?,
                at: r.try_get(2)?,
                kind: r.try_get(3)?,
                actor: r.try_get(4)?,
                summary: r.try_get(5)?,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Pushes committed entries live to the incident's town and the district.
pub fn publish(
    events: &yingji_server::events::EventBus,
    town: &TownCode,
    entries: &[TimelineEntry],
) {
    for entry in entries {
        events.publish(
            "timeline",
            Some(town.clone()),
            false,
            serde_json::to_value(entry).unwrap_or(Value::Null),
        );
    }
}
