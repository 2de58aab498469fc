//! Field reports (灾情直报) from information officers: parsed and checked here, filed by the
//! group-commit writer in [`crate::filing`], acknowledged only after their commit.
//!
//! Each submission carries a client-generated `Idempotency-Key`. The key, a hash of the
//! content and the response are stored in the same transaction as the report, so after a
//! crash either both exist or neither: a retry with the same key and content gets the first
//! answer again; the same key with other content is `idempotency_conflict`.

use crate::access::may_report;
use crate::filing::Submission;
use crate::incidents::{self, db_error, NewIncident};
use crate::listing::ListQuery;
use crate::photos::{self, PhotoRef};
use crate::{input, IncidentsState};
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use yingji_domain::{FieldError, LonLat, Principal};
use yingji_incidents::{DrillId, Figure, ReportedFigures};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::sqlx_error::{self as sqlx, Row};

pub fn router() -> Router<IncidentsState> {
    Router::new().route("/api/v1/reports", post(submit).get(list))
}

const MAX_KEY_CHARS: usize = 128;
/// The most reports one listing returns (newest first).
const LIST_LIMIT: i64 = 1000;

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

/// A field report that passed every check that needs no incident state; the writer checks
/// the rest (the incident exists, is open, in the caller's town, figures do not decrease).
pub struct ReportInput {
    /// The incident to attach to, or `None` to open `new_incident`.
    pub incident_id: Option<String>,
    pub new_incident: Option<NewIncident>,
    pub location: Option<LonLat>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub figures: ReportedFigures,
    pub correction: bool,
    pub text: Option<String>,
    pub drill: Option<DrillId>,
    pub photos: Vec<PhotoRef>,
}

async fn parse_report(
    state: &IncidentsState,
    principal: &Principal,
    body: &Value,
) -> ApiResult<ReportInput> {
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
    let incident_id = input::text("incident_id", body.get("incident_id"), 64)?;
    let new_incident = match &incident_id {
        None => {
            let new = incidents::parse_new(state, body)?;
            may_report(principal, &new.town)?;
            Some(new)
        }
        Some(_) => None,
    };
    let location = match body.get("location") {
        Some(_) => Some(input::location(
            "location",
            body.get("location"),
            &state.app.registry.county,
        )?),
        None => None,
    };
    Ok(ReportInput {
        incident_id,
        new_incident,
        location,
        occurred_at: input::time("occurred_at", body.get("occurred_at"))?,
        figures,
        correction: input::flag("correction", body.get("correction"))?,
        text: input::text("text", body.get("text"), 4000)?,
        drill: input::drill(body.get("drill"))?,
        photos: photos::referenced(state, body.get("photos")).await?,
    })
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "incidents",
    params(("Idempotency-Key" = String, Header, description = "Client-generated key; a retry with the same key and content gets the first answer")),
    request_body(content = Object, description = "Either `incident_id` (attach) or `type`, `location` and optionally `severity`, `title`, `area` (open an incident). Optional: `occurred_at` (RFC 3339), `figures` ({deaths, injured, missing, affected, relocated, houses_collapsed, houses_damaged, roads_interrupted, power_interrupted, communication_interrupted}: cumulative counts), `correction` (a decrease corrects an earlier figure), `text`, `photos` (up to 6 SHA-256 ids returned by POST /api/v1/photos), `drill` (drill id, 1–64 of A-Z a-z 0-9 _ -: the report belongs to that exercise; an incident it opens carries it, and it may only attach to an incident of the same drill)."),
    responses((status = 201, description = "The stored report and the incident it opened or joined"),
        (status = 409, description = "idempotency_conflict, or the incident is closed"),
        (status = 422, description = "A field is wrong (location outside the county, a figure negative or decreasing, an unknown photo, a drill mismatch); nothing stored")))]
pub async fn submit(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    require_signed_in(&principal)?;
    let key = idempotency_key(&headers)?;
    let hash = content_hash(&body);
    let report = parse_report(&state, &principal, &body).await?;
    let filed = state
        .filing
        .file(Submission {
            principal,
            key,
            hash,
            report,
        })
        .await?;
    if let Some(fresh) = filed.fresh {
        let town = fresh.incident.town_code.clone();
        state
            .app
            .events
            .publish("report", Some(town.clone()), false, fresh.report);
        incidents::publish_incident(&state, &fresh.incident, &fresh.entries);
    }
    Ok((
        filed.status,
        [(CONTENT_TYPE, "application/json")],
        filed.body,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "incidents",
    params(("incident_id" = Option<String>, Query, description = "Only reports of this incident"),
        ("drill" = Option<String>, Query, description = "Only reports of this drill"),
        ("format" = Option<String>, Query, description = "`geojson` for a FeatureCollection")),
    responses((status = 200, description = "Reports in the caller's jurisdiction, newest first (at most 1,000)")))]
pub async fn list(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Response> {
    require_signed_in(&principal)?;
    let filter = query.filter(&principal)?;
    let sql = format!(
        "SELECT body FROM inc_reports{} ORDER BY received_at DESC, id LIMIT ${}",
        filter.where_clause(),
        filter.parameters() + 1
    );
    let rows = filter
        .bind(sqlx::query(&sql))
        .bind(LIST_LIMIT)
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    let reports = rows
        .iter()
        .map(|row| {
            let body: String = row.try_get(0).map_err(db_error)?;
            Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
        })
        .collect::<ApiResult<Vec<Value>>>()?;
    query.answer(&reports)
}

/// The timeline line of a report: its figures in words, then its text.
pub fn report_summary(report: &ReportInput) -> String {
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
    if !report.photos.is_empty() {
        parts.push(format!("照片{}张", report.photos.len()));
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
