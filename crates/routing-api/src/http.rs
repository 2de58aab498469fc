//! The HTTP surface: `/api/v1/routing/…`.

use std::collections::HashMap;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;
use yingji_server::auth::{require_signed_in, Caller};
use yingji_server::error::{ApiError, ApiResult};
use yingji_server::json::ApiJson;
use yingji_server::{AppState, Module};

use crate::analyses::{AerialRequest, AreaRequest, EvacuationRequest};
use crate::closures::ClosureRequest;
use crate::input;
use crate::queries::FoundRoute;
use crate::RoutingService;

#[derive(Clone)]
struct RoutingState {
    app: AppState,
    service: RoutingService,
}

impl FromRef<RoutingState> for AppState {
    fn from_ref(state: &RoutingState) -> AppState {
        state.app.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        route,
        table,
        isochrone,
        list_closures,
        create_closure,
        delete_closure,
        roads,
        coverage,
        aerial,
        evacuation,
        exposure
    ),
    components(schemas(
        ClosureRequest,
        EvacuationRequest,
        AreaRequest,
        TableRequest,
        ExposureRequest,
        FoundRoute
    ))
)]
struct RoutingApi;

pub(crate) fn module(app: AppState, service: RoutingService) -> Module {
    let routes = axum::Router::new()
        .route("/api/v1/routing/route", get(route))
        .route("/api/v1/routing/table", post(table))
        .route("/api/v1/routing/isochrone", get(isochrone))
        .route(
            "/api/v1/routing/closures",
            get(list_closures).post(create_closure),
        )
        .route("/api/v1/routing/closures/{id}", delete(delete_closure))
        .route("/api/v1/routing/roads", get(roads))
        .route("/api/v1/routing/coverage", get(coverage))
        .route("/api/v1/routing/aerial", get(aerial))
        .route("/api/v1/routing/evacuation", post(evacuation))
        .route("/api/v1/routing/exposure", post(exposure))
        .with_state(RoutingState { app, service });
    Module {
        routes,
        openapi: RoutingApi::openapi(),
    }
}

type Params = Query<HashMap<String, String>>;

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> ApiResult<&'a str> {
    params.get(name).map(String::as_str).ok_or_else(|| {
        ApiError::new("required", format!("query parameter {name} is required")).field(name)
    })
}

fn number(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<f64>> {
    params
        .get(name)
        .map(|raw| {
            raw.trim().parse::<f64>().map_err(|_| {
                ApiError::new(
                    "invalid_query",
                    format!("{name} must be a number, got {raw:?}"),
                )
                .field(name)
            })
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/routing/route", tag = "routing",
    params(("from" = String, Query, description = "LON,LAT"), ("to" = String, Query, description = "LON,LAT")),
    responses((status = 200, body = FoundRoute, description = "`status` found (travel time, distance, GeoJSON line; `cross_country` for a straight leg between nearby points) or unreachable"),
        (status = 422, description = "invalid_coordinate, outside_graph")))]
async fn route(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    Query(params): Params,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    let from = input::parse_lon_lat("from", param(&params, "from")?)?;
    let to = input::parse_lon_lat("to", param(&params, "to")?)?;
    Ok(Json(s.service.route(from, to, Utc::now()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TableRequest {
    /// `[[lon, lat], …]`
    from: Vec<[f64; 2]>,
    to: Vec<[f64; 2]>,
}

#[utoipa::path(post, path = "/api/v1/routing/table", tag = "routing", request_body = TableRequest,
    responses((status = 200, description = "`minutes[from][to]`, null = unreachable"), (status = 422, description = "outside_graph, too_large")))]
async fn table(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<TableRequest>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    let from = input::points("from", &body.from)?;
    let to = input::points("to", &body.to)?;
    Ok(Json(json!(s.service.table(&from, &to, Utc::now()).await?)))
}

#[utoipa::path(get, path = "/api/v1/routing/isochrone", tag = "routing",
    params(("at" = String, Query, description = "LON,LAT"), ("minutes" = f64, Query)),
    responses((status = 200, description = "GeoJSON Feature (MultiPolygon)"), (status = 422, description = "outside_graph, invalid_value")))]
async fn isochrone(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    Query(params): Params,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    let at = input::parse_lon_lat("at", param(&params, "at")?)?;
    let minutes = input::required("minutes", number(&params, "minutes")?)?;
    Ok(Json(s.service.isochrone(at, minutes, Utc::now()).await?))
}

#[utoipa::path(get, path = "/api/v1/routing/closures", tag = "routing",
    responses((status = 200, description = "Closures in force, GeoJSON FeatureCollection"), (status = 401, description = "unauthenticated")))]
