//! Field reports (灾情直报) from information officers.
//!
//! Each submission carries a client-generated `Idempotency-Key`. The key, a hash of the
//! content and the response are stored in the same transaction as the report, so after a
//! crash either both exist or neither: a retry with the same key and content gets the first
//! answer again; the same key with other content is `idempotency_conflict`.

use crate::access::{may_read, may_report};
use crate::incidents::{self, db_error, Incident};
use crate::timeline::{self, TimelineEntry};
use crate::{input, IncidentsState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use yingji_domain::incident::{IncidentStatus, TimelineKind};
use yingji_domain::{FieldError, Principal};
use yingji_incidents::{Figure, ReportedFigures};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::sqlx_error::{self as sqlx, Row};

pub fn router() -> Router<IncidentsState> {
    Router::new().route("/api/v1/reports", post(submit))
}

const MAX_KEY_CHARS: usize = 128;

/// The idempotency key from its header: 1–128 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| {
            ApiError::new(
                "required",
                "send an Idempotency-Key header (a UUID made by the client)",
            )
            .field("Idempotency-Key")
        })?
        .to_str()
        .map_err(|_| {
            ApiError::new("invalid_value", "the key is visible ASCII").field("Idempotency-Key")
        })?;
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            "invalid_value",
            format!("the key is 1–{MAX_KEY_CHARS} visible ASCII characters"),
        )
        .field("Idempotency-Key"));
    }
    Ok(key.to_string())
}

