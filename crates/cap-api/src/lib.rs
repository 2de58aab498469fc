//! yingji-cap-api: public warning release over HTTP — drafting, approval by a second
//! person, publication as CAP 1.2 (built and validated by `yingji-cap`), the public Atom
//! feed and CAP documents, delivery to channels with receipts, retries and coverage per
//! town, and CAP read in from neighbouring counties.
//!
//! Architecture invariant: CAP itself (model, XML, validation, GB/T 35965.1 mapping) is
//! `yingji-cap`'s; this crate only stores, authorises, schedules and transports. Network
//! calls never run inside a write transaction.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod areas;
mod coverage;
pub mod delivery;
mod draft_input;
mod feed;
mod neighbours;
mod openapi;
mod release;
mod storage;
mod warnings;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use yingji_cap::authoring::Issuer;
use yingji_server::{AppState, Module};

pub use areas::Gazetteer;
pub use delivery::{Channel, DeliveryError, DeliveryTarget, HttpChannel};

#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("cannot create the CAP tables: {0}")]
    Migration(#[from] yingji_store::StoreError),
    #[error("cannot read the registry (towns, villages): {0}")]
    Registry(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Tunables of delivery and neighbour polling; [`CapConfig::from_options`] is what
/// `yingji serve` uses.
#[derive(Clone)]
pub struct CapConfig {
    /// Delivery attempts per target before it is recorded as failed.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled after each failure.
    pub first_backoff: Duration,
    /// Per-request timeout for channels and neighbour feeds.
    pub request_timeout: Duration,
    /// How often neighbour feeds are read (`None`: only on demand).
    pub neighbour_poll_every: Option<Duration>,
    /// Channels besides SMS (which comes from `options.sms_gateway`) and the web feed.
    pub extra_channels: Vec<Arc<dyn Channel>>,
}

impl CapConfig {
    pub fn from_options() -> Self {
        CapConfig {
            max_attempts: 5,
            first_backoff: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            neighbour_poll_every: Some(Duration::from_secs(300)),
            extra_channels: Vec::new(),
        }
    }
}

/// This module's state: the shared application state plus what the module built at mount.
#[derive(Clone)]
pub struct CapState {
    pub app: AppState,
    pub gazetteer: Arc<Gazetteer>,
    pub issuer: Arc<Issuer>,
    pub channels: Arc<Vec<Arc<dyn Channel>>>,
    pub config: Arc<CapConfig>,
    pub http: reqwest::Client,
}

impl FromRef<CapState> for AppState {
    fn from_ref(state: &CapState) -> AppState {
        state.app.clone()
    }
}

/// Builds this capability's routes and OpenAPI description over the shared state.
pub async fn mount(app: &AppState) -> Result<Module, MountError> {
    mount_with(app, CapConfig::from_options()).await
}

/// [`mount`] with explicit tunables (tests use short backoffs and extra channels).
pub async fn mount_with(app: &AppState, config: CapConfig) -> Result<Module, MountError> {
    yingji_store::migrations::apply(app.store.db(), &storage::MIGRATIONS).await?;
    let mut gazetteer = Gazetteer::load(app.store.as_ref())
        .await
        .map_err(MountError::Registry)?;
    gazetteer.county_name = app.registry.county.name.clone();
    let http = reqwest::Client::builder()
        .timeout(config.request_timeout)
        .build()?;
    let mut channels: Vec<Arc<dyn Channel>> = Vec::new();
    let gateways = [
        ("sms", &app.options.sms_gateway, delivery::Reach::Village),
        (
            "broadcast",
            &app.options.broadcast_gateway,
            delivery::Reach::Town,
        ),
        (
            "loudspeaker",
            &app.options.loudspeaker_gateway,
            delivery::Reach::Village,
        ),
    ];
    for (name, url, reach) in gateways {
        if let Some(url) = url {
            channels.push(Arc::new(HttpChannel::new(name, url, reach, http.clone())));
        }
    }
    channels.extend(config.extra_channels.iter().cloned());
    let county = &app.registry.county;
    let issuer = Issuer {
        // GB/T 2260 county code padded to an issuing-unit code (see yingji-cap's docs).
        sender: format!("{}00000000", county.code),
        sender_name: format!("{}应急管理局", county.name),
        sender_name_en: None,
        contact: None,
        web: app.options.public_url.clone(),
    };
    let state = CapState {
        app: app.clone(),
        gazetteer: Arc::new(gazetteer),
        issuer: Arc::new(issuer),
        channels: Arc::new(channels),
        config: Arc::new(config),
        http,
    };
    delivery::resume_pending(&state);
    neighbours::start_polling(&state);
    Ok(Module {
        routes: routes(state),
        openapi: openapi::document(),
    })
}

fn routes(state: CapState) -> Router {
    use warnings as w;
    Router::new()
        .route("/api/v1/public-warnings", post(w::create).get(w::list))
        .route(
            "/api/v1/public-warnings/from-warning",
            post(w::from_warning),
        )
        .route("/api/v1/public-warnings/{id}", get(w::get_one))
        .route(
            "/api/v1/public-warnings/{id}/approve",
            post(release::approve),
        )
        .route(
            "/api/v1/public-warnings/{id}/publish",
            post(release::publish),
        )
        .route("/api/v1/public-warnings/{id}/update", post(w::update))
        .route("/api/v1/public-warnings/{id}/cancel", post(release::cancel))
        .route(
            "/api/v1/public-warnings/{id}/coverage",
            get(coverage::coverage),
        )
        .route("/cap/feed.atom", get(feed::atom))
        .route("/cap/alerts/{file}", get(feed::document))
        .route("/api/v1/neighbour-alerts", get(neighbours::list))
        .route("/api/v1/neighbour-alerts.geojson", get(neighbours::geojson))
        .route("/api/v1/neighbour-alerts/poll", post(neighbours::poll_now))
        .with_state(state)
}
