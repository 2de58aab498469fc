//! Incidents: open, read, change status, add notes, read the timeline.

use crate::access::{may_command, may_read};
use crate::incident_rows::{self, from_row, COLUMNS};
pub use crate::incident_rows::{load, load_for_update};
use crate::listing::ListQuery;
use crate::timeline::{self, record_step, Audited, Step, TimelineEntry};
use crate::{input, IncidentsState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use yingji_domain::incident::{IncidentStatus, IncidentType, Severity, TimelineKind};
use yingji_domain::{FieldError, LonLat, Principal, TownCode};
use yingji_incidents::{DrillId, Tally};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::audit::{self, Change};
use yingji_store::sqlx_error::{self as sqlx, Any, Transaction};
use yingji_store::{Db, StoreError};

pub fn router() -> Router<IncidentsState> {
    Router::new()
        .route("/api/v1/incidents", get(list).post(create))
        .route("/api/v1/incidents/{id}", get(get_one))
        .route("/api/v1/incidents/{id}/status", post(change_status))
        .route("/api/v1/incidents/{id}/notes", post(add_note))
        .route("/api/v1/incidents/{id}/timeline", get(timeline))
}

/// An incident as stored and served.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub id: String,
    #[serde(rename = "type")]
    pub subtype: String,
    pub category: String,
    pub type_zh: String,
    pub severity: String,
    pub severity_zh: String,
    pub response_level_zh: String,
    pub status: String,
    pub title: String,
    pub town_code: TownCode,
    pub location: [f64; 2],
    pub area: Option<Value>,
    /// Latest cumulative figures, each with its change and the report it came from.
    pub figures: Tally,
    pub opened_by: String,
    pub occurred_at: String,
    pub opened_at: String,
    pub updated_at: String,
    /// The drill this incident belongs to; `null` for a real emergency.
    pub drill: Option<DrillId>,
}

impl Incident {
    pub fn kind(&self) -> Result<IncidentType, FieldError> {
        IncidentType::parse("type", &self.subtype)
    }

    pub fn severity(&self) -> Result<Severity, FieldError> {
        Severity::parse("severity", &self.severity)
    }

    pub fn status(&self) -> IncidentStatus {
        parse_status(&self.status).unwrap_or(IncidentStatus::Open)
    }
}

pub fn status_tag(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Open => "open",
        IncidentStatus::Responding => "responding",
        IncidentStatus::Recovering => "recovering",
        IncidentStatus::Closed => "closed",
    }
}

pub fn status_zh(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Open => "已接报",
        IncidentStatus::Responding => "响应中",
        IncidentStatus::Recovering => "恢复重建",
        IncidentStatus::Closed => "已结束",
    }
}

fn parse_status(raw: &str) -> Option<IncidentStatus> {
    use IncidentStatus::*;
    [Open, Responding, Recovering, Closed]
        .into_iter()
        .find(|s| status_tag(*s) == raw)
}

pub(crate) fn db_error(e: sqlx::Error) -> ApiError {
    ApiError::from(StoreError::Database(e))
}

