//! OGC SensorThings API 1.1 under `/sta/v1.1`: create and read of Things, Locations, Sensors,
//! ObservedProperties, Datastreams, Observations and FeaturesOfInterest, navigation paths,
//! query options, and `CreateObservations` for gateways.

pub mod create;
pub mod model;
pub mod observations;
pub mod query;
pub mod read;

use crate::{MonitoringState, Shared};
use axum::extract::{Path, Query, State};
use axum::http::header::{HOST, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use model::{Entity, Kind};
use serde_json::{json, Value};
use yingji_domain::{Principal, Role};
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_store::audit::{append, Change};

pub const PREFIX: &str = "/sta/v1.1";

pub fn router() -> Router<MonitoringState> {
    Router::new()
        .route(PREFIX, get(root))
        .route(&format!("{PREFIX}/"), get(root))
        .route(&format!("{PREFIX}/{{*path}}"), get(read).post(create))
}

/// The absolute service URL for links: the configured public URL, else the request's host.
fn base(shared: &Shared, headers: &HeaderMap) -> String {
    match &shared.app.options.public_url {
        Some(url) => format!("{}{PREFIX}", url.trim_end_matches('/')),
        None => {
            let host = headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{PREFIX}")
        }
    }
}

async fn root(State(state): State<MonitoringState>, headers: HeaderMap) -> Json<Value> {
    let base = base(&state, &headers);
    let sets: Vec<Value> = [
        Kind::Thing,
        Kind::Location,
        Kind::Sensor,
        Kind::ObservedProperty,
        Kind::Datastream,
        Kind::Observation,
        Kind::FeatureOfInterest,
    ]
    .iter()
    .map(|k| json!({"name": k.set(), "url": format!("{base}/{}", k.set())}))
    .collect();
    Json(json!({
        "value": sets,
        "serverSettings": {"conformance": [
            "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete/create-entity",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array"
        ]}
    }))
}

async fn read(
    State(state): State<MonitoringState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(path): Path<String>,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(pairs) = query.map_err(|e| ApiError::new("invalid_query", e.body_text()))?;
    let options = query::Options::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| ApiError::new("invalid_query", e.0))?;
    let reader = read::Reader {
        shared: &state,
        principal: &principal,
        base: base(&state, &headers),
    };
    let target = reader.resolve(&read::parse_path(&path)?).await?;
    Ok(Json(reader.read(target, &options, &path, &pairs).await?))
}

/// Roles that may create sensors and feed observations.
pub fn may_feed(principal: &Principal) -> bool {
    [Role::SensorFeeder, Role::Admin, Role::DutyOfficer]
        .iter()
        .any(|r| principal.has(*r))
}

fn check_feeder(principal: &Principal) -> ApiResult<()> {
    require_signed_in(principal)?;
    if may_feed(principal) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "creating SensorThings entities needs the sensor_feeder, duty_officer or admin role",
        ))
    }
}

async fn create(
    State(state): State<MonitoringState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(path): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    check_feeder(&principal)?;
    let base = base(&state, &headers);
    let segments = read::parse_path(&path)?;
    let now = Utc::now();
    match segments.as_slice() {
        [one] if one.name == "CreateObservations" && one.id.is_none() => {
            let rows = {
                let entities = state.entities_read();
                observations::from_batch(&entities, &body, now)?
            };
            let ids = state.ingest.submit(rows).await.map_err(|e| {
                tracing::error!(error = %e, "batch not stored");
                ApiError::new("unavailable", "the observations could not be stored; retry")
            })?;
            let links: Vec<String> = ids
                .iter()
                .map(|id| format!("{base}/Observations({id})"))
                .collect();
            Ok((StatusCode::CREATED, Json(links)).into_response())
        }
        [one] if one.name == "Observations" && one.id.is_none() => {
            post_observation(&state, &base, &body, None).await
        }
        [ds, obs]
            if ds.name == "Datastreams"
                && ds.id.is_some()
                && obs.name == "Observations"
                && obs.id.is_none() =>
        {
            post_observation(&state, &base, &body, ds.id).await
        }
        [one] if one.id.is_none() => {
            let kind = Kind::from_set(&one.name)
                .ok_or_else(|| ApiError::not_found(format!("entity set {}", one.name)))?;
            let id = create_entities(&state, &principal, kind, &body).await?;
            let reader = read::Reader {
                shared: &state,
                principal: &principal,
                base: base.clone(),
            };
            let value = reader
                .read(
                    read::Target::Entity(kind, id),
                    &query::Options::default(),
                    &path,
                    &[],
                )
                .await?;
            let location = format!("{base}/{}({id})", kind.set());
            Ok((StatusCode::CREATED, [(LOCATION, location)], Json(value)).into_response())
        }
        _ => Err(ApiError::not_found(format!(
            "a collection to create in at {path}"
        ))),
    }
}

async fn post_observation(
    state: &Shared,
    base: &str,
    body: &Value,
    datastream: Option<i64>,
) -> ApiResult<Response> {
    let row = {
        let entities = state.entities_read();
        observations::from_entity(&entities, body, datastream, Utc::now(), "")?
    };
    let ids = state.ingest.submit(vec![row]).await.map_err(|e| {
        tracing::error!(error = %e, "observation not stored");
        ApiError::new("unavailable", "the observation could not be stored; retry")
    })?;
    let id = ids.first().copied().ok_or_else(ApiError::internal)?;
    let o = row.observation;
    let value = observations::render(base, id, o.phenomenon_time(), o.result(), row.result_time);
    let location = format!("{base}/Observations({id})");
    Ok((StatusCode::CREATED, [(LOCATION, location)], Json(value)).into_response())
}

/// Plans, stores (with an audit entry) and caches the entities of one create request.
pub async fn create_entities(
    shared: &Shared,
    principal: &Principal,
    kind: Kind,
    body: &Value,
) -> ApiResult<i64> {
    if kind == Kind::Observation {
        return Err(ApiError::not_found("entity set"));
    }
    let (id, new) = {
        let mut entities = shared.entities_write();
        let mut plan = create::Plan {
            entities: &mut entities,
            towns: &shared.towns,
            new: Vec::new(),
        };
        let id = plan.entity(kind, body, kind.single(), None)?;
        (id, plan.new)
    };
    store_entities(shared, principal, kind, id, &new).await?;
    let mut entities = shared.entities_write();
    for e in new {
        entities.insert(e);
    }
    Ok(id)
}

pub async fn store_entities(
    shared: &Shared,
    principal: &Principal,
    kind: Kind,
    id: i64,
    new: &[Entity],
) -> ApiResult<()> {
    let db = shared.app.store.db();
    let mut tx = db.begin_write().await?;
    for e in new {
        let body = serde_json::to_string(e).map_err(|_| ApiError::internal())?;
        yingji_store::sqlx_error::query(
            "INSERT INTO sta_entities (kind, id, body) VALUES ($1, $2, $3)",
        )
        .bind(e.kind.tag())
        .bind(e.id)
        .bind(body)
        .execute(&mut *tx)
        .await
        .map_err(yingji_store::StoreError::from)?;
    }
    let ids: Vec<String> = new
        .iter()
        .map(|e| format!("{}({})", e.kind.set(), e.id))
        .collect();
    append(
        db,
        &mut tx,
        Change {
            actor: principal,
            action: "sta.create",
            entity: kind.tag(),
            entity_id: &id.to_string(),
            before: None,
            after: Some(json!({"created": ids}).to_string()),
            at: Utc::now(),
        },
    )
    .await?;
    tx.commit().await.map_err(yingji_store::StoreError::from)?;
    Ok(())
}
