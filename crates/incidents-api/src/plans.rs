//! Plan activation: an incident that activates an emergency plan gets the actions of the
//! plan's level as tasks with owners and status, each step on the timeline.

use crate::incidents::{self, commandable, db_error, AuditStates};
use crate::timeline::{record_step, Audited, Step};
use crate::{input, IncidentsState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};
use yingji_domain::incident::{Severity, TimelineKind};
use yingji_incidents::{Plan, PlanError, TaskStatus};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::sqlx_error::{self as sqlx, any::AnyRow, Row};

/// The plans shipped in `data/plans`, embedded so the binary needs no data directory.
const PLAN_FILES: &[(&str, &str)] = &[
    (
        "flood-geohazard.toml",
        include_str!("../../../data/plans/flood-geohazard.toml"),
    ),
    (
        "forest-fire.toml",
        include_str!("../../../data/plans/forest-fire.toml"),
    ),
];

pub fn load_plans() -> Result<Vec<Plan>, PlanError> {
    PLAN_FILES
        .iter()
        .map(|(file, text)| Plan::from_toml(file, text))
        .collect()
}

pub fn router() -> Router<IncidentsState> {
    Router::new()
        .route("/api/v1/plans", get(list_plans))
        .route("/api/v1/incidents/{id}/plans", post(activate))
        .route("/api/v1/incidents/{id}/tasks", get(list_tasks))
        .route("/api/v1/tasks/{id}/status", post(step_task))
}

#[utoipa::path(get, path = "/api/v1/plans", tag = "incidents",
    responses((status = 200, description = "The emergency plans with their levels and actions")))]
pub async fn list_plans(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<Plan>>> {
    require_signed_in(&principal)?;
    Ok(Json(state.plans.clone()))
}

#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: String,
    pub incident_id: String,
    pub plan_id: String,
    pub level: String,
    pub owner: String,
    pub action: String,
    pub status: String,
    pub position: i64,
    pub updated_at: String,
}

const TASK_COLUMNS: &str =
    "id, incident_id, plan_id, level, owner, action, status, position, updated_at";

fn task_of(row: &AnyRow) -> Result<Task, sqlx::Error> {
    Ok(Task {
        id: row.try_get(0)?,
        incident_id: row.try_get(1)?,
        plan_id: row.try_get(2)?,
        level: row.try_get(3)?,
        owner: row.try_get(4)?,
        action: row.try_get(5)?,
        status: row.try_get(6)?,
        position: row.try_get(7)?,
        updated_at: row.try_get(8)?,
    })
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/plans", tag = "incidents",
    responses((status = 201, description = "The tasks the activation created"),
        (status = 422, description = "Unknown plan, or the plan does not cover this incident type")))]
