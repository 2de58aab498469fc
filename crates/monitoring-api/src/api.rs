//! `/api/v1/rules` (rules as data, versioned: every edit is a new version) and
//! `/api/v1/warnings` (active and recent, scoped by the town of their subject; acknowledge,
//! escalate and lift, each step with who and when, audited).

use crate::monitor::{apply_signals, insert_rule, save_warning, warning_json, Place};
use crate::MonitoringState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;
use yingji_domain::{Principal, Role};
use yingji_monitoring::drill::DRILL_PREFIX;
use yingji_monitoring::lifecycle::{Warning, WarningId};
use yingji_monitoring::{Rule, RuleId};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::audit::{append, Change};
use yingji_store::sqlx_error as sqlx;
use yingji_store::sqlx_error::Row;

pub fn router() -> Router<MonitoringState> {
    Router::new()
        .route("/api/v1/rules", get(list_rules).post(create_rule))
        .route("/api/v1/rules/{id}", put(update_rule))
        .route("/api/v1/warnings", get(list_warnings))
        .route("/api/v1/warnings/{id}/{action}", post(act))
}

#[derive(OpenApi)]
#[openapi(paths(list_rules, create_rule, update_rule, list_warnings, act))]
struct Doc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

fn check_rule_editor(p: &Principal) -> ApiResult<()> {
    require_signed_in(p)?;
    if p.has(Role::Admin) || p.has(Role::DutyOfficer) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "editing rules needs the duty_officer or admin role",
        ))
    }
}

fn parse_rule(body: Value) -> ApiResult<Rule> {
    let rule: Rule = serde_json::from_value(body)
        .map_err(|e| ApiError::new("invalid_value", format!("not a rule: {e}")).field("rule"))?;
    rule.validate()
        .map_err(|e| ApiError::new("invalid_value", e.to_string()).field("condition"))?;
    Ok(rule)
}

/// The rules in force, newest version of each.
#[utoipa::path(get, path = "/api/v1/rules", tag = "monitoring", responses((status = 200, description = "Rules in force")))]
async fn list_rules(
    State(state): State<MonitoringState>,
    Caller(p): Caller,
) -> ApiResult<Json<Value>> {
    require_signed_in(&p)?;
    let monitor = state.monitor.lock().await;
    let rules: Vec<Value> = monitor
        .engine
        .rules()
        .filter(|r| {
            let place = monitor.place(&r.id);
            p.can_read(place.public, place.town.as_ref())
        })
        .map(|r| json!(r))
        .collect();
    Ok(Json(json!({"rules": rules})))
}

/// Adds a rule at version 1.
#[utoipa::path(post, path = "/api/v1/rules", tag = "monitoring", responses((status = 201, description = "Created"), (status = 422, description = "invalid_value")))]
async fn create_rule(
    State(state): State<MonitoringState>,
    Caller(p): Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    check_rule_editor(&p)?;
    let mut rule = parse_rule(body)?;
    rule.version = 1;
    if rule.id.drill().is_some() {
        return Err(ApiError::new(
            "invalid_value",
            format!("rule ids beginning with {DRILL_PREFIX} are reserved for drills' copies"),
        )
        .field("id"));
    }
    if state.monitor.lock().await.engine.rule(&rule.id).is_some() {
        return Err(ApiError::new(
            "duplicate_id",
            format!("rule {} exists; PUT a new version", rule.id.as_str()),
        )
        .field("id"));
    }
    install(&state, &p, rule, "rule.create")
        .await
        .map(|r| (StatusCode::CREATED, Json(r)))
}

/// Replaces a rule by a new version (the stored version + 1).
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "monitoring", responses((status = 200, description = "New version"), (status = 404, description = "not_found")))]
async fn update_rule(
    State(state): State<MonitoringState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    check_rule_editor(&p)?;
    let mut rule = parse_rule(body)?;
    if rule.id.as_str() != id {
        return Err(
            ApiError::new("invalid_value", "the body's id differs from the path").field("id"),
        );
    }
    let stored = {
        let monitor = state.monitor.lock().await;
        let key = RuleId::parse(id.clone())
            .map_err(|e| ApiError::new("invalid_id", e.to_string()).field("id"))?;
        monitor.engine.rule(&key).map(|r| r.version)
    };
    rule.version = stored.ok_or_else(|| ApiError::not_found(format!("rule {id}")))? + 1;
    install(&state, &p, rule, "rule.update").await.map(Json)
}

