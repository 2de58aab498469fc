//! Situation reports (首报, 续报, 终报) generated from an incident's figures and timeline,
//! served as printable zh-CN HTML or as a Word document (.docx) — one report model, two
//! renderers (see `yingji_incidents::report`).

use crate::incidents::{self, db_error, status_zh};
use crate::timeline;
use crate::IncidentsState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yingji_incidents::report::{ReportEntry, ReportKind, SituationReport};
use yingji_server::auth::Caller;
use yingji_server::error::{ApiError, ApiResult};

pub fn router() -> Router<IncidentsState> {
    Router::new().route(
        "/api/v1/incidents/{id}/situation-report",
        get(situation_report),
    )
}

#[derive(Debug, Deserialize)]
pub struct SitrepQuery {
    pub kind: Option<String>,
    pub number: Option<u32>,
    /// `html` (default) or `docx`.
    pub format: Option<String>,
}

fn time(field: &str, raw: &str) -> ApiResult<DateTime<Utc>> {
    yingji_domain::time::parse_rfc3339(field, raw).map_err(|_| ApiError::internal())
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/situation-report", tag = "incidents",
    params(("kind" = Option<String>, Query, description = "first (首报, default), follow_up (续报) or final (终报)"),
        ("number" = Option<u32>, Query, description = "The number of a follow-up report"),
        ("format" = Option<String>, Query, description = "html (default, printable page) or docx (Word document)")),
    responses((status = 200, description = "Printable zh-CN HTML, or a .docx with format=docx"), (status = 409, description = "A final report needs a closed incident")))]
pub async fn situation_report(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    Query(query): Query<SitrepQuery>,
) -> ApiResult<Response> {
    let incident = incidents::readable(&state, &principal, &id).await?;
    let kind = match query.kind.as_deref() {
        None => ReportKind::First,
        Some(raw) => ReportKind::parse(raw).ok_or_else(|| {
            ApiError::new("invalid_query", "kind is first, follow_up or final").field("kind")
        })?,
    };
    let docx = match query.format.as_deref() {
        None | Some("html") => false,
        Some("docx") => true,
        Some(_) => {
            return Err(ApiError::new("invalid_query", "format is html or docx").field("format"))
        }
    };
    let status = incident.status();
    if kind == ReportKind::Final && status != yingji_domain::incident::IncidentStatus::Closed {
        return Err(ApiError::new(
            "wrong_state",
            "a final report (终报) is issued when the incident is closed",
        )
        .field("kind"));
    }
    let entries = timeline::list(state.app.store.db(), &id)
        .await
        .map_err(db_error)?;
    let timeline = entries
        .iter()
        .map(|e| {
            Ok(ReportEntry {
                at: time("at", &e.at)?,
                who: e.actor.clone(),
                text: e.summary.clone(),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let report = SituationReport {
        kind,
        number: query.number.unwrap_or(1),
        incident_id: incident.id.clone(),
        title: incident.title.clone(),
        type_zh: incident.type_zh.clone(),
        severity_zh: incident.severity_zh.clone(),
        response_level_zh: incident.response_level_zh.clone(),
        status_zh: status_zh(status).into(),
        place: state.towns.name(&incident.town_code).to_string(),
        occurred_at: time("occurred_at", &incident.occurred_at)?,
        issued_at: Utc::now(),
        issuer: "蓟州区应急管理局".into(),
        figures: incident.figures.clone(),
        timeline,
    };
    if !docx {
        return Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            report.to_html(),
        )
            .into_response());
    }
    let file = report.to_docx().map_err(|e| {
        tracing::error!(error = %e, "situation report .docx");
        ApiError::internal()
    })?;
    let kind_tag = query.kind.as_deref().unwrap_or("first");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                yingji_incidents::docx::MEDIA_TYPE.to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{kind_tag}.docx\"", incident.id),
            ),
        ],
        file,
    )
        .into_response())
}
