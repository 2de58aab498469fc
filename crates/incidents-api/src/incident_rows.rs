//! Incidents in the database: the row layout and the reads and writes of whole rows, one
//! at a time for the handlers and many per statement for the report writer's batches.

use crate::incidents::{db_error, status_tag, Incident, NewIncident};
use crate::rows::{insert_all, ROWS_PER_STATEMENT};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;
use yingji_domain::incident::{IncidentStatus, IncidentType, Severity};
use yingji_domain::{Principal, TownCode};
use yingji_incidents::plans::severity_tag;
use yingji_incidents::{DrillId, Tally};
use yingji_server::error::{ApiError, ApiResult};
use yingji_store::sqlx_error::{self as sqlx, any::AnyRow, Any, Row, Transaction};
use yingji_store::Db;

pub(crate) const COLUMNS: &str = "id, subtype, severity, status, title, town_code, lon, lat, area, figures, opened_by, occurred_at, opened_at, updated_at, drill";
const COLUMN_COUNT: usize = 15;

/// The category (as its JSON tag) and Chinese name of an incident subtype; empty when the
/// stored subtype is no longer known.
fn type_names(subtype: &str) -> (String, String) {
    let kind = IncidentType::parse("type", subtype).ok();
    let category = kind
        .and_then(|k| serde_json::to_value(k.category).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let name = kind.map(|k| k.name_zh()).unwrap_or_default().to_string();
    (category, name)
}

pub(crate) fn from_row(row: &AnyRow) -> Result<Incident, ApiError> {
    let get = |i: usize| row.try_get::<String, _>(i).map_err(db_error);
    let subtype = get(1)?;
    let (category, type_zh) = type_names(&subtype);
    let severity = Severity::parse("severity", &get(2)?).unwrap_or(Severity::IV);
    let town = TownCode::parse("town_code", &get(5)?).map_err(|_| ApiError::internal())?;
    let area: Option<String> = row.try_get(8).map_err(db_error)?;
    Ok(Incident {
        id: get(0)?,
        category,
        type_zh,
        subtype,
        severity: severity_tag(severity).to_string(),
        severity_zh: severity.name_zh().to_string(),
        response_level_zh: severity.response_level_zh().to_string(),
        status: get(3)?,
        title: get(4)?,
        town_code: town,
        location: [
            row.try_get(6).map_err(db_error)?,
            row.try_get(7).map_err(db_error)?,
        ],
        area: area.and_then(|a| serde_json::from_str(&a).ok()),
        figures: serde_json::from_str(&get(9)?).unwrap_or_default(),
        opened_by: get(10)?,
        occurred_at: get(11)?,
        opened_at: get(12)?,
        updated_at: get(13)?,
        drill: row
            .try_get::<Option<String>, _>(14)
            .map_err(db_error)?
            .and_then(|d| DrillId::parse("drill", &d).ok()),
    })
}

impl Incident {
    /// The incident `new` opens, exactly as `insert_many` stores it and `from_row`
    /// reads it back, so a writer need not read its own insert.
    pub fn opened(id: String, new: &NewIncident, actor: &Principal, now: DateTime<Utc>) -> Self {
        let now_text = yingji_domain::time::rfc3339(now);
        let subtype = new.kind.subtype.to_string();
        let (category, type_zh) = type_names(&subtype);
        Incident {
            id,
            subtype,
            category,
            type_zh,
            severity: severity_tag(new.severity).to_string(),
            severity_zh: new.severity.name_zh().to_string(),
            response_level_zh: new.severity.response_level_zh().to_string(),
            status: status_tag(IncidentStatus::Open).to_string(),
            title: new.title.clone(),
            town_code: new.town.clone(),
            location: [new.at.lon, new.at.lat],
            area: new.area.clone(),
            figures: Tally::default(),
            opened_by: actor.username.clone(),
            occurred_at: yingji_domain::time::rfc3339(new.occurred_at),
            opened_at: now_text.clone(),
            updated_at: now_text,
            drill: new.drill.clone(),
        }
    }
}

/// Reads an incident inside a write transaction, locking its row on PostgreSQL so that
/// figures and timeline numbers are updated by one writer at a time.
pub async fn load_for_update(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    id: &str,
) -> ApiResult<Option<Incident>> {
    Ok(load_many_for_update(db, tx, &[id]).await?.remove(id))
}

/// [`load_for_update`] for many incidents, a few hundred per statement. Rows are locked in
/// id order, so two writers on one PostgreSQL database cannot deadlock on each other's
/// incidents. Unknown ids are simply absent from the answer.
pub async fn load_many_for_update(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    ids: &[&str],
) -> ApiResult<HashMap<String, Incident>> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut found = HashMap::with_capacity(sorted.len());
    for chunk in Db::padded_chunks(&sorted, ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {COLUMNS} FROM inc_incidents WHERE id IN {} ORDER BY id{}",
            db.placeholder_rows(chunk.len(), 1),
            db.for_update()
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut **tx).await.map_err(db_error)? {
            let incident = from_row(&row)?;
            found.insert(incident.id.clone(), incident);
        }
    }
    Ok(found)
}

