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
