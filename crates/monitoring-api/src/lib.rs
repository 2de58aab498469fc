//! yingji-monitoring-api: the monitoring and early-warning capability on the server.
//!
//! * [`sta`]: OGC SensorThings API 1.1 under `/sta/v1.1` (create, read, query options,
//!   `CreateObservations`), writes for sensor feeders, reads scoped by jurisdiction.
//! * [`ingest`]: durable group-commit writer; an observation is acknowledged after commit.
//! * [`mqtt`]: SensorThings MQTT ingest (`v1.1/Datastreams(n)/Observations`).
//! * [`monitor`]: the rule engine fed by every committed observation, ticked in the
//!   background, its signals turned into persisted warnings and live events.
//! * [`api`]: `/api/v1/rules` and `/api/v1/warnings`.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod drills;
pub mod ingest;
pub mod monitor;
pub mod mqtt;
mod schema;
mod seed;
pub mod sta;
mod towns;

use axum::extract::FromRef;
use sta::model::{Entities, Entity, Kind};
use std::ops::Deref;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use yingji_server::{AppState, Module};
use yingji_store::sqlx_error as sqlx;
use yingji_store::sqlx_error::Row;

#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("store: {0}")]
    Store(#[from] yingji_store::StoreError),
    #[error("store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    #[error("default rules: {0}")]
    Rules(#[from] yingji_monitoring::RuleError),
    #[error("seeding sensors: {0}")]
    Seed(String),
}

/// Everything the handlers and background tasks share.
pub struct Shared {
    pub app: AppState,
    pub entities: RwLock<Entities>,
    towns: towns::Towns,
    pub ingest: ingest::Ingest,
    pub monitor: tokio::sync::Mutex<monitor::Monitor>,
}

impl Shared {
    pub fn entities_read(&self) -> RwLockReadGuard<'_, Entities> {
        self.entities.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn entities_write(&self) -> RwLockWriteGuard<'_, Entities> {
        self.entities.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Clone)]
pub struct MonitoringState(pub Arc<Shared>);

impl Deref for MonitoringState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<MonitoringState> for AppState {
    fn from_ref(state: &MonitoringState) -> AppState {
        state.app.clone()
    }
}

/// Builds this capability's routes and OpenAPI description over the shared state and starts
/// its background tasks (writer, engine, tick, MQTT).
pub async fn mount(app: &AppState) -> Result<Module, MountError> {
    Ok(mount_with_handle(app).await?.0)
}

/// [`mount`], also returning the state, so tests and benches can drive the tick by hand.
pub async fn mount_with_handle(app: &AppState) -> Result<(Module, MonitoringState), MountError> {
    let db = app.store.db();
    yingji_store::migrations::apply(db, schema::MIGRATIONS).await?;
    let towns = towns::Towns::load(app.store.as_ref(), app.registry.towns.clone()).await?;
    let entities = load_entities(app).await?;
    let (committed_tx, committed_rx) = tokio::sync::mpsc::channel(1024);
    let ingest = ingest::Ingest::start(db.clone(), committed_tx)
        .await
        .map_err(|e| match e {
            ingest::IngestError::Store(e) => MountError::Database(e),
            other => MountError::Seed(other.to_string()),
        })?;
    let shared = Arc::new(Shared {
        app: app.clone(),
        entities: RwLock::new(entities),
        towns,
        ingest,
        monitor: tokio::sync::Mutex::new(monitor::Monitor::default()),
    });
    let state = MonitoringState(shared);
    if state.entities_read().is_empty() {
        seed::things(&state).await?;
    }
    let loaded = monitor::Monitor::load(&state).await?;
    *state.monitor.lock().await = loaded;
    tokio::spawn(monitor::run(state.clone(), committed_rx));
    tokio::spawn(monitor::ticker(state.clone()));
    if let Some(url) = app.options.mqtt.clone() {
        mqtt::start(state.clone(), &url, mqtt::rate_from_env()).map_err(MountError::Seed)?;
    }
    let routes = sta::router().merge(api::router()).with_state(state.clone());
    Ok((
        Module {
            routes,
            openapi: api::openapi(),
        },
        state,
    ))
}

async fn load_entities(app: &AppState) -> Result<Entities, MountError> {
    let rows = sqlx::query("SELECT body FROM sta_entities")
        .fetch_all(&app.store.db().reader)
        .await?;
    let mut entities = Entities::default();
    for row in rows {
        let body: String = row.try_get(0)?;
        let entity: Entity = serde_json::from_str(&body).map_err(|e| MountError::Corrupt {
            what: "SensorThings entity".into(),
            reason: e.to_string(),
        })?;
        entities.insert(entity);
    }
    Ok(entities)
}

/// Datastreams by the dataset id they were seeded from (`properties.record_id`).
pub(crate) fn datastreams_by_record(entities: &Entities) -> std::collections::HashMap<String, i64> {
    entities
        .all(Kind::Datastream)
        .filter_map(|d| {
            let record = d.fields.get("properties")?.get("record_id")?.as_str()?;
            Some((record.to_string(), d.id))
        })
        .collect()
}
