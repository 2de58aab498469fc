//! Drafting, approval (by a second person with the approver role), publication, updates
//! and cancellations of public warnings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Any, Transaction};
use yingji_cap::authoring::WarningDraft;
use yingji_cap::CapDateTime;
use yingji_domain::{Jurisdiction, Principal, Role};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::audit::{self, Change};

use crate::draft_input::{resolve, AreaInput, TextsInput, WarningInput};
use crate::storage::{db_error, MessageRow, WarningRow, MESSAGE_COLUMNS, WARNING_COLUMNS};
use crate::CapState;

/// China Standard Time: messages carry the local offset, as the national system's do.
pub fn now_cap() -> CapDateTime {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!());
    CapDateTime::new(Utc::now().with_timezone(&offset))
}

fn may_draft(principal: &Principal, towns: &std::collections::BTreeSet<String>) -> ApiResult<()> {
    require_signed_in(principal)?;
    if principal.has(Role::DutyOfficer) || principal.has(Role::Admin) {
        return Ok(());
    }
    if principal.has(Role::TownOfficer) {
        if let Jurisdiction::Town(mine) = &principal.jurisdiction {
            let mine = mine.to_string();
            if !towns.is_empty() && towns.iter().all(|t| *t == mine) {
                return Ok(());
            }
        }
        return Err(ApiError::forbidden(
            "a town officer may draft warnings only for areas inside their own town",
        ));
    }
    Err(ApiError::forbidden(
        "drafting public warnings needs the duty officer, admin or town officer role",
    ))
}

pub(crate) fn may_release(principal: &Principal) -> ApiResult<()> {
    require_signed_in(principal)?;
    if [Role::Approver, Role::DutyOfficer, Role::Admin]
        .iter()
        .any(|r| principal.has(*r))
    {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "publishing or cancelling needs the approver, duty officer or admin role",
        ))
    }
}

pub(crate) fn wrong_state(row: &WarningRow, wanted: &str) -> ApiError {
    ApiError::new(
        "wrong_state",
        format!("warning {} is {}, not {wanted}", row.id, row.state),
    )
    .field("state")
}

pub(crate) async fn load_for_update(
    state: &CapState,
    tx: &mut Transaction<'static, Any>,
    id: &str,
) -> ApiResult<WarningRow> {
    let db = state.app.store.db();
    let sql = format!(
        "SELECT {WARNING_COLUMNS} FROM cap_warnings WHERE id = $1{}",
        db.for_update()
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?
        .ok_or_else(|| ApiError::not_found(format!("public warning {id}")))?;
    WarningRow::from_row(&row).map_err(db_error)
}

pub(crate) async fn load(state: &CapState, id: &str) -> ApiResult<WarningRow> {
    let sql = format!("SELECT {WARNING_COLUMNS} FROM cap_warnings WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&state.app.store.db().reader)
        .await
        .map_err(db_error)?
        .ok_or_else(|| ApiError::not_found(format!("public warning {id}")))?;
    WarningRow::from_row(&row).map_err(db_error)
}

pub(crate) fn stored_draft(row: &WarningRow) -> ApiResult<WarningDraft> {
    serde_json::from_value(row.draft.clone()).map_err(|e| {
        tracing::error!(id = %row.id, error = %e, "stored draft unreadable");
        ApiError::internal()
    })
}

pub(crate) fn audit_change<'a>(
    actor: &'a Principal,
    action: &'a str,
    id: &'a str,
    before: Option<&WarningRow>,
    after: Option<Value>,
) -> Change<'a> {
    Change {
        actor,
        action,
        entity: "public_warning",
        entity_id: id,
        before: before.and_then(|b| serde_json::to_string(b).ok()),
        after: after.map(|a| a.to_string()),
        at: Utc::now(),
    }
}