pub async fn load(db: &Db, id: &str) -> ApiResult<Option<Incident>> {
    let sql = format!("SELECT {COLUMNS} FROM inc_incidents WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.reader)
        .await
        .map_err(db_error)?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts whole incidents, a few hundred per statement, in the caller's transaction.
pub async fn insert_many(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    incidents: &[&Incident],
) -> Result<(), sqlx::Error> {
    let target = format!("inc_incidents ({COLUMNS})");
    // Encoded first: a bind cannot fail, and the figures serialization could.
    let figures: Vec<(&Incident, String)> = incidents
        .iter()
        .map(|incident| Ok((*incident, figures_text(incident)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all(
        db,
        tx,
        &target,
        COLUMN_COUNT,
        &figures,
        |query, (incident, figures)| {
            query
                .bind(&incident.id)
                .bind(&incident.subtype)
                .bind(&incident.severity)
                .bind(&incident.status)
                .bind(&incident.title)
                .bind(incident.town_code.as_str())
                .bind(incident.location[0])
                .bind(incident.location[1])
                .bind(incident.area.as_ref().map(Value::to_string))
                .bind(figures)
                .bind(&incident.opened_by)
                .bind(&incident.occurred_at)
                .bind(&incident.opened_at)
                .bind(&incident.updated_at)
                .bind(incident.drill.as_ref().map(DrillId::as_str))
        },
    )
    .await
}

/// Stores the figures and `updated_at` of many incidents, a few hundred per statement:
/// `SET figures = CASE id WHEN … THEN … END` over the rows named in the WHERE clause.
pub async fn update_figures(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    incidents: &[&Incident],
) -> Result<(), sqlx::Error> {
    // Serialized once per incident: the padding below repeats items, not this work.
    let texts = incidents
        .iter()
        .map(|incident| figures_text(incident))
        .collect::<Result<Vec<String>, _>>()?;
    let rows: Vec<(&Incident, &str)> = incidents
        .iter()
        .zip(&texts)
        .map(|(incident, figures)| (*incident, figures.as_str()))
        .collect();
    for chunk in Db::padded_chunks(&rows, ROWS_PER_STATEMENT) {
        let n = chunk.len();
        let figures: Vec<String> = (0..n).map(|i| when_then(db, 2 * i + 1)).collect();
        let updated: Vec<String> = (0..n).map(|i| when_then(db, 2 * n + 2 * i + 1)).collect();
        let ids: Vec<String> = (0..n).map(|i| db.placeholder(4 * n + i + 1)).collect();
        let sql = format!(
            "UPDATE inc_incidents SET figures = CASE id {} END, updated_at = CASE id {} END WHERE id IN ({})",
            figures.join(" "),
            updated.join(" "),
            ids.join(",")
        );
        let mut query = sqlx::query(&sql);
        for (incident, figures) in &chunk {
            query = query.bind(&incident.id).bind(*figures);
        }
        for (incident, _) in &chunk {
            query = query.bind(&incident.id).bind(&incident.updated_at);
        }
        for (incident, _) in &chunk {
            query = query.bind(&incident.id);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `WHEN <parameter n> THEN <parameter n + 1>`.
fn when_then(db: &Db, n: usize) -> String {
    format!("WHEN {} THEN {}", db.placeholder(n), db.placeholder(n + 1))
}

fn figures_text(incident: &Incident) -> Result<String, sqlx::Error> {
    serde_json::to_string(&incident.figures).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}