/// Loads an incident the caller may read, or 404 naming it.
pub async fn readable(
    state: &IncidentsState,
    principal: &Principal,
    id: &str,
) -> ApiResult<Incident> {
    let what = format!("incident {id}");
    let incident = load(state.app.store.db(), id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    may_read(principal, &incident.town_code, &what)?;
    Ok(incident)
}

/// What opening an incident needs.
#[derive(Clone)]
pub struct NewIncident {
    pub kind: IncidentType,
    pub severity: Severity,
    pub title: String,
    pub town: TownCode,
    pub at: LonLat,
    pub area: Option<Value>,
    pub occurred_at: DateTime<Utc>,
    pub drill: Option<DrillId>,
}

/// The timeline line of an incident being opened.
pub fn opening_summary(new: &NewIncident) -> String {
    format!(
        "接报：{}（{}，{}）",
        new.title,
        new.kind.name_zh(),
        new.severity.response_level_zh()
    )
}

/// The timeline data of an incident being opened.
pub fn opening_data() -> Value {
    json!({"status": status_tag(IncidentStatus::Open)})
}

/// An audit entry's states of the entity, as JSON text (`None` where it did not exist).
pub struct AuditStates {
    before: Option<String>,
    after: Option<String>,
}

impl AuditStates {
    pub fn of<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Self {
        let text = |v: Option<&T>| v.and_then(|v| serde_json::to_string(v).ok());
        AuditStates {
            before: text(before),
            after: text(after),
        }
    }
}

/// The audited entity of an action `entity.verb`.
pub(crate) fn audit_entity(action: &str) -> &str {
    action.split('.').next().unwrap_or(action)
}

pub(crate) async fn audit_states(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    actor: &Principal,
    action: &str,
    entity_id: &str,
    states: AuditStates,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    audit::append(
        db,
        tx,
        Change {
            actor,
            action,
            entity: audit_entity(action),
            entity_id,
            before: states.before,
            after: states.after,
            at,
        },
    )
    .await?;
    Ok(())
}

pub(crate) async fn audit_change<T: Serialize>(
    db: &Db,
    tx: &mut Transaction<'_, Any>,
    actor: &Principal,
    action: &str,
    entity_id: &str,
    (before, after): (Option<&T>, Option<&T>),
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let states = AuditStates::of(before, after);
    audit_states(db, tx, actor, action, entity_id, states, at).await
}

pub(crate) fn publish_incident(
    state: &IncidentsState,
    incident: &Incident,
    entries: &[TimelineEntry],
) {
    // Serializing the incident and its entries is most of the cost of publishing them.
    if !state.app.events.changes_watched() {
        return;
    }
    state.app.events.publish(
        "incident",
        Some(incident.town_code.clone()),
        false,
        serde_json::to_value(incident).unwrap_or(Value::Null),
    );
    timeline::publish(&state.app.events, &incident.town_code, entries);
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    params(("drill" = Option<String>, Query, description = "Only incidents of this drill"),
        ("format" = Option<String>, Query, description = "`geojson` for a FeatureCollection (properties are the incident's fields)")),
    responses((status = 200, description = "Incidents in the caller's jurisdiction, newest first")))]
