//! yingji-incidents-api: incident command on the server.
//!
//! * [`reports`]: field reports (灾情直报) with idempotency keys; a report opens an
//!   incident or attaches to one, and its figures feed the incident's tally.
//! * [`filing`]: the group-commit writer that files reports many per transaction.
//! * [`photos`]: photo upload (content-addressed, fsynced) and serving per report.
//! * [`incidents`]: incidents, their status, notes and timeline.
//! * [`timeline`]: the ordered, audited, live-pushed record of everything done.
//!
//! Every write commits with its audit entry and timeline entry in one transaction and is
//! acknowledged only after commit; live events go out after commit. Status steps (incident
//! status and notes, orders, plan activation and tasks) all do this through
//! [`timeline::record_step`]; field reports through the batch writer in [`filing`].

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod access;
pub mod dispatch;
pub mod filing;
mod incident_rows;
pub mod incidents;
mod input;
mod listing;
mod openapi;
pub mod photos;
pub mod plans;
pub mod reports;
mod rows;
mod schema;
pub mod sitrep;
pub mod timeline;
mod towns;

use axum::extract::FromRef;
use std::ops::Deref;
use std::sync::Arc;
use yingji_server::{AppState, Module};

#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("store: {0}")]
    Store(#[from] yingji_store::StoreError),
    #[error("emergency plans: {0}")]
    Plan(#[from] yingji_incidents::PlanError),
    #[error("report writer thread: {0}")]
    Writer(#[from] std::io::Error),
}

/// What the handlers share.
pub struct Shared {
    pub app: AppState,
    towns: towns::Towns,
    plans: Vec<yingji_incidents::Plan>,
    filing: filing::Filing,
}

#[derive(Clone)]
pub struct IncidentsState(pub Arc<Shared>);

impl Deref for IncidentsState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<IncidentsState> for AppState {
    fn from_ref(state: &IncidentsState) -> AppState {
        state.app.clone()
    }
}

/// Builds this capability's routes and OpenAPI description over the shared state.
pub async fn mount(app: &AppState) -> Result<Module, MountError> {
    mount_with(app, filing::FilingConfig::default()).await
}

/// [`mount`] with a chosen report writer configuration (the benchmark compares batch sizes).
pub async fn mount_with(
    app: &AppState,
    filing_config: filing::FilingConfig,
) -> Result<Module, MountError> {
    schema::apply(app.store.db()).await?;
    let towns = towns::Towns::load(app.store.as_ref()).await?;
    let state = IncidentsState(Arc::new(Shared {
        app: app.clone(),
        towns,
        plans: plans::load_plans()?,
        filing: filing::Filing::start(app.store.db().clone(), filing_config)?,
    }));
    let routes = reports::router()
        .merge(incidents::router())
        .merge(dispatch::router())
        .merge(plans::router())
        .merge(sitrep::router())
        .merge(photos::router())
        .with_state(state);
    Ok(Module {
        routes,
        openapi: openapi::document(),
    })
}

/// A fresh identifier with a readable prefix, time-ordered: the first 48 of its 128 bits are
/// the Unix time in milliseconds, the other 80 random. Ordered ids are appended at the end
/// of the primary-key index, so a batch of reports dirties a few index pages instead of one
/// random page per report (each a 4 KiB write to the WAL at commit).
pub(crate) fn new_id(prefix: &str) -> String {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u128;
    let random = rand::random::<u128>() & ((1u128 << 80) - 1);
    yingji_domain::RecordId::generate(prefix, (millis << 80) | random).to_string()
}