/// Stores a new draft (optionally replacing a published warning of the same thread).
async fn insert_draft(
    state: &CapState,
    principal: &Principal,
    input: &WarningInput,
    replaces: Option<&WarningRow>,
) -> ApiResult<(StatusCode, Json<WarningRow>)> {
    let resolved = resolve(input, &state.gazetteer)?;
    may_draft(principal, &resolved.towns)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = yingji_domain::time::rfc3339(Utc::now());
    let town_code = match resolved.towns.len() {
        1 => resolved.towns.iter().next().cloned(),
        _ => None,
    };
    let draft = serde_json::to_value(&resolved.draft).map_err(|_| ApiError::internal())?;
    let row = WarningRow {
        id: id.clone(),
        thread_id: replaces.map_or_else(|| id.clone(), |r| r.thread_id.clone()),
        replaces_id: replaces.map(|r| r.id.clone()),
        town_code,
        state: "draft".into(),
        draft,
        author: principal.username.clone(),
        approver: None,
        approved_at: None,
        message_identifier: None,
        created_at: now.clone(),
        updated_at: now,
    };
    let db = state.app.store.db();
    let mut tx = db.begin_write().await?;
    if let Some(replaced) = replaces {
        // Re-read under the lock: the warning may have been cancelled meanwhile.
        let current = load_for_update(state, &mut tx, &replaced.id).await?;
        if current.state != "published" {
            return Err(wrong_state(&current, "published"));
        }
    }
    sqlx::query(&format!(
        "INSERT INTO cap_warnings ({WARNING_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
    ))
    .bind(&row.id)
    .bind(&row.thread_id)
    .bind(row.replaces_id.clone())
    .bind(row.town_code.clone())
    .bind(&row.state)
    .bind(row.draft.to_string())
    .bind(&row.author)
    .bind(None::<String>)
    .bind(None::<String>)
    .bind(None::<String>)
    .bind(&row.created_at)
    .bind(&row.updated_at)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    let after = serde_json::to_value(&row).ok();
    audit::append(
        db,
        &mut tx,
        audit_change(principal, "draft", &id, None, after),
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[utoipa::path(post, path = "/api/v1/public-warnings", tag = "public-warnings",
    request_body = WarningInput,
    responses((status = 201, description = "The stored draft"), (status = 422, description = "A field is missing or wrong; nothing stored")))]
pub async fn create(
    State(state): State<CapState>,
    Caller(principal): Caller,
    ApiJson(input): ApiJson<WarningInput>,
) -> ApiResult<(StatusCode, Json<WarningRow>)> {
    require_signed_in(&principal)?;
    insert_draft(&state, &principal, &input, None).await
}

/// A warning raised by the monitoring engine, as the monitoring API reports it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MonitoringWarning {
    /// The rule that raised it, e.g. "1 h rainfall".
    pub rule: Option<String>,
    /// blue, yellow, orange or red.
    pub level: Option<String>,
    /// 9-digit NBS code of the town the warning concerns.
    pub town_code: Option<String>,
    /// The warning's text.
    pub text: Option<String>,
    /// CAP category; default `Met`.
    pub category: Option<String>,
    /// How long the public warning stays in force; default 12 hours.
    pub valid_hours: Option<u32>,
}

#[utoipa::path(post, path = "/api/v1/public-warnings/from-warning", tag = "public-warnings",
    request_body = MonitoringWarning,
    responses((status = 201, description = "A draft built from the monitoring warning")))]