pub async fn list(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Response> {
    require_signed_in(&principal)?;
    let filter = query.filter(&principal)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM inc_incidents{} ORDER BY opened_at DESC",
        filter.where_clause()
    );
    let rows = filter
        .bind(sqlx::query(&sql))
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    let incidents = rows.iter().map(from_row).collect::<ApiResult<Vec<_>>>()?;
    query.answer(&incidents)
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    responses((status = 200, description = "The incident with figures and their provenance"), (status = 404, description = "No such incident in your jurisdiction")))]
pub async fn get_one(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Incident>> {
    Ok(Json(readable(&state, &principal, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "incidents",
    responses((status = 200, description = "Timeline entries in order")))]
pub async fn timeline(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimelineEntry>>> {
    readable(&state, &principal, &id).await?;
    Ok(Json(
        timeline::list(state.app.store.db(), &id)
            .await
            .map_err(db_error)?,
    ))
}

/// Parses the fields that open an incident; the town follows from the location.
pub fn parse_new(state: &IncidentsState, body: &Value) -> ApiResult<NewIncident> {
    let kind = IncidentType::parse(
        "type",
        body.get("type").and_then(Value::as_str).unwrap_or_default(),
    )?;
    let severity = match body.get("severity").and_then(Value::as_str) {
        Some(raw) => Severity::parse("severity", raw)?,
        None => Severity::IV,
    };
    let at = input::location("location", body.get("location"), &state.app.registry.county)?;
    let (town, town_name) = state.towns.town_at(at).ok_or_else(|| {
        FieldError::new(
            "location",
            "outside_county",
            "the location lies in no town of the county",
        )
    })?;
    let area = input::area("area", body.get("area"))?;
    let occurred_at = input::time("occurred_at", body.get("occurred_at"))?.unwrap_or_else(Utc::now);
    let drill = input::drill(body.get("drill"))?;
    let title = input::text("title", body.get("title"), 200)?
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("{town_name}{}", kind.name_zh()));
    Ok(NewIncident {
        kind,
        severity,
        title,
        town,
        at,
        area,
        occurred_at,
        drill,
    })
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    responses((status = 201, description = "The opened incident"), (status = 422, description = "A field is wrong; nothing stored")))]
pub async fn create(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    require_signed_in(&principal)?;
    let new = parse_new(&state, &body)?;
    may_command(&principal, &new.town)?;
    let now = Utc::now();
    let incident = Incident::opened(crate::new_id("inc"), &new, &principal, now);
    let mut tx = state.app.store.db().begin_write().await?;
    incident_rows::insert_many(state.app.store.db(), &mut tx, &[&incident])
        .await
        .map_err(db_error)?;
    let step = Step {
        kind: TimelineKind::StatusChange,
        summary: opening_summary(&new),
        data: opening_data(),
        action: "incident.open",
        entity_id: &incident.id,
        audited: Audited::States(AuditStates::of(None, Some(&incident))),
    };
    let event = (
        "incident",
        serde_json::to_value(&incident).unwrap_or(Value::Null),
    );
    record_step(&state, tx, &principal, &incident, step, Some(event), now).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// Locks an incident the caller may command, inside a write transaction.
pub async fn commandable(
    state: &IncidentsState,
    tx: &mut Transaction<'_, Any>,
    principal: &Principal,
    id: &str,
) -> ApiResult<Incident> {
    let what = format!("incident {id}");
    let incident = load_for_update(state.app.store.db(), tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    may_read(principal, &incident.town_code, &what)?;
    may_command(principal, &incident.town_code)?;
    Ok(incident)
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/status", tag = "incidents",
    responses((status = 200, description = "The incident in its new status"), (status = 409, description = "The status cannot follow the current one")))]
pub async fn change_status(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Incident>> {
    require_signed_in(&principal)?;
    let raw = body
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let next = parse_status(raw).ok_or_else(|| {
        ApiError::new(
            "invalid_value",
            format!("unknown status {raw:?}; one of open, responding, recovering, closed"),
        )
        .field("status")
    })?;
    let note = input::text("note", body.get("note"), 2000)?;
    let db = state.app.store.db();
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let before = commandable(&state, &mut tx, &principal, &id).await?;
    let current = before.status();
    if !current.can_become(next) {
        return Err(ApiError::new(
            "wrong_state",
            format!("incident is {}; it cannot become {} (status moves open → responding → recovering → closed)", status_tag(current), raw),
        )
        .field("status"));
    }
    sqlx::query("UPDATE inc_incidents SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(raw)
        .bind(yingji_domain::time::rfc3339(now))
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let after = load_for_update(db, &mut tx, &id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let summary = format!(
        "状态：{} → {}{}",
        status_zh(current),
        status_zh(next),
        note.as_deref()
            .map(|n| format!("（{n}）"))
            .unwrap_or_default()
    );
    let step = Step {
        kind: TimelineKind::StatusChange,
        summary,
        data: json!({"from": status_tag(current), "to": raw}),
        action: "incident.status",
        entity_id: &id,
        audited: Audited::States(AuditStates::of(Some(&before), Some(&after))),
    };
    let event = (
        "incident",
        serde_json::to_value(&after).unwrap_or(Value::Null),
    );
    record_step(&state, tx, &principal, &after, step, Some(event), now).await?;
    Ok(Json(after))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", tag = "incidents",
    responses((status = 201, description = "The timeline entry of the note")))]
pub async fn add_note(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<TimelineEntry>)> {
    require_signed_in(&principal)?;
    let text = input::required_text("text", body.get("text"), 4000)?;
    let db = state.app.store.db();
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let incident = commandable(&state, &mut tx, &principal, &id).await?;
    let step = Step {
        kind: TimelineKind::Note,
        summary: text.clone(),
        data: json!({"text": text}),
        action: "incident.note",
        entity_id: &id,
        audited: Audited::TheEntry,
    };
    let entry = record_step(&state, tx, &principal, &incident, step, None, now).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}
