//! Registry collections over HTTP, in the shape of OGC API – Features:
//! `/api/v1/collections/{collection}/items` answers a GeoJSON FeatureCollection filtered by
//! `bbox` and `town`, within the caller's jurisdiction.

use crate::auth::{require_signed_in, Caller};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use yingji_domain::{Principal, Record, RecordDraft, RecordKind, TownCode};
use yingji_store::RecordFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/collections", get(collections))
        .route(
            "/api/v1/collections/{collection}/items",
            get(list).post(create),
        )
        .route(
            "/api/v1/collections/{collection}/items/{id}",
            get(read).put(update).delete(remove),
        )
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `min_lon,min_lat,max_lon,max_lat` (WGS84).
    pub bbox: Option<String>,
    /// A 9-digit NBS town code.
    pub town: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn kind(collection: &str) -> ApiResult<RecordKind> {
    RecordKind::from_collection(collection)
        .ok_or_else(|| ApiError::not_found(format!("collection {collection}")))
}

fn parse_bbox(raw: &str) -> ApiResult<[f64; 4]> {
    let bad =
        || ApiError::new("invalid_query", "bbox is min_lon,min_lat,max_lon,max_lat").field("bbox");
    let parts: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    match parts.as_slice() {
        [a, b, c, d] if parts.iter().all(|v| v.is_finite()) && a <= c && b <= d => {
            Ok([*a, *b, *c, *d])
        }
        _ => Err(bad()),
    }
}

/// The collections this server offers, with whether each is public.
#[utoipa::path(get, path = "/api/v1/collections", tag = "registry", responses((status = 200, description = "Collections")))]
pub async fn collections() -> Json<Value> {
    let list: Vec<_> = RecordKind::ALL
        .iter()
        .map(|k| json!({"id": k.collection(), "kind": k.tag(), "public": k.is_public()}))
        .collect();
    Json(json!({"collections": list}))
}

/// A GeoJSON FeatureCollection of one collection's records the caller may read.
#[utoipa::path(get, path = "/api/v1/collections/{collection}/items", tag = "registry",
    params(("collection" = String, Path, description = "e.g. shelters, villages, teams"), ListQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 404, description = "not_found")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(collection): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let kind = kind(&collection)?;
    let filter = RecordFilter {
        kind,
        bbox: query.bbox.as_deref().map(parse_bbox).transpose()?,
        town: query
            .town
            .as_deref()
            .map(|t| TownCode::parse("town", t))
            .transpose()?,
        scope: caller.read_scope(),
        limit: query.limit.unwrap_or(50_000).clamp(1, 50_000),
        offset: query.offset.unwrap_or(0).max(0),
    };
    let records = state.store.list_records(&filter).await?;
    let features: Vec<Value> = records.iter().map(feature_json).collect::<ApiResult<_>>()?;
    Ok(Json(json!({
        "type": "FeatureCollection",
        "numberReturned": features.len(),
        "features": features,
    })))
}

fn feature_json(record: &Record) -> ApiResult<Value> {
    serde_json::to_value(record.to_feature()).map_err(|_| ApiError::internal())
}

fn check_read(caller: &Principal, record: &Record) -> ApiResult<()> {
    if caller.can_read(record.is_public(), record.town_code.as_ref()) {
        Ok(())
    } else if caller.is_anonymous() {
        Err(ApiError::new(
            "unauthenticated",
            "this record is not public; sign in",
        ))
    } else {
        Err(ApiError::forbidden(format!(
            "{} {} lies outside your jurisdiction",
            record.kind.tag(),
            record.id
        )))
    }
}

fn check_write(caller: &Principal, town: Option<&TownCode>) -> ApiResult<()> {
    require_signed_in(caller)?;
    if caller.can_write(town) {
        Ok(())
    } else {
        let place = town
            .map(|t| format!("town {t}"))
            .unwrap_or_else(|| "the whole county".into());
        Err(ApiError::forbidden(format!(
            "your role or jurisdiction may not change records of {place}"
        )))
    }
}

#[utoipa::path(get, path = "/api/v1/collections/{collection}/items/{id}", tag = "registry",
    params(("collection" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "GeoJSON Feature"), (status = 403, description = "forbidden"), (status = 404, description = "not_found")))]
pub async fn read(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((collection, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let record = state.store.get_record(kind(&collection)?, &id).await?;
    check_read(&caller, &record)?;
    Ok(Json(feature_json(&record)?))
}

#[utoipa::path(post, path = "/api/v1/collections/{collection}/items", tag = "registry",
    params(("collection" = String, Path)), request_body(content = Object, description = "GeoJSON Feature"),
    responses((status = 201, description = "Created"), (status = 409, description = "duplicate_id"), (status = 422, description = "validation error naming the field")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(collection): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = kind(&collection)?;
    require_signed_in(&caller)?;
    let draft = RecordDraft::from_feature(kind, &body, &state.registry.context())?;
    check_write(&caller, draft.town_code.as_ref())?;
    let record = state
        .store
        .create_record(&caller, draft, Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(feature_json(&record)?)))
}

/// Replaces a record. `If-Match: "<version>"` makes it conditional on the version read.
#[utoipa::path(put, path = "/api/v1/collections/{collection}/items/{id}", tag = "registry",
    params(("collection" = String, Path), ("id" = String, Path)), request_body(content = Object, description = "GeoJSON Feature"),
    responses((status = 200, description = "Updated"), (status = 409, description = "version_conflict"), (status = 422, description = "validation error")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let kind = kind(&collection)?;
    require_signed_in(&caller)?;
    if let Some(object) = body.as_object_mut() {
        object.insert("id".into(), Value::from(id.clone()));
    }
    let draft = RecordDraft::from_feature(kind, &body, &state.registry.context())?;
    let current = state.store.get_record(kind, &id).await?;
    check_read(&caller, &current)?;
    check_write(&caller, current.town_code.as_ref())?;
    check_write(&caller, draft.town_code.as_ref())?;
    let expected = match headers.get("if-match").and_then(|v| v.to_str().ok()) {
        Some(raw) => Some(raw.trim_matches('"').parse::<i64>().map_err(|_| {
            ApiError::new(
                "invalid_value",
                "If-Match holds the record version, e.g. \"3\"",
            )
            .field("If-Match")
        })?),
        None => None,
    };
    let record = state
        .store
        .update_record(&caller, draft, expected, Utc::now())
        .await?;
    Ok(Json(feature_json(&record)?))
}

#[utoipa::path(delete, path = "/api/v1/collections/{collection}/items/{id}", tag = "registry",
    params(("collection" = String, Path), ("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, description = "forbidden"), (status = 404, description = "not_found")))]
pub async fn remove(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((collection, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let kind = kind(&collection)?;
    let current = state.store.get_record(kind, &id).await?;
    check_read(&caller, &current)?;
    check_write(&caller, current.town_code.as_ref())?;
    state
        .store
        .delete_record(&caller, kind, &id, Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