/// SHA-256 of the body with object keys sorted, so a retry that serializes the same
/// content in another key order is still the same content.
fn content_hash(body: &Value) -> String {
    fn canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<_> = map.keys().collect();
                keys.sort();
                out.push('{');
                for key in keys {
                    out.push_str(&Value::from(key.as_str()).to_string());
                    out.push(':');
                    canonical(&map[key], out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for item in items {
                    canonical(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    canonical(body, &mut text);
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A stored first answer for (caller, key), if any.
async fn stored_answer(
    state: &IncidentsState,
    actor: &str,
    key: &str,
    hash: &str,
) -> ApiResult<Option<Response>> {
    let row = sqlx::query("SELECT content_hash, status, response FROM inc_idempotency WHERE actor = $1 AND idem_key = $2")
        .bind(actor)
        .bind(key)
        .fetch_optional(&state.app.store.db().writer)
        .await
        .map_err(db_error)?;
    let Some(row) = row else { return Ok(None) };
    let stored_hash: String = row.try_get(0).map_err(db_error)?;
    if stored_hash != hash {
        return Err(ApiError::new(
            "idempotency_conflict",
            "this Idempotency-Key was used for a different report; use a new key for new content",
        )
        .field("Idempotency-Key"));
    }
    let status: i64 = row.try_get(1).map_err(db_error)?;
    let body: String = row.try_get(2).map_err(db_error)?;
    let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    Ok(Some((status, axum::Json(body)).into_response()))
}

/// A field report as filed.
struct ReportInput {
    incident_id: Option<String>,
    figures: ReportedFigures,
    correction: bool,
    text: Option<String>,
}

fn parse_report(body: &Value) -> ApiResult<ReportInput> {
    let figures = match body.get("figures") {
        None | Some(Value::Null) => ReportedFigures::default(),
        Some(Value::Object(raw)) => ReportedFigures::parse(raw)
            .map_err(|e| ApiError::new("invalid_value", e.to_string()).field(e.field()))?,
        Some(_) => {
            return Err(FieldError::new(
                "figures",
                "invalid_value",
                "figures is an object of counts",
            )
            .into())
        }
    };
    Ok(ReportInput {
        incident_id: input::text("incident_id", body.get("incident_id"), 64)?,
        figures,
        correction: input::flag("correction", body.get("correction"))?,
        text: input::text("text", body.get("text"), 4000)?,
    })
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "incidents",
    params(("Idempotency-Key" = String, Header, description = "Client-generated key; a retry with the same key and content gets the first answer")),
    responses((status = 201, description = "The stored report and the incident it opened or joined"),
        (status = 409, description = "idempotency_conflict, or the incident is closed"),
        (status = 422, description = "A field is wrong (location outside the county, a figure negative or decreasing); nothing stored")))]
pub async fn submit(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    require_signed_in(&principal)?;
    let key = idempotency_key(&headers)?;
    let hash = content_hash(&body);
    if let Some(answer) = stored_answer(&state, &principal.username, &key, &hash).await? {
        return Ok(answer);
    }
    let report = parse_report(&body)?;
    match file(&state, &principal, &key, &hash, &body, report).await {
        Ok((response, incident, entry, report_json)) => {
            state.app.events.publish(
                "report",
                Some(incident.town_code.clone()),
                false,
                report_json,
            );
            incidents::publish_incident(&state, &incident, &[entry]);
            Ok(response)
        }
        // A concurrent retry with the same key may have committed first (PostgreSQL
        // refuses our insert on the key); then its answer is ours.
        Err(e) => match stored_answer(&state, &principal.username, &key, &hash).await? {
            Some(answer) => Ok(answer),
            None => Err(e),
        },
    }
}

/// Files the report in one transaction: incident (opened or locked), figures, report,
/// timeline entry, idempotency record and audit entry.
async fn file(
    state: &IncidentsState,
    principal: &Principal,
    key: &str,
    hash: &str,
    body: &Value,
    report: ReportInput,
) -> ApiResult<(Response, Incident, TimelineEntry, Value)> {
    let db = state.app.store.db();
    let now = Utc::now();
    let report_id = crate::new_id("rep");
    // Location and type are parsed before the transaction: nothing slow happens inside it.
    let new = match &report.incident_id {
        None => Some(incidents::parse_new(state, body)?),
        Some(_) => None,
    };
    let located = match body.get("location") {
        Some(_) => Some(input::location(
            "location",
            body.get("location"),
            &state.app.registry.county,
        )?),
        None => None,
    };
    let occurred_at = input::time("occurred_at", body.get("occurred_at"))?;
    if let Some(new) = &new {
        may_report(principal, &new.town)?;
    }
    let mut tx = db.begin_write().await?;
    let mut entries = Vec::new();
    let (incident, opened) = match (&report.incident_id, new) {
        (Some(id), _) => {
            let what = format!("incident {id}");
            let incident = incidents::load_for_update(db, &mut tx, id)
                .await?
                .ok_or_else(|| ApiError::not_found(&what).field("incident_id"))?;
            may_read(principal, &incident.town_code, &what).map_err(|e| e.field("incident_id"))?;
            may_report(principal, &incident.town_code)?;
            if incident.status() == IncidentStatus::Closed {
                return Err(ApiError::new(
                    "wrong_state",
                    format!("incident {id} is closed; report a new incident"),
                )
                .field("incident_id"));
            }
            (incident, false)
        }
        (None, Some(new)) => {
            let (incident, entry) = incidents::insert(db, &mut tx, principal, new, now).await?;
            entries.push(entry);
            (incident, true)
        }
        (None, None) => return Err(ApiError::internal()),
    };
    let figures = incident
        .figures
        .apply(&report_id, now, &report.figures, report.correction)
        .map_err(|e| ApiError::new("invalid_value", e.to_string()).field(e.field()))?;
    let location = located.map_or(incident.location, |at| [at.lon, at.lat]);
    let stored_report = json!({
        "id": report_id,
        "incident_id": incident.id,
        "town_code": incident.town_code,
        "author": principal.username,
        "location": location,
        "occurred_at": occurred_at.map(yingji_domain::time::rfc3339),
        "figures": report.figures,
        "correction": report.correction,
        "text": report.text,
        "received_at": yingji_domain::time::rfc3339(now),
    });
    sqlx::query("INSERT INTO inc_reports (id, incident_id, town_code, author, body, received_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&report_id)
        .bind(&incident.id)
        .bind(incident.town_code.as_str())
        .bind(&principal.username)
        .bind(stored_report.to_string())
        .bind(yingji_domain::time::rfc3339(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let figures_text = serde_json::to_string(&figures).map_err(|_| ApiError::internal())?;
    sqlx::query("UPDATE inc_incidents SET figures = $1, updated_at = $2 WHERE id = $3")
        .bind(&figures_text)
        .bind(yingji_domain::time::rfc3339(now))
        .bind(&incident.id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let incident = Incident {
        figures,
        updated_at: yingji_domain::time::rfc3339(now),
        ..incident
    };
    let entry = timeline::append(
        &mut tx,
        &incident.id,
        TimelineKind::Report,
        principal,
        report_summary(&report),
        json!({"report_id": report_id}),
        now,
    )
    .await
    .map_err(db_error)?;
    entries.push(entry);
    let answer = json!({"report": stored_report, "incident": incident, "opened": opened});
    let status = StatusCode::CREATED;
    sqlx::query("INSERT INTO inc_idempotency (actor, idem_key, content_hash, status, response, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&principal.username)
        .bind(key)
        .bind(hash)
        .bind(i64::from(status.as_u16()))
        .bind(answer.to_string())
        .bind(yingji_domain::time::rfc3339(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    incidents::audit_change(
        db,
        &mut tx,
        principal,
        "report.file",
        &report_id,
        (None, Some(&stored_report)),
        now,
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    let last = entries.pop().ok_or_else(ApiError::internal)?;
    for earlier in &entries {
        timeline::publish(
            &state.app.events,
            &incident.town_code,
            std::slice::from_ref(earlier),
        );
    }
    Ok((
        (status, axum::Json(answer)).into_response(),
        incident,
        last,
        stored_report,
    ))
}

/// The timeline line of a report: its figures in words, then its text.
fn report_summary(report: &ReportInput) -> String {
    let mut parts: Vec<String> = report
        .figures
        .0
        .iter()
        .map(|(figure, value)| {
            let (name, unit) = Figure::name_zh(*figure);
            format!("{name}{value}{unit}")
        })
        .collect();
    if report.correction {
        parts.push("（更正）".into());
    }
    if let Some(text) = &report.text {
        parts.push(text.clone());
    }
    format!(
        "灾情报告：{}",
        if parts.is_empty() {
            "无数据".into()
        } else {
            parts.join("，")
        }
    )
}