pub async fn from_warning(
    State(state): State<CapState>,
    Caller(principal): Caller,
    ApiJson(warning): ApiJson<MonitoringWarning>,
) -> ApiResult<(StatusCode, Json<WarningRow>)> {
    require_signed_in(&principal)?;
    let rule = warning
        .rule
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::new("required", "rule is required").field("rule"))?;
    let town_name = warning
        .town_code
        .as_deref()
        .and_then(|c| state.gazetteer.towns.get(c.trim()))
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let level_zh = match warning.level.as_deref() {
        Some("blue") => "蓝色",
        Some("yellow") => "黄色",
        Some("orange") => "橙色",
        Some("red") => "红色",
        _ => "",
    };
    let effective = now_cap().as_datetime();
    let expires = effective + chrono::Duration::hours(i64::from(warning.valid_hours.unwrap_or(12)));
    let input = WarningInput {
        category: Some(warning.category.unwrap_or_else(|| "Met".into())),
        level: warning.level,
        urgency: Some("Expected".into()),
        certainty: Some("Likely".into()),
        response_types: vec!["Prepare".into(), "Monitor".into()],
        zh: Some(TextsInput {
            event: Some(rule.to_string()),
            headline: Some(format!(
                "{}{}{rule}{level_zh}预警",
                state.gazetteer.county_name, town_name
            )),
            description: warning.text,
            instruction: Some(
                "请关注官方发布的最新信息，做好防范，服从当地政府和应急管理部门的指挥。".into(),
            ),
        }),
        effective: Some(effective.to_rfc3339()),
        expires: Some(expires.to_rfc3339()),
        areas: Some(vec![AreaInput {
            towns: warning.town_code.into_iter().collect(),
            ..AreaInput::default()
        }]),
        ..WarningInput::default()
    };
    insert_draft(&state, &principal, &input, None).await
}

#[utoipa::path(get, path = "/api/v1/public-warnings", tag = "public-warnings",
    responses((status = 200, description = "Warnings in the caller's jurisdiction, newest first")))]
pub async fn list(
    State(state): State<CapState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<WarningRow>>> {
    require_signed_in(&principal)?;
    let sql = format!("SELECT {WARNING_COLUMNS} FROM cap_warnings ORDER BY created_at DESC");
    let rows = sqlx::query(&sql)
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    let mut out = Vec::new();
    for row in rows {
        let row = WarningRow::from_row(&row).map_err(db_error)?;
        if visible(&principal, &row) {
            out.push(row);
        }
    }
    Ok(Json(out))
}

/// District staff see every warning; a town officer sees those of their own town and
/// county-wide ones.
fn visible(principal: &Principal, row: &WarningRow) -> bool {
    match &principal.jurisdiction {
        Jurisdiction::District => true,
        Jurisdiction::Town(mine) => row
            .town_code
            .as_deref()
            .is_none_or(|t| t == mine.to_string()),
        Jurisdiction::None => false,
    }
}

pub(crate) async fn thread_messages(
    state: &CapState,
    thread_id: &str,
) -> ApiResult<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM cap_messages WHERE thread_id = $1 ORDER BY published_at"
    );
    let rows = sqlx::query(&sql)
        .bind(thread_id)
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(MessageRow::from_row)
        .collect::<Result<_, _>>()
        .map_err(db_error)
}

#[utoipa::path(get, path = "/api/v1/public-warnings/{id}", tag = "public-warnings",
    responses((status = 200, description = "The warning and the messages of its thread")))]
pub async fn get_one(
    State(state): State<CapState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&principal)?;
    let row = load(&state, &id).await?;
    if !visible(&principal, &row) {
        return Err(ApiError::not_found(format!("public warning {id}")));
    }
    let messages = thread_messages(&state, &row.thread_id).await?;
    Ok(Json(json!({"warning": row, "messages": messages})))
}

#[utoipa::path(post, path = "/api/v1/public-warnings/{id}/update", tag = "public-warnings",
    request_body = WarningInput,
    responses((status = 201, description = "A draft that, once approved and published, updates the warning")))]
pub async fn update(
    State(state): State<CapState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<WarningInput>,
) -> ApiResult<(StatusCode, Json<WarningRow>)> {
    require_signed_in(&principal)?;
    let replaced = load(&state, &id).await?;
    if replaced.state != "published" {
        return Err(wrong_state(&replaced, "published"));
    }
    insert_draft(&state, &principal, &input, Some(&replaced)).await
}