async fn install(
    state: &MonitoringState,
    p: &Principal,
    rule: Rule,
    action: &str,
) -> ApiResult<Value> {
    let db = state.app.store.db();
    let closing = {
        let mut monitor = state.monitor.lock().await;
        let before = monitor.engine.rule(&rule.id).map(|r| json!(r).to_string());
        // Store first: a rule the store refused must not be live in the engine.
        let mut tx = db.begin_write().await?;
        insert_rule(&mut tx, &rule, &p.username).await?;
        append(
            db,
            &mut tx,
            Change {
                actor: p,
                action,
                entity: "rule",
                entity_id: rule.id.as_str(),
                before,
                after: Some(json!(rule).to_string()),
                at: Utc::now(),
            },
        )
        .await?;
        let mut trial = monitor.engine.clone();
        let closing = trial
            .upsert(rule.clone(), Utc::now())
            .map_err(|e| ApiError::new("invalid_value", e.to_string()).field("rule"))?;
        tx.commit().await.map_err(yingji_store::StoreError::from)?;
        monitor.engine = trial;
        monitor.place_rules(&state.entities_read());
        closing
    };
    if !closing.is_empty() {
        apply_signals(state, closing).await?;
    }
    Ok(json!(rule))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct WarningQuery {
    /// `open` (default: open ones and those lifted in the last 24 h) or `all`.
    state: Option<String>,
    /// Only the warnings of this drill.
    drill: Option<String>,
}

/// Warnings the caller's jurisdiction may see, newest first.
#[utoipa::path(get, path = "/api/v1/warnings", tag = "monitoring", params(WarningQuery), responses((status = 200, description = "Warnings")))]
async fn list_warnings(
    State(state): State<MonitoringState>,
    Caller(p): Caller,
    Query(q): Query<WarningQuery>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&p)?;
    let since = yingji_domain::time::rfc3339(Utc::now() - chrono::Duration::hours(24));
    let which = match q.state.as_deref() {
        None => "(state <> 'lifted' OR updated_at >= $1)",
        Some("open") => "state <> 'lifted' AND updated_at <> $1",
        Some("all") => "updated_at <> $1",
        Some(other) => {
            return Err(ApiError::new(
                "invalid_query",
                format!("state must be open or all, got {other:?}"),
            )
            .field("state"))
        }
    };
    if let Some(drill) = &q.drill {
        if !drill.starts_with(DRILL_PREFIX) {
            return Err(ApiError::new(
                "invalid_query",
                format!("a drill id begins with {DRILL_PREFIX}, got {drill:?}"),
            )
            .field("drill"));
        }
    }
    let of_drill = if q.drill.is_some() {
        " AND drill = $2"
    } else {
        ""
    };
    let sql = format!("SELECT body, town_code, public FROM mon_warnings WHERE {which}{of_drill} ORDER BY id DESC LIMIT 1000");
    let mut query = sqlx::query(&sql).bind(since);
    if let Some(drill) = q.drill {
        query = query.bind(drill);
    }
    let rows = query
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(yingji_store::StoreError::from)?;
    let mut out = Vec::new();
    let entities = state.entities_read();
    for row in rows {
        let body: String = row.try_get(0).map_err(yingji_store::StoreError::from)?;
        let town: Option<String> = row.try_get(1).map_err(yingji_store::StoreError::from)?;
        let public: i64 = row.try_get(2).map_err(yingji_store::StoreError::from)?;
        let town = town.and_then(|t| yingji_domain::TownCode::parse("town_code", &t).ok());
        if !p.can_read(public != 0, town.as_ref()) {
            continue;
        }
        let warning: Warning = serde_json::from_str(&body).map_err(|_| ApiError::internal())?;
        let place = Place::stored(town, public != 0, &warning.subject, &entities);
        out.push(warning_json(&warning, &place));
    }
    Ok(Json(json!({"warnings": out})))
}

/// `acknowledge`, `escalate` (ask the next level now; only while an acknowledgement is owed) or `lift`.
#[utoipa::path(post, path = "/api/v1/warnings/{id}/{action}", tag = "monitoring", responses((status = 200, description = "The warning after the step"), (status = 409, description = "invalid_transition")))]
async fn act(
    State(state): State<MonitoringState>,
    Caller(p): Caller,
    Path((id, action)): Path<(u64, String)>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&p)?;
    let id = WarningId(id);
    let now = Utc::now();
    let mut monitor = state.monitor.lock().await;
    let warning = monitor
        .book
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("open warning {id}")))?;
    let place = monitor.place(&warning.rule);
    if !p.can_read(place.public, place.town.as_ref()) {
        return Err(ApiError::not_found(format!("open warning {id}")));
    }
    let allowed = p.has(Role::Admin)
        || p.has(Role::DutyOfficer)
        || (p.has(Role::TownOfficer) && p.can_write(place.town.as_ref()));
    if !allowed {
        return Err(ApiError::forbidden("acting on warnings needs the duty_officer or admin role, or a town officer of its town"));
    }
    let mut trial = monitor.book.clone();
    let outcome = match action.as_str() {
        "acknowledge" => trial
            .acknowledge(id, &p.username, now)
            .map(|_| trial.get(id).cloned()),
        "escalate" => trial
            .escalate_overdue(id, now)
            .map(|_| trial.get(id).cloned()),
        "lift" => trial.lift(id, &p.username, now).map(Some),
        other => return Err(ApiError::not_found(format!("warning action {other}"))),
    };
    let after = outcome
        .map_err(|e| ApiError::new("invalid_transition", e.to_string()))?
        .ok_or_else(ApiError::internal)?;
    let db = state.app.store.db();
    let mut tx = db.begin_write().await?;
    save_warning(
        db,
        &mut tx,
        &after,
        &place,
        &p,
        &format!("warning.{action}"),
    )
    .await?;
    tx.commit().await.map_err(yingji_store::StoreError::from)?;
    monitor.book = trial;
    drop(monitor);
    let data = warning_json(&after, &place);
    state
        .app
        .events
        .publish("warning", place.town, place.public, data.clone());
    Ok(Json(data))
}
