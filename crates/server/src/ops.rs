//! Operations: health, readiness, metrics, the audit log and the error-code table.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ERROR_CODES};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use yingji_domain::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(prometheus))
        .route("/api/v1/errors", get(errors))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/audit/verify", get(audit_verify))
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The store answers: the instance can take traffic.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses((status = 200, description = "ready"), (status = 503, description = "unavailable")))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"ready": true, "backend": format!("{:?}", state.store.db().backend)})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"ready": false})),
            )
        }
    }
}

pub async fn prometheus(State(state): State<AppState>) -> String {
    state.metrics.render()
}

/// The table of stable error codes.
#[utoipa::path(get, path = "/api/v1/errors", tag = "ops", responses((status = 200, description = "code, status, meaning")))]
pub async fn errors() -> Json<Value> {
    let rows: Vec<_> = ERROR_CODES
        .iter()
        .map(|(c, s, d)| json!({"code": c, "status": s, "description": d}))
        .collect();
    Json(json!({"errors": rows}))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

fn require_admin(caller: &yingji_domain::Principal) -> ApiResult<()> {
    crate::auth::require_signed_in(caller)?;
    if caller.has(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden("the audit log is for administrators"))
    }
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "ops", params(AuditQuery), responses((status = 200, description = "audit entries")))]
pub async fn audit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller)?;
    let entries = state
        .store
        .audit_entries(q.after.unwrap_or(0), q.limit.unwrap_or(500).clamp(1, 5_000))
        .await?;
    Ok(Json(json!({"entries": entries})))
}

#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "ops", responses((status = 200, description = "chain intact or its breaks")))]
pub async fn audit_verify(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<Value>> {
    require_admin(&caller)?;
    let breaks = state.store.verify_audit().await?;
    Ok(Json(json!({"intact": breaks.is_empty(), "breaks": breaks})))
}
