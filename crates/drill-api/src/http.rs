//! `/api/v1/drills`: start, list, look at, pause, resume and stop drills, and read their
//! after-action report. Starting and steering drills is for duty officers and admins;
//! reading them for district-wide accounts.

use crate::engine::Control;
use crate::records;
use crate::Drills;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use utoipa::OpenApi;
use yingji_domain::{Principal, ReadScope, Role};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;

/// Replay speed when the request names none: one scenario hour per real minute.
const DEFAULT_SPEED: f64 = 60.0;

pub fn router() -> Router<Drills> {
    Router::new()
        .route("/api/v1/drills", get(list).post(start))
        .route("/api/v1/drill-scenarios", get(scenarios))
        .route("/api/v1/drills/{id}", get(one))
        .route("/api/v1/drills/{id}/report", get(report_page))
        .route("/api/v1/drills/{id}/{action}", post(steer))
}

#[derive(OpenApi)]
#[openapi(paths(list, start, scenarios, one, report_page, steer))]
struct Doc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

fn may_steer(p: &Principal) -> ApiResult<()> {
    require_signed_in(p)?;
    if p.has(Role::Admin) || p.has(Role::DutyOfficer) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "drills are run by duty officers and admins",
        ))
    }
}

fn may_read(p: &Principal) -> ApiResult<()> {
    require_signed_in(p)?;
    if p.read_scope() == ReadScope::All {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "drills are read by district-wide accounts",
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/drill-scenarios", tag = "drills",
    responses((status = 200, description = "The scenarios shipped with yingji")))]
async fn scenarios(Caller(p): Caller) -> ApiResult<Json<Value>> {
    may_read(&p)?;
    let list: Vec<Value> = yingji_drill::BUILTIN
        .iter()
        .filter_map(|(id, text)| {
            let s = yingji_drill::Scenario::parse(text).ok()?;
            Some(
                json!({"id": id, "title": s.scenario.title, "title_en": s.scenario.title_en,
                "description": s.scenario.description, "duration_s": s.duration().0}),
            )
        })
        .collect();
    Ok(Json(json!({"scenarios": list})))
}

#[utoipa::path(get, path = "/api/v1/drills", tag = "drills",
    responses((status = 200, description = "Drills, newest first")))]
async fn list(State(drills): State<Drills>, Caller(p): Caller) -> ApiResult<Json<Value>> {
    may_read(&p)?;
    let all = records::list(drills.app.store.db()).await?;
    Ok(Json(json!({"drills": all})))
}

#[utoipa::path(post, path = "/api/v1/drills", tag = "drills",
    request_body(content = Object, description = "`scenario`: a shipped scenario id (see /api/v1/drill-scenarios) or `scenario_toml`: a scenario file's text; `speed` (default 60: one scenario hour per minute, at most 10000); `autorespond` (default false: simulated responders acknowledge, dispatch and arrive)"),
    responses((status = 201, description = "The drill, running"),
        (status = 422, description = "The scenario is malformed (line and reason) or names sensors the county lacks")))]
async fn start(
    State(drills): State<Drills>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    may_steer(&p)?;
    let text = match (body.get("scenario"), body.get("scenario_toml")) {
        (Some(Value::String(id)), None) => yingji_drill::builtin(id)
            .ok_or_else(|| {
                let ids: Vec<_> = yingji_drill::BUILTIN.iter().map(|(i, _)| *i).collect();
                ApiError::new("invalid_value", format!("no scenario {id:?}; one of {}", ids.join(", ")))
                    .field("scenario")
            })?
            .to_string(),
        (None, Some(Value::String(toml))) => toml.clone(),
        _ => {
            return Err(ApiError::new(
                "required",
                "give either \"scenario\" (a shipped scenario id) or \"scenario_toml\" (a scenario file)",
            )
            .field("scenario"))
        }
    };
    let speed = match body.get("speed") {
        None | Some(Value::Null) => DEFAULT_SPEED,
        Some(v) => v
            .as_f64()
            .ok_or_else(|| ApiError::new("invalid_value", "speed is a number").field("speed"))?,
    };
    let autorespond = match body.get("autorespond") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(
                ApiError::new("invalid_value", "autorespond is true or false").field("autorespond"),
            )
        }
    };
    let drill = drills.start(&p, &text, speed, autorespond).await?;
    Ok((StatusCode::CREATED, Json(drill)))
}

#[utoipa::path(get, path = "/api/v1/drills/{id}", tag = "drills",
    responses((status = 200, description = "The drill, its live progress and its evaluation so far")))]
async fn one(
    State(drills): State<Drills>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    may_read(&p)?;
    let drill = records::get(drills.app.store.db(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("drill {id}")))?;
    let progress = drills.progress(&id).map(|r| r.borrow().clone());
    let evaluation = crate::report::evaluation(&drill).ok().map(|(_, e)| e);
    let mut answer = json!(drill);
    answer["progress"] = json!(progress);
    answer["evaluation"] = json!(evaluation);
    answer["events"] = json!(drill.events);
    Ok(Json(answer))
}

#[utoipa::path(get, path = "/api/v1/drills/{id}/report", tag = "drills",
    responses((status = 200, description = "The after-action report, a printable HTML page with the timeline chart")))]
async fn report_page(
    State(drills): State<Drills>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    may_read(&p)?;
    let drill = records::get(drills.app.store.db(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("drill {id}")))?;
    let page = crate::report::html(&drill).map_err(|e| {
        tracing::error!(drill = %id, error = %e, "stored scenario no longer parses");
        ApiError::internal()
    })?;
    Ok(([(CONTENT_TYPE, "text/html; charset=utf-8")], page))
}

#[utoipa::path(post, path = "/api/v1/drills/{id}/{action}", tag = "drills",
    params(("action" = String, Path, description = "pause, resume or stop")),
    responses((status = 200, description = "The drill in its new state"), (status = 409, description = "wrong_state")))]
async fn steer(
    State(drills): State<Drills>,
    Caller(p): Caller,
    Path((id, action)): Path<(String, String)>,
) -> ApiResult<Json<records::Drill>> {
    may_steer(&p)?;
    let wanted = match action.as_str() {
        "pause" => Control::Pause,
        "resume" => Control::Run,
        "stop" => Control::Stop,
        _ => {
            return Err(ApiError::not_found(format!(
                "drill action {action:?} (pause, resume, stop)"
            )))
        }
    };
    Ok(Json(drills.control(&p, &id, wanted).await?))
}
