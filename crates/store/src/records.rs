//! Registry records: one table for every kind, with the columns listings filter on
//! (kind, town, public, bounding box) and the rest as GeoJSON/JSON text.

use crate::audit::{self, Change};
use crate::db::Db;
use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use yingji_domain::geometry::bbox;
use yingji_domain::time::{parse_rfc3339, rfc3339};
use yingji_domain::{Principal, ReadScope, Record, RecordDraft, RecordId, RecordKind, TownCode};

/// What a listing returns: one kind, optionally in a bounding box or one town, always
/// within what the caller may read.
#[derive(Debug, Clone)]
pub struct RecordFilter {
    pub kind: RecordKind,
    /// min_lon, min_lat, max_lon, max_lat
    pub bbox: Option<[f64; 4]>,
    pub town: Option<TownCode>,
    pub scope: ReadScope,
    pub limit: i64,
    pub offset: i64,
}

impl RecordFilter {
    pub fn all(kind: RecordKind) -> Self {
        Self {
            kind,
            bbox: None,
            town: None,
            scope: ReadScope::All,
            limit: i64::MAX,
            offset: 0,
        }
    }
}

const COLUMNS: &str = "kind, id, town_code, synthetic, geometry, properties, version, updated_at";

fn from_row(row: &AnyRow) -> Result<Record> {
    let kind: String = row.try_get(0)?;
    let id: String = row.try_get(1)?;
    let town: Option<String> = row.try_get(2)?;
    let geometry: Option<String> = row.try_get(4)?;
    let properties: String = row.try_get(5)?;
    let updated_at: String = row.try_get(7)?;
    let corrupt = |what: &str| StoreError::corrupt(format!("record {kind}/{id}: {what}"));
    Ok(Record {
        kind: RecordKind::from_tag(&kind).ok_or_else(|| corrupt("unknown kind"))?,
        id: RecordId::parse("id", &id).map_err(|e| corrupt(&e.message))?,
        town_code: town
            .map(|t| TownCode::parse("town_code", &t))
            .transpose()
            .map_err(|e| corrupt(&e.message))?,
        synthetic: row.try_get::<i64, _>(3)? != 0,
        geometry: geometry
            .map(|g| {
                g.parse::<geojson::Geometry>()
                    .map_err(|e| corrupt(&e.to_string()))
            })
            .transpose()?,
        properties: serde_json::from_str(&properties).map_err(|e| corrupt(&e.to_string()))?,
        version: row.try_get(6)?,
        updated_at: parse_rfc3339("updated_at", &updated_at).map_err(|e| corrupt(&e.message))?,
    })
}

pub(crate) async fn get(db: &Db, kind: RecordKind, id: &str) -> Result<Record> {
    let sql = format!("SELECT {COLUMNS} FROM records WHERE kind = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(kind.tag())
        .bind(id)
        .fetch_optional(&db.reader)
        .await?;
    row.map(|r| from_row(&r))
        .transpose()?
        .ok_or_else(|| StoreError::not_found(kind.tag(), id))
}

pub(crate) async fn count(db: &Db, kind: RecordKind) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM records WHERE kind = $1")
        .bind(kind.tag())
        .fetch_one(&db.reader)
        .await?;
    Ok(row.try_get(0)?)
}

pub(crate) async fn list(db: &Db, filter: &RecordFilter) -> Result<Vec<Record>> {
    let mut sql = format!("SELECT {COLUMNS} FROM records WHERE kind = $1");
    let mut texts: Vec<String> = vec![filter.kind.tag().to_string()];
    let mut next = |sql: &mut String, clause: &str, value: String| {
        texts.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", texts.len())));
    };
    match &filter.scope {
        ReadScope::All => {}
        ReadScope::Town(town) => next(
            &mut sql,
            " AND (public = 1 OR town_code = ?)",
            town.to_string(),
        ),
        ReadScope::PublicOnly => sql.push_str(" AND public = 1"),
    }
    if let Some(town) = &filter.town {
        next(&mut sql, " AND town_code = ?", town.to_string());
    }
    let mut query_numbers: Vec<f64> = Vec::new();
    if let Some([min_lon, min_lat, max_lon, max_lat]) = filter.bbox {
        let base = texts.len();
        sql.push_str(&format!(
            " AND max_lon >= ${} AND min_lon <= ${} AND max_lat >= ${} AND min_lat <= ${}",
            base + 1,
            base + 2,
            base + 3,
            base + 4
        ));
        query_numbers = vec![min_lon, max_lon, min_lat, max_lat];
    }
    let n = texts.len() + query_numbers.len();
    sql.push_str(&format!(" ORDER BY id LIMIT ${} OFFSET ${}", n + 1, n + 2));
    let mut query = sqlx::query(&sql);
    for text in &texts {
        query = query.bind(text);
    }
    for number in &query_numbers {
        query = query.bind(*number);
    }
    let rows = query
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&db.reader)
        .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn create(
    db: &Db,
    actor: &Principal,
    draft: RecordDraft,
    at: DateTime<Utc>,
) -> Result<Record> {
    let mut tx = db.begin_write().await?;
    let record = insert(db, &mut tx, actor, draft, 1, at).await?;
    tx.commit().await?;
    Ok(record)
}

