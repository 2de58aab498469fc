//! What every handler shares.

use std::collections::HashSet;
use std::sync::Arc;
use yingji_domain::record::RegistryContext;
use yingji_domain::{County, TownCode};
use yingji_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub registry: Arc<Registry>,
    /// Verified against when a username is unknown, so login timing reveals nothing.
    pub dummy_hash: String,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub events: crate::events::EventBus,
    pub options: Arc<ServerOptions>,
    /// Services modules share (see [`crate::services`]).
    pub services: crate::services::Services,
    /// Recently resolved session tokens (see [`crate::session_cache`]).
    pub sessions: Arc<crate::session_cache::SessionCache>,
}

/// Settings the capability modules read when they mount (see `yingji serve --help`).
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Where caches (prepared road graph, uploads) live.
    pub data_dir: std::path::PathBuf,
    /// MQTT broker for SensorThings MQTT ingest, e.g. `mqtt://127.0.0.1:1883`.
    pub mqtt: Option<String>,
    /// CAP feeds of neighbouring counties to read.
    pub neighbour_feeds: Vec<String>,
    /// HTTP SMS gateway that delivers public warnings (one message per village).
    pub sms_gateway: Option<String>,
    /// HTTP controller of the emergency-broadcast system (one message per town).
    pub broadcast_gateway: Option<String>,
    /// HTTP controller of the village loudspeakers (one message per village).
    pub loudspeaker_gateway: Option<String>,
    /// The externally visible base URL, for links in feeds and CAP documents.
    pub public_url: Option<String>,
}

/// The county and its towns: what every incoming record is checked against.
pub struct Registry {
    pub county: County,
    pub towns: HashSet<TownCode>,
}

impl Registry {
    pub fn context(&self) -> RegistryContext<'_> {
        RegistryContext {
            county: &self.county,
            towns: &self.towns,
        }
    }
}