async fn list_closures(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    Ok(Json(s.service.closures_geojson(Utc::now()).await?))
}

#[utoipa::path(post, path = "/api/v1/routing/closures", tag = "routing", request_body = ClosureRequest,
    responses((status = 201, description = "The stored closure"), (status = 403, description = "forbidden"), (status = 422, description = "invalid_value, outside_graph, invalid_time")))]
async fn create_closure(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<ClosureRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require_signed_in(&caller)?;
    let closure = s.service.create_closure(&caller, body, Utc::now()).await?;
    let town = closure
        .town_code
        .as_deref()
        .and_then(|t| yingji_domain::TownCode::parse("", t).ok());
    s.app
        .events
        .publish("routing.closure.created", town, false, json!(closure));
    Ok((StatusCode::CREATED, Json(json!(closure))))
}

#[utoipa::path(delete, path = "/api/v1/routing/closures/{id}", tag = "routing", params(("id" = String, Path)),
    responses((status = 200, description = "The removed closure"), (status = 403, description = "forbidden"), (status = 404, description = "not_found")))]
async fn delete_closure(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    let closure = s.service.delete_closure(&caller, &id, Utc::now()).await?;
    let town = closure
        .town_code
        .as_deref()
        .and_then(|t| yingji_domain::TownCode::parse("", t).ok());
    s.app.events.publish(
        "routing.closure.deleted",
        town,
        false,
        json!({"id": closure.id}),
    );
    Ok(Json(json!(closure)))
}

#[utoipa::path(get, path = "/api/v1/routing/roads", tag = "routing",
    responses((status = 200, description = "Road segments, GeoJSON FeatureCollection with `attribution`")))]
async fn roads(State(s): State<RoutingState>) -> Json<Value> {
    Json((*s.service.roads).clone())
}

#[utoipa::path(get, path = "/api/v1/routing/coverage", tag = "routing",
    params(("station_type" = String, Query, description = "fire, forest or rescue"), ("minutes" = f64, Query)),
    responses((status = 200, description = "`report` (every village) and `geojson` (uncovered villages)")))]
async fn coverage(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    Query(params): Params,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    let station_type = param(&params, "station_type")?;
    let minutes = input::required("minutes", number(&params, "minutes")?)?;
    Ok(Json(
        s.service
            .coverage(&caller, station_type, minutes, Utc::now())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/routing/aerial", tag = "routing",
    params(("base" = Option<String>, Query, description = "helipad id or LON,LAT; default every helipad"),
        ("hours" = Option<f64>, Query), ("cruise_kmh" = Option<f64>, Query), ("preparation_minutes" = Option<f64>, Query)),
    responses((status = 200, description = "`report` (every village) and `geojson` (unreachable villages)")))]
async fn aerial(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    Query(params): Params,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    let request = AerialRequest {
        base: params.get("base").cloned(),
        hours: number(&params, "hours")?,
        cruise_kmh: number(&params, "cruise_kmh")?,
        preparation_minutes: number(&params, "preparation_minutes")?,
    };
    Ok(Json(s.service.aerial(&caller, &request).await?))
}

#[utoipa::path(post, path = "/api/v1/routing/evacuation", tag = "routing", request_body = EvacuationRequest,
    responses((status = 200, description = "`plan` (assignments, shelter loads, unassigned) and `geojson`")))]
async fn evacuation(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<EvacuationRequest>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    Ok(Json(s.service.evacuate(&caller, &body, Utc::now()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ExposureRequest {
    area: AreaRequest,
}

#[utoipa::path(post, path = "/api/v1/routing/exposure", tag = "routing", request_body = ExposureRequest,
    responses((status = 200, description = "`report` (villages, population) and `geojson`")))]
async fn exposure(
    State(s): State<RoutingState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<ExposureRequest>,
) -> ApiResult<Json<Value>> {
    require_signed_in(&caller)?;
    Ok(Json(s.service.exposure(&caller, &body.area).await?))
}