pub(crate) async fn update(
    db: &Db,
    actor: &Principal,
    draft: RecordDraft,
    expected_version: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Record> {
    let mut tx = db.begin_write().await?;
    let before = locked(db, &mut tx, draft.kind, draft.id.as_str()).await?;
    let before =
        before.ok_or_else(|| StoreError::not_found(draft.kind.tag(), draft.id.as_str()))?;
    if let Some(expected) = expected_version.filter(|v| *v != before.version) {
        return Err(StoreError::Conflict {
            code: "version_conflict",
            message: format!(
                "{} {} is at version {}, not {expected}: someone changed it meanwhile",
                before.kind.tag(),
                before.id,
                before.version
            ),
        });
    }
    let record = replace(db, &mut tx, actor, &before, draft, at).await?;
    tx.commit().await?;
    Ok(record)
}

pub(crate) async fn delete(
    db: &Db,
    actor: &Principal,
    kind: RecordKind,
    id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let before = locked(db, &mut tx, kind, id)
        .await?
        .ok_or_else(|| StoreError::not_found(kind.tag(), id))?;
    sqlx::query("DELETE FROM records WHERE kind = $1 AND id = $2")
        .bind(kind.tag())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        actor,
        action: "delete",
        entity: kind.tag(),
        entity_id: id,
        before: Some(audit::snapshot(&before.to_feature())?),
        after: None,
        at,
    };
    audit::append(db, &mut tx, change).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn import(
    db: &Db,
    actor: &Principal,
    drafts: Vec<RecordDraft>,
    at: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = db.begin_write().await?;
    let count = drafts.len();
    let mut seen = std::collections::HashSet::new();
    for draft in drafts {
        // A batch naming one record twice is ambiguous: refuse it, rolling back what was written.
        if !seen.insert((draft.kind, draft.id.clone())) {
            return Err(StoreError::Conflict {
                code: "duplicate_id",
                message: format!(
                    "{} {} appears twice in one import",
                    draft.kind.tag(),
                    draft.id
                ),
            });
        }
        match locked(db, &mut tx, draft.kind, draft.id.as_str()).await? {
            Some(before) => replace(db, &mut tx, actor, &before, draft, at).await?,
            None => insert(db, &mut tx, actor, draft, 1, at).await?,
        };
    }
    tx.commit().await?;
    Ok(count)
}

async fn locked(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    kind: RecordKind,
    id: &str,
) -> Result<Option<Record>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM records WHERE kind = $1 AND id = $2{}",
        db.for_update()
    );
    let row = sqlx::query(&sql)
        .bind(kind.tag())
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

fn stored(draft: RecordDraft, version: i64, at: DateTime<Utc>) -> Record {
    Record {
        kind: draft.kind,
        id: draft.id,
        town_code: draft.town_code,
        synthetic: draft.synthetic,
        geometry: draft.geometry,
        properties: draft.properties,
        version,
        updated_at: at,
    }
}

async fn insert(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    actor: &Principal,
    draft: RecordDraft,
    version: i64,
    at: DateTime<Utc>,
) -> Result<Record> {
    let record = stored(draft, version, at);
    let (kind, id) = (record.kind.tag(), record.id.to_string());
    let duplicate = format!("a {kind} with id {id} already exists");
    write_row(tx, &record)
        .await
        .map_err(|e| StoreError::from_insert(e, "duplicate_id", duplicate))?;
    let change = Change {
        actor,
        action: "create",
        entity: kind,
        entity_id: &id,
        before: None,
        after: Some(audit::snapshot(&record.to_feature())?),
        at,
    };
    audit::append(db, tx, change).await?;
    Ok(record)
}

async fn replace(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    actor: &Principal,
    before: &Record,
    draft: RecordDraft,
    at: DateTime<Utc>,
) -> Result<Record> {
    sqlx::query("DELETE FROM records WHERE kind = $1 AND id = $2")
        .bind(before.kind.tag())
        .bind(before.id.as_str())
        .execute(&mut **tx)
        .await?;
    let record = stored(draft, before.version + 1, at);
    write_row(tx, &record).await?;
    let change = Change {
        actor,
        action: "update",
        entity: record.kind.tag(),
        entity_id: record.id.as_str(),
        before: Some(audit::snapshot(&before.to_feature())?),
        after: Some(audit::snapshot(&record.to_feature())?),
        at,
    };
    audit::append(db, tx, change).await?;
    Ok(record)
}

async fn write_row(tx: &mut Transaction<'static, Any>, record: &Record) -> Result<(), sqlx::Error> {
    let extent = record.geometry.as_ref().and_then(|g| bbox(&g.value));
    let geometry = record.geometry.as_ref().map(ToString::to_string);
    let properties = serde_json::Value::Object(record.properties.clone()).to_string();
    sqlx::query(
        "INSERT INTO records (kind, id, town_code, public, synthetic, geometry, properties, \
         min_lon, min_lat, max_lon, max_lat, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(record.kind.tag())
    .bind(record.id.as_str())
    .bind(record.town_code.as_ref().map(ToString::to_string))
    .bind(i64::from(record.is_public()))
    .bind(i64::from(record.synthetic))
    .bind(geometry)
    .bind(properties)
    .bind(extent.map(|e| e[0]))
    .bind(extent.map(|e| e[1]))
    .bind(extent.map(|e| e[2]))
    .bind(extent.map(|e| e[3]))
    .bind(record.version)
    .bind(rfc3339(record.updated_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
