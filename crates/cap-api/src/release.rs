//! Approval by a second person with the approver role, publication as CAP, and
//! cancellation. Every step is one write transaction with its audit entry.

use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Any, Row, Transaction};
use yingji_cap::authoring::{self, ApprovedWarning, Publication, Published};
use yingji_cap::model::{MessageRef, MsgType, Status};
use yingji_cap::CapDateTime;
use yingji_domain::{Principal, Role};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::audit::{self};

use crate::storage::{db_error, WarningRow, MESSAGE_COLUMNS};
use crate::CapState;

use crate::warnings::{
    audit_change, load_for_update, may_release, now_cap, stored_draft, wrong_state,
};

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
    let step = ReleaseStep {
        action: "publish",
        event: "public_warning.published",
    };
    commit_release(&state, tx, &principal, step, &before, &summary).await?;
    crate::delivery::spawn(&state, deliveries);
    Ok(Json(json!({
        "warning_id": id,
        "identifier": published.alert.identifier,
        "msg_type": published.alert.msg_type.as_str(),
        "xml": published.xml,
    })))
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
    let step = ReleaseStep {
        action: "cancel",
        event: "public_warning.cancelled",
    };
    commit_release(&state, tx, &principal, step, &before, &summary).await?;
    Ok(Json(json!({
        "warning_id": id,
        "identifier": published.alert.identifier,
        "msg_type": "Cancel",
        "xml": published.xml,
    })))
}

/// A publication step as the audit log and live clients name it.
struct ReleaseStep {
    action: &'static str,
    event: &'static str,
}

/// Audits a publication step in its transaction and commits; live clients hear of it only
/// once it is durable.
async fn commit_release(
    state: &CapState,
    mut tx: Transaction<'static, Any>,
    principal: &Principal,
    step: ReleaseStep,
    before: &WarningRow,
    summary: &Value,
) -> ApiResult<()> {
    let change = audit_change(
        principal,
        step.action,
        &before.id,
        Some(before),
        Some(summary.clone()),
    );
    audit::append(state.app.store.db(), &mut tx, change).await?;
    tx.commit().await.map_err(db_error)?;
    state
        .app
        .events
        .publish(step.event, None, true, summary.clone());
    Ok(())
}
