//! The incident timeline: every report, order, status change, plan activation, task and
//! note, with who and when, numbered in the order they were committed.

use crate::incidents::{audit_states, db_error, AuditStates, Incident};
use crate::rows::{insert_all, ROWS_PER_STATEMENT};
use crate::IncidentsState;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use yingji_domain::incident::TimelineKind;
use yingji_domain::{Principal, TownCode};
use yingji_server::error::ApiResult;
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
    tx: &mut Transaction<'_, Any>,
    incident_id: &str,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM inc_timeline WHERE incident_id = $1")
        .bind(incident_id)
        .fetch_one(&mut **tx)
        .await?;
    row.try_get::<i64, _>(0)
}

/// The last sequence number of each of these incidents' timelines, in one statement per few
/// hundred incidents; an incident with no entry yet is absent. Read after the incidents'
/// rows are locked (PostgreSQL), so no other writer appends meanwhile.
pub async fn last_seqs(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    incident_ids: &[&str],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut found = HashMap::with_capacity(incident_ids.len());
    for chunk in Db::padded_chunks(incident_ids, ROWS_PER_STATEMENT) {
        // One MAX per incident in a subquery: each is answered from the end of the
        // (incident_id, seq) key, where a GROUP BY over the IN list reads every entry of
        // every incident, which grows with the incident's whole history.
        let sql = format!(
            "SELECT i.id, (SELECT MAX(t.seq) FROM inc_timeline t WHERE t.incident_id = i.id) \
             FROM inc_incidents i WHERE i.id IN {}",
            db.placeholder_rows(chunk.len(), 1)
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            if let Some(last) = row.try_get::<Option<i64>, _>(1)? {
                found.insert(row.try_get(0)?, last);
            }
        }
    }
    Ok(found)
}

/// Inserts entries whose sequence numbers the caller assigned, a few hundred per statement.
pub async fn insert_many(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    entries: &[TimelineEntry],
) -> Result<(), sqlx::Error> {
    insert_all(
        db,
        tx,
        "inc_timeline (incident_id, seq, at, kind, actor, summary, data)",
        7,
        entries,
        |query, entry| {
            query
                .bind(&entry.incident_id)
                .bind(entry.seq)
                .bind(&entry.at)
                .bind(&entry.kind)
                .bind(&entry.actor)
                .bind(&entry.summary)
                .bind(entry.data.to_string())
        },
    )
    .await
}

/// One step taken on an incident: its line on the timeline and the audited change it made.
pub struct Step<'a> {
    pub kind: TimelineKind,
    pub summary: String,
    pub data: Value,
    /// The audit action (`entity.verb`, e.g. `order.status`) and the entity it changed.
    pub action: &'a str,
    pub entity_id: &'a str,
    pub audited: Audited,
}

/// What a step's audit entry holds as the entity's states.
pub enum Audited {
    /// The entity before and after the step.
    States(AuditStates),
    /// The timeline entry itself is what the step adds (a note): it is the "after".
    TheEntry,
}

/// Records a step on an incident, the way every status step does it: the timeline entry
/// and the audit entry in the caller's transaction, then the commit, then — only once it
/// is durable — the live events: `event` first (e.g. the changed order or incident), then
/// the timeline entry, to the incident's town and the district.
pub async fn record_step(
    state: &IncidentsState,
    mut tx: Transaction<'static, Any>,
    principal: &Principal,
    incident: &Incident,
    step: Step<'_>,
    event: Option<(&'static str, Value)>,
    now: DateTime<Utc>,
) -> ApiResult<TimelineEntry> {
    let db = state.app.store.db();
    // The caller holds the incident row (locked on PostgreSQL), so the number is free.
    let seq = last_seq(&mut tx, &incident.id).await.map_err(db_error)? + 1;
    let entry = TimelineEntry::new(
        &incident.id,
        seq,
        step.kind,
        principal,
        step.summary,
        step.data,
        now,
    );
    insert_many(db, &mut tx, std::slice::from_ref(&entry))
        .await
        .map_err(db_error)?;
    let states = match step.audited {
        Audited::States(states) => states,
        Audited::TheEntry => AuditStates::of(None, Some(&entry)),
    };
    audit_states(
        db,
        &mut tx,
        principal,
        step.action,
        step.entity_id,
        states,
        now,
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    if let Some((kind, payload)) = event {
        state
            .app
            .events
            .publish(kind, Some(incident.town_code.clone()), false, payload);
    }
    publish(
        &state.app.events,
        &incident.town_code,
        std::slice::from_ref(&entry),
    );
    Ok(entry)
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