pub async fn activate(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Vec<Task>>)> {
    require_signed_in(&principal)?;
    let plan_id = input::required_text("plan_id", body.get("plan_id"), 64)?;
    let plan = state
        .plans
        .iter()
        .find(|p| p.id == plan_id)
        .ok_or_else(|| {
            ApiError::new("invalid_value", format!("no plan {plan_id:?}")).field("plan_id")
        })?;
    let level = body
        .get("level")
        .and_then(Value::as_str)
        .map(|l| Severity::parse("level", l))
        .transpose()?;
    let db = state.app.store.db();
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let incident = commandable(&state, &mut tx, &principal, &id).await?;
    let severity = match level {
        Some(level) => level,
        None => incident.severity()?,
    };
    let drafts = plan
        .activate(&incident.subtype, severity)
        .map_err(|e| ApiError::new("invalid_value", e.to_string()).field("plan_id"))?;
    let mut tasks = Vec::new();
    for (position, draft) in drafts.into_iter().enumerate() {
        let task = Task {
            id: crate::new_id("task"),
            incident_id: incident.id.clone(),
            plan_id: draft.plan_id,
            level: draft.level,
            owner: draft.owner,
            action: draft.action,
            status: TaskStatus::Pending.tag().into(),
            position: i64::try_from(position).unwrap_or(i64::MAX),
            updated_at: yingji_domain::time::rfc3339(now),
        };
        sqlx::query(&format!(
            "INSERT INTO inc_tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&task.id)
        .bind(&task.incident_id)
        .bind(&task.plan_id)
        .bind(&task.level)
        .bind(&task.owner)
        .bind(&task.action)
        .bind(&task.status)
        .bind(task.position)
        .bind(&task.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tasks.push(task);
    }
    let level_tag = yingji_incidents::plans::severity_tag(severity);
    let step = Step {
        kind: TimelineKind::PlanActivated,
        summary: format!(
            "启动《{}》{}，下达任务{}项",
            plan.name,
            severity.response_level_zh(),
            tasks.len()
        ),
        data: json!({"plan_id": plan.id, "level": level_tag, "task_ids": tasks.iter().map(|t| &t.id).collect::<Vec<_>>()}),
        action: "incident.plan",
        entity_id: &incident.id,
        audited: Audited::States(AuditStates::of(None, Some(&tasks))),
    };
    record_step(&state, tx, &principal, &incident, step, None, now).await?;
    Ok((StatusCode::CREATED, Json(tasks)))
}

pub async fn tasks_of(state: &IncidentsState, incident_id: &str) -> ApiResult<Vec<Task>> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM inc_tasks WHERE incident_id = $1 ORDER BY plan_id, position"
    ))
    .bind(incident_id)
    .fetch_all(&state.app.store.db().reader)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(task_of)
        .collect::<Result<_, _>>()
        .map_err(db_error)
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/tasks", tag = "incidents",
    responses((status = 200, description = "The incident's plan tasks")))]
pub async fn list_tasks(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Task>>> {
    incidents::readable(&state, &principal, &id).await?;
    Ok(Json(tasks_of(&state, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/status", tag = "incidents",
    responses((status = 200, description = "The task in its new status"), (status = 409, description = "Tasks move forward only")))]
pub async fn step_task(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(task_id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Task>> {
    require_signed_in(&principal)?;
    let raw = input::required_text("status", body.get("status"), 32)?;
    let next = TaskStatus::parse(&raw).ok_or_else(|| {
        ApiError::new("invalid_value", "status is pending, in_progress or done").field("status")
    })?;
    let db = state.app.store.db();
    let incident_id: String = sqlx::query("SELECT incident_id FROM inc_tasks WHERE id = $1")
        .bind(&task_id)
        .fetch_optional(&db.reader)
        .await
        .map_err(db_error)?
        .ok_or_else(|| ApiError::not_found(format!("task {task_id}")))?
        .try_get(0)
        .map_err(db_error)?;
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let incident = commandable(&state, &mut tx, &principal, &incident_id).await?;
    let row = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM inc_tasks WHERE id = $1"
    ))
    .bind(&task_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_error)?;
    let before = task_of(&row).map_err(db_error)?;
    let current = TaskStatus::parse(&before.status).ok_or_else(ApiError::internal)?;
    if !current.can_become(next) {
        return Err(ApiError::new(
            "wrong_state",
            format!("task is {}; it cannot become {raw}", current.tag()),
        )
        .field("status"));
    }
    sqlx::query("UPDATE inc_tasks SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(next.tag())
        .bind(yingji_domain::time::rfc3339(now))
        .bind(&task_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let after = Task {
        status: next.tag().into(),
        updated_at: yingji_domain::time::rfc3339(now),
        ..before.clone()
    };
    let step = Step {
        kind: TimelineKind::Task,
        summary: format!(
            "任务（{}）{}：{} → {}",
            after.owner,
            after.action,
            current.tag(),
            next.tag()
        ),
        data: json!({"task_id": task_id, "from": current.tag(), "to": next.tag()}),
        action: "task.status",
        entity_id: &task_id,
        audited: Audited::States(AuditStates::of(Some(&before), Some(&after))),
    };
    record_step(&state, tx, &principal, &incident, step, None, now).await?;
    Ok(Json(after))
}
