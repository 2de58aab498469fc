//! yingji-server: the HTTP API, a thin layer over the domain crates and the store.
//!
//! Handlers parse input into domain types at the edge, check the caller's role and
//! jurisdiction, call the store or an engine, and answer JSON or GeoJSON. One error type
//! ([`error::ApiError`]) gives every failure the same shape and a stable code.
//!
//! Architecture invariant: no SQL here (that is the store's) and no domain rules beyond
//! access checks (those are the domain crates').

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod bootstrap;
pub mod error;
pub mod events;
pub mod json;
mod openapi;
mod ops;
mod records;
pub mod services;
pub mod session_cache;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;

pub use state::{AppState, ServerOptions};

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use yingji_store::Store;

/// Request bodies above this are refused with 413 (`payload_too_large`). A route that takes
/// larger bodies (photos) sets its own `DefaultBodyLimit`, which overrides this one.
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// A capability's HTTP surface: its routes (with their state applied) and their OpenAPI
/// description, merged into the one API by [`router`].
pub struct Module {
    pub routes: Router,
    pub openapi: utoipa::openapi::OpenApi,
}

/// The whole HTTP API: the core routes plus every capability module.
pub fn router(state: AppState, modules: Vec<Module>) -> Router {
    let mut doc = openapi::core();
    let mut app = Router::new()
        .merge(ops::router())
        .merge(records::router())
        .route("/api/v1/auth/login", axum::routing::post(auth::login))
        .route("/api/v1/auth/logout", axum::routing::post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/events", get(events::stream))
        .with_state(state);
    for module in modules {
        doc.merge(module.openapi);
        app = app.merge(module.routes);
    }
    let doc = Arc::new(doc);
    app.route(
        "/api/v1/openapi.json",
        get(move || openapi::document(doc.clone())),
    )
    .fallback(|| async { error::ApiError::not_found("route") })
    // gzip for clients that ask (the map's GeoJSON layers shrink about tenfold); never for
    // the live event stream, whose events must leave as they happen (`DefaultPredicate`).
    .layer(CompressionLayer::new())
    .layer(middleware::from_fn(track))
    .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
    .layer(TraceLayer::new_for_http())
}

/// Counts and times every request by route and status for `/metrics`.
async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("yingji_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("yingji_http_request_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The process-wide metrics recorder, installed once.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; metrics then go there.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Builds the application state over an opened, migrated store that holds a county.
pub async fn state(
    store: Arc<dyn Store>,
    options: ServerOptions,
) -> Result<AppState, bootstrap::BootstrapError> {
    let registry = bootstrap::registry(store.as_ref()).await?;
    let dummy_hash = tokio::task::spawn_blocking(|| auth::hash_password("not a real password"))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    Ok(AppState {
        store,
        registry: Arc::new(registry),
        dummy_hash,
        metrics: metrics_handle(),
        events: events::EventBus::default(),
        options: Arc::new(options),
        services: services::Services::default(),
        sessions: Arc::new(session_cache::SessionCache::default()),
    })
}
