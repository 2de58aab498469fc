//! Dispatch: rank the available teams of a type by road travel time to an incident, issue
//! orders and walk them through their lifecycle; teams report position and status.

use crate::access::{may_command, may_read};
use crate::incidents::{self, audit_change, commandable, db_error, AuditStates};
use crate::timeline::{record_step, Audited, Step};
use crate::{input, IncidentsState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use yingji_domain::incident::TimelineKind;
use yingji_domain::{Record, RecordId, RecordKind, TownCode};
use yingji_incidents::OrderStatus;
use yingji_routing_api::yingji_routing::{self, RouteAnswer};
use yingji_routing_api::RoutingService;
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::sqlx_error::{self as sqlx, Row};

pub fn router() -> Router<IncidentsState> {
    Router::new()
        .route("/api/v1/incidents/{id}/dispatch", get(candidates))
        .route(
            "/api/v1/incidents/{id}/orders",
            get(list_orders).post(create_order),
        )
        .route("/api/v1/orders/{id}/status", post(step_order))
        .route("/api/v1/teams/{id}/position", post(report_position))
}

/// The server's one routing service, shared with `/api/v1/routing`: dispatch ranks teams
/// on the same prepared graph and honours the same closures, the moment they are made.
async fn routing(state: &IncidentsState) -> ApiResult<RoutingService> {
    RoutingService::shared(&state.app).await.map_err(|e| {
        tracing::error!(error = %e, "road graph");
        ApiError::new("unavailable", "the road graph could not be prepared")
    })
}

/// A team as dispatch sees it: the registry record, with its latest reported position
/// and status.
#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub team_type: String,
    pub members: i64,
    pub status: String,
    pub town_code: Option<TownCode>,
    pub position: Option<[f64; 2]>,
}

async fn teams(state: &IncidentsState) -> ApiResult<Vec<Team>> {
    let records = state
        .app
        .store
        .list_records(&yingji_store::RecordFilter::all(RecordKind::Team))
        .await?;
    let rows = sqlx::query("SELECT team_id, lon, lat, status FROM inc_team_positions")
        .fetch_all(&state.app.store.db().reader)
        .await
        .map_err(db_error)?;
    let mut reported = HashMap::new();
    for row in rows {
        let id: String = row.try_get(0).map_err(db_error)?;
        let at: [f64; 2] = [
            row.try_get(1).map_err(db_error)?,
            row.try_get(2).map_err(db_error)?,
        ];
        let status: String = row.try_get(3).map_err(db_error)?;
        reported.insert(id, (at, status));
    }
    Ok(records
        .iter()
        .map(|r| team_of(r, reported.get(r.id.as_str())))
        .collect())
}

fn team_of(record: &Record, reported: Option<&([f64; 2], String)>) -> Team {
    let text = |key: &str| {
        record
            .properties
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let anchor = record.anchor().map(|a| [a.lon, a.lat]);
    Team {
        id: record.id.to_string(),
        name: text("name"),
        team_type: text("team_type"),
        members: record
            .properties
            .get("members")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        status: reported
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| match text("status") {
                s if s.is_empty() => "available".into(),
                s => s,
            }),
        town_code: record.town_code.clone(),
        position: reported.map(|(at, _)| *at).or(anchor),
    }
}

async fn busy_teams(state: &IncidentsState) -> ApiResult<HashSet<String>> {
    let rows = sqlx::query(
        "SELECT team_id FROM inc_orders WHERE status NOT IN ('completed', 'cancelled')",
    )
    .fetch_all(&state.app.store.db().reader)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(db_error))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct CandidateQuery {
    pub team_type: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Candidate {
    pub team: Team,
    pub travel_time_s: f64,
    pub distance_m: f64,
    /// The route from the team to the incident, a GeoJSON Feature (LineString).
    pub route: Value,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/dispatch", tag = "incidents",
    params(("team_type" = Option<String>, Query, description = "fire, forest, militia, professional, social")),
    responses((status = 200, description = "Available teams ranked by road travel time, with routes")))]
pub async fn candidates(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    Query(query): Query<CandidateQuery>,
) -> ApiResult<Json<Vec<Candidate>>> {
    let incident = incidents::readable(&state, &principal, &id).await?;
    may_command(&principal, &incident.town_code)?;
    let busy = busy_teams(&state).await?;
    let free: Vec<Team> = teams(&state)
        .await?
        .into_iter()
        .filter(|t| t.status == "available" && !busy.contains(&t.id) && t.position.is_some())
        .filter(|t| {
            query
                .team_type
                .as_deref()
                .is_none_or(|wanted| t.team_type == wanted)
        })
        .collect();
    let routing = routing(&state).await?;
    let overlay = routing.overlay_at(Utc::now()).await?;
    let destination = yingji_routing::LonLat::new(incident.location[0], incident.location[1])
        .map_err(|_| ApiError::internal())?;
    let mut ranked = Vec::new();
    for team in free {
        let Some([lon, lat]) = team.position else {
            continue;
        };
        let Ok(origin) = yingji_routing::LonLat::new(lon, lat) else {
            continue;
        };
        // A team too far from any road cannot be routed; it is left out rather than failing all.
        if let Ok(RouteAnswer::Found(route)) = routing.router.route(origin, destination, &overlay) {
            ranked.push(Candidate {
                travel_time_s: route.travel_time_s,
                distance_m: route.distance_m,
                route: serde_json::to_value(route.to_geojson()).unwrap_or(Value::Null),
                team,
            });
        }
    }
    ranked.sort_by(|a, b| a.travel_time_s.total_cmp(&b.travel_time_s));
    Ok(Json(ranked))
}

