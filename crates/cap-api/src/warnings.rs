//! Drafting, approval (by a second person with the approver role), publication, updates
//! and cancellations of public warnings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{FixedOffset, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Any, Row, Transaction};
use yingji_cap::authoring::{self, ApprovedWarning, Publication, Published, WarningDraft};
use yingji_cap::model::{MessageRef, MsgType, Status};
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

fn may_release(principal: &Principal) -> ApiResult<()> {
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

fn wrong_state(row: &WarningRow, wanted: &str) -> ApiError {
    ApiError::new(
        "wrong_state",
        format!("warning {} is {}, not {wanted}", row.id, row.state),
    )
    .field("state")
}

async fn load_for_update(
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

fn stored_draft(row: &WarningRow) -> ApiResult<WarningDraft> {
    serde_json::from_value(row.draft.clone()).map_err(|e| {
        tracing::error!(id = %row.id, error = %e, "stored draft unreadable");
        ApiError::internal()
    })
}

fn audit_change<'a>(
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

#[utoipa::path(post, path = "/api/v1/public-warnings/{id}/approve", tag = "public-warnings",
    responses((status = 200, description = "Approved"), (status = 403, description = "Not an approver, or the author (self_approval)")))]
pub async fn approve(
    State(state): State<CapState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WarningRow>> {
    require_signed_in(&principal)?;
    if !principal.has(Role::Approver) {
        return Err(ApiError::forbidden("approving needs the approver role"));
    }
    let db = state.app.store.db();
    let mut tx = db.begin_write().await?;
    let before = load_for_update(&state, &mut tx, &id).await?;
    if before.author == principal.username {
        return Err(ApiError::new(
            "self_approval",
            "the author of a warning cannot approve it; a second person must",
        ));
    }
    if before.state != "draft" {
        return Err(wrong_state(&before, "draft"));
    }
    let approved_at = now_cap();
    stored_draft(&before)?
        .approve(principal.username.clone(), approved_at)
        .map_err(|errors| {
            let first = errors.first().map(|e| (e.field.clone(), e.reason.clone()));
            let (field, reason) = first.unwrap_or_default();
            ApiError::new("invalid_value", reason).field(field)
        })?;
    let now = yingji_domain::time::rfc3339(Utc::now());
    sqlx::query(
        "UPDATE cap_warnings SET state = 'approved', approver = $1, approved_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&principal.username)
    .bind(approved_at.to_string())
    .bind(&now)
    .bind(&id)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    let after = WarningRow {
        state: "approved".into(),
        approver: Some(principal.username.clone()),
        approved_at: Some(approved_at.to_string()),
        updated_at: now,
        ..before.clone()
    };
    let change = audit_change(
        &principal,
        "approve",
        &id,
        Some(&before),
        serde_json::to_value(&after).ok(),
    );
    audit::append(db, &mut tx, change).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(Json(after))
}

/// References to every message already published in a thread (what an Update or a
/// Cancel replaces).
async fn thread_refs(
    tx: &mut Transaction<'static, Any>,
    thread_id: &str,
) -> ApiResult<Vec<MessageRef>> {
    let rows = sqlx::query(
        "SELECT sender, identifier, sent FROM cap_messages WHERE thread_id = $1 ORDER BY published_at",
    )
    .bind(thread_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(db_error)?;
    let mut refs = Vec::new();
    for row in rows {
        let sent: String = row.try_get(2).map_err(db_error)?;
        refs.push(MessageRef {
            sender: row.try_get(0).map_err(db_error)?,
            identifier: row.try_get(1).map_err(db_error)?,
            sent: CapDateTime::parse(&sent).map_err(|_| ApiError::internal())?,
        });
    }
    Ok(refs)
}

async fn next_sequence(tx: &mut Transaction<'static, Any>) -> ApiResult<u32> {
    let row = sqlx::query("SELECT COUNT(*) FROM cap_messages")
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)?;
    let count: i64 = row.try_get(0).map_err(db_error)?;
    Ok(u32::try_from(count % 10_000).unwrap_or(0) + 1)
}

/// Stores a published message exactly as published.
async fn insert_message(
    tx: &mut Transaction<'static, Any>,
    published: &Published,
    warning: &WarningRow,
    principal: &Principal,
) -> ApiResult<()> {
    let alert = &published.alert;
    let info = alert.infos.first();
    let expires = alert
        .infos
        .iter()
        .filter_map(|i| i.expires)
        .max()
        .map(|e| yingji_domain::time::rfc3339(e.as_datetime().with_timezone(&Utc)));
    sqlx::query(&format!(
        "INSERT INTO cap_messages ({MESSAGE_COLUMNS}, xml) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
    ))
    .bind(&alert.identifier)
    .bind(&warning.id)
    .bind(&warning.thread_id)
    .bind(&alert.sender)
    .bind(alert.sent.to_string())
    .bind(alert.msg_type.as_str())
    .bind(info.and_then(|i| i.headline.clone()))
    .bind(expires)
    .bind(&principal.username)
    .bind(yingji_domain::time::rfc3339(Utc::now()))
    .bind(&published.xml)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

fn publish_failed(e: authoring::PublishError) -> ApiError {
    // Our own message failed the library's validation: a server fault, not the client's.
    tracing::error!(error = %e, "publishing produced an invalid CAP message");
    ApiError::internal()
}

async fn set_state(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    new_state: &str,
    message: Option<&str>,
) -> ApiResult<()> {
    sqlx::query(
        "UPDATE cap_warnings SET state = $1, message_identifier = COALESCE($2, message_identifier), updated_at = $3 WHERE id = $4",
    )
    .bind(new_state)
    .bind(message.map(str::to_string))
    .bind(yingji_domain::time::rfc3339(Utc::now()))
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/public-warnings/{id}/publish", tag = "public-warnings",
    responses((status = 200, description = "Published; delivery runs in the background"), (status = 409, description = "Not approved (wrong_state)")))]
pub async fn publish(
    State(state): State<CapState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    may_release(&principal)?;
    let db = state.app.store.db();
    let mut tx = db.begin_write().await?;
    let before = load_for_update(&state, &mut tx, &id).await?;
    if before.state != "approved" {
        return Err(wrong_state(&before, "approved"));
    }
    let approved = ApprovedWarning {
        draft: stored_draft(&before)?,
        approved_by: before.approver.clone().unwrap_or_default(),
        approved_at: before
            .approved_at
            .as_deref()
            .and_then(|t| CapDateTime::parse(t).ok())
            .unwrap_or_else(now_cap),
    };
    let publication = match &before.replaces_id {
        None => Publication::Alert,
        Some(replaced_id) => {
            let replaced = load_for_update(&state, &mut tx, replaced_id).await?;
            if replaced.state != "published" {
                return Err(wrong_state(
                    &replaced,
                    "published (the warning this updates)",
                ));
            }
            set_state(&mut tx, replaced_id, "superseded", None).await?;
            Publication::Update {
                replaces: thread_refs(&mut tx, &before.thread_id).await?,
            }
        }
    };
    let sequence = next_sequence(&mut tx).await?;
    let published = approved
        .publish(
            &state.issuer,
            publication,
            Status::Actual,
            now_cap(),
            sequence,
        )
        .map_err(publish_failed)?;
    insert_message(&mut tx, &published, &before, &principal).await?;
    set_state(&mut tx, &id, "published", Some(&published.alert.identifier)).await?;
    let deliveries = crate::delivery::enqueue(&state, &mut tx, &id, &published)
        .await
        .map_err(db_error)?;
    let summary = json!({
        "identifier": published.alert.identifier,
        "msg_type": published.alert.msg_type.as_str(),
        "warning_id": id,
    });
    audit::append(
        db,
        &mut tx,
        audit_change(
            &principal,
            "publish",
            &id,
            Some(&before),
            Some(summary.clone()),
        ),
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    state
        .app
        .events
        .publish("public_warning.published", None, true, summary.clone());
    crate::delivery::spawn(&state, deliveries);
    Ok(Json(json!({
        "warning_id": id,
        "identifier": published.alert.identifier,
        "msg_type": published.alert.msg_type.as_str(),
        "xml": published.xml,
    })))
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelRequest {
    /// Why the warning is withdrawn (put in the Cancel message's `<note>`).
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/public-warnings/{id}/cancel", tag = "public-warnings",
    request_body = CancelRequest,
    responses((status = 200, description = "A Cancel message referencing every message of the warning was published")))]
pub async fn cancel(
    State(state): State<CapState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CancelRequest>,
) -> ApiResult<Json<Value>> {
    may_release(&principal)?;
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::new("required", "reason is required").field("reason"))?;
    let db = state.app.store.db();
    let mut tx = db.begin_write().await?;
    let before = load_for_update(&state, &mut tx, &id).await?;
    if before.state != "published" {
        return Err(wrong_state(&before, "published"));
    }
    let replaces = thread_refs(&mut tx, &before.thread_id).await?;
    let sequence = next_sequence(&mut tx).await?;
    let published = authoring::cancel(
        &state.issuer,
        replaces,
        reason,
        Status::Actual,
        now_cap(),
        sequence,
    )
    .map_err(publish_failed)?;
    debug_assert_eq!(published.alert.msg_type, MsgType::Cancel);
    insert_message(&mut tx, &published, &before, &principal).await?;
    set_state(&mut tx, &id, "cancelled", None).await?;
    let summary = json!({
        "identifier": published.alert.identifier,
        "msg_type": "Cancel",
        "warning_id": id,
        "reason": reason,
    });
    audit::append(
        db,
        &mut tx,
        audit_change(
            &principal,
            "cancel",
            &id,
            Some(&before),
            Some(summary.clone()),
        ),
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    state
        .app
        .events
        .publish("public_warning.cancelled", None, true, summary);
    Ok(Json(json!({
        "warning_id": id,
        "identifier": published.alert.identifier,
        "msg_type": "Cancel",
        "xml": published.xml,
    })))
}