#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: String,
    pub incident_id: String,
    pub team_id: String,
    pub status: String,
    pub travel_time_s: Option<f64>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const ORDER_COLUMNS: &str =
    "id, incident_id, team_id, status, travel_seconds, created_by, created_at, updated_at";

fn order_of(row: &yingji_store::sqlx_error::any::AnyRow) -> Result<Order, sqlx::Error> {
    Ok(Order {
        id: row.try_get(0)?,
        incident_id: row.try_get(1)?,
        team_id: row.try_get(2)?,
        status: row.try_get(3)?,
        travel_time_s: row.try_get(4)?,
        created_by: row.try_get(5)?,
        created_at: row.try_get(6)?,
        updated_at: row.try_get(7)?,
    })
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/orders", tag = "incidents",
    responses((status = 200, description = "The incident's orders, oldest first")))]
pub async fn list_orders(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Order>>> {
    incidents::readable(&state, &principal, &id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM inc_orders WHERE incident_id = $1 ORDER BY created_at, id"
    ))
    .bind(&id)
    .fetch_all(&state.app.store.db().reader)
    .await
    .map_err(db_error)?;
    Ok(Json(
        rows.iter()
            .map(order_of)
            .collect::<Result<_, _>>()
            .map_err(db_error)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/orders", tag = "incidents",
    responses((status = 201, description = "The order, proposed (or sent with \"send\": true)"),
        (status = 409, description = "The team is on another active order"),
        (status = 422, description = "Unknown team, or not of the needed type")))]
pub async fn create_order(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    require_signed_in(&principal)?;
    let team_id = input::required_text("team_id", body.get("team_id"), 64)?;
    let needed = input::text("team_type", body.get("team_type"), 32)?;
    let send = input::flag("send", body.get("send"))?;
    let travel_time_s = body.get("travel_time_s").and_then(Value::as_f64);
    let team_record_id = RecordId::parse("team_id", &team_id)?;
    let record = state
        .app
        .store
        .get_record(RecordKind::Team, team_record_id.as_str())
        .await
        .map_err(|_| {
            ApiError::new("invalid_value", format!("no team {team_id}")).field("team_id")
        })?;
    let team = team_of(&record, None);
    if let Some(needed) = needed.as_deref().filter(|n| *n != team.team_type) {
        return Err(ApiError::new(
            "invalid_value",
            format!(
                "team {team_id} is a {} team; this order needs a {needed} team",
                team.team_type
            ),
        )
        .field("team_id"));
    }
    let db = state.app.store.db();
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let incident = commandable(&state, &mut tx, &principal, &id).await?;
    let active = sqlx::query(
        "SELECT id FROM inc_orders WHERE team_id = $1 AND status NOT IN ('completed', 'cancelled')",
    )
    .bind(&team_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error)?;
    if let Some(row) = active {
        let other: String = row.try_get(0).map_err(db_error)?;
        return Err(ApiError::new(
            "wrong_state",
            format!("team {team_id} is busy on order {other}"),
        )
        .field("team_id"));
    }
    let status = if send {
        OrderStatus::Sent
    } else {
        OrderStatus::Proposed
    };
    let order = Order {
        id: crate::new_id("ord"),
        incident_id: incident.id.clone(),
        team_id: team_id.clone(),
        status: status.tag().into(),
        travel_time_s,
        created_by: principal.username.clone(),
        created_at: yingji_domain::time::rfc3339(now),
        updated_at: yingji_domain::time::rfc3339(now),
    };
    sqlx::query(&format!(
        "INSERT INTO inc_orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&order.id)
    .bind(&order.incident_id)
    .bind(&order.team_id)
    .bind(&order.status)
    .bind(order.travel_time_s)
    .bind(&order.created_by)
    .bind(&order.created_at)
    .bind(&order.updated_at)
    .execute(&mut *tx)
    .await
    // The unique index on active orders catches a concurrent order for the same team.
    .map_err(|_| {
        ApiError::new(
            "wrong_state",
            format!("team {team_id} is busy on another order"),
        )
        .field("team_id")
    })?;
    let step = Step {
        kind: TimelineKind::Order,
        summary: format!(
            "调派{}（{}人）：{}",
            team.name,
            team.members,
            status.name_zh()
        ),
        data: json!({"order_id": order.id, "team_id": team_id, "status": order.status}),
        action: "order.create",
        entity_id: &order.id,
        audited: Audited::States(AuditStates::of(None, Some(&order))),
    };
    let event = ("order", serde_json::to_value(&order).unwrap_or(Value::Null));
    record_step(&state, tx, &principal, &incident, step, Some(event), now).await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/status", tag = "incidents",
    responses((status = 200, description = "The order in its new status"), (status = 409, description = "The step is out of order")))]
pub async fn step_order(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(order_id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Order>> {
    require_signed_in(&principal)?;
    let raw = input::required_text("status", body.get("status"), 32)?;
    let next = OrderStatus::parse(&raw)
        .map_err(|e| ApiError::new("invalid_value", e.to_string()).field("status"))?;
    let db = state.app.store.db();
    let now = Utc::now();
    let incident_id: String = sqlx::query("SELECT incident_id FROM inc_orders WHERE id = $1")
        .bind(&order_id)
        .fetch_optional(&db.reader)
        .await
        .map_err(db_error)?
        .ok_or_else(|| ApiError::not_found(format!("order {order_id}")))?
        .try_get(0)
        .map_err(db_error)?;
    let mut tx = db.begin_write().await?;
    // The incident row lock serializes steps of its orders.
    let incident = commandable(&state, &mut tx, &principal, &incident_id).await?;
    let row = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM inc_orders WHERE id = $1"
    ))
    .bind(&order_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_error)?;
    let before = order_of(&row).map_err(db_error)?;
    let current = OrderStatus::parse(&before.status).map_err(|_| ApiError::internal())?;
    current
        .step(next)
        .map_err(|e| ApiError::new("wrong_state", e.to_string()).field("status"))?;
    sqlx::query("UPDATE inc_orders SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(next.tag())
        .bind(yingji_domain::time::rfc3339(now))
        .bind(&order_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let after = Order {
        status: next.tag().into(),
        updated_at: yingji_domain::time::rfc3339(now),
        ..before.clone()
    };
    let step = Step {
        kind: TimelineKind::Order,
        summary: format!(
            "指令 {}（队伍 {}）：{} → {}",
            order_id,
            after.team_id,
            current.name_zh(),
            next.name_zh()
        ),
        data: json!({"order_id": order_id, "from": current.tag(), "to": next.tag()}),
        action: "order.status",
        entity_id: &order_id,
        audited: Audited::States(AuditStates::of(Some(&before), Some(&after))),
    };
    let event = ("order", serde_json::to_value(&after).unwrap_or(Value::Null));
    record_step(&state, tx, &principal, &incident, step, Some(event), now).await?;
    Ok(Json(after))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/position", tag = "incidents",
    responses((status = 200, description = "The team with its new position and status")))]
pub async fn report_position(
    State(state): State<IncidentsState>,
    Caller(principal): Caller,
    Path(team_id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Team>> {
    require_signed_in(&principal)?;
    let record_id = RecordId::parse("id", &team_id)?;
    let record = state
        .app
        .store
        .get_record(RecordKind::Team, record_id.as_str())
        .await
        .map_err(|_| ApiError::not_found(format!("team {team_id}")))?;
    if let Some(town) = &record.town_code {
        may_read(&principal, town, &format!("team {team_id}"))?;
        may_command(&principal, town)?;
    } else {
        may_command(
            &principal,
            &TownCode::parse("", "000000000").map_err(|_| ApiError::internal())?,
        )?;
    }
    let at = input::location("location", body.get("location"), &state.app.registry.county)?;
    let current = team_of(&record, None);
    let status = input::text("status", body.get("status"), 16)?.unwrap_or(current.status.clone());
    if !["available", "busy", "off_duty"].contains(&status.as_str()) {
        return Err(
            ApiError::new("invalid_value", "status is available, busy or off_duty").field("status"),
        );
    }
    let db = state.app.store.db();
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM inc_team_positions WHERE team_id = $1")
        .bind(&team_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    sqlx::query("INSERT INTO inc_team_positions (team_id, lon, lat, status, at, reported_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&team_id)
        .bind(at.lon)
        .bind(at.lat)
        .bind(&status)
        .bind(yingji_domain::time::rfc3339(now))
        .bind(&principal.username)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let team = team_of(&record, Some(&([at.lon, at.lat], status)));
    audit_change(
        db,
        &mut tx,
        &principal,
        "team.position",
        &team_id,
        (Some(&current), Some(&team)),
        now,
    )
    .await?;
    tx.commit().await.map_err(db_error)?;
    state.app.events.publish(
        "team",
        team.town_code.clone(),
        false,
        serde_json::to_value(&team).unwrap_or(Value::Null),
    );
    Ok(Json(team))
}
