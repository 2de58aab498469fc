//! yingji-routing-api: road routing, closures and planning analyses over HTTP
//! (`/api/v1/routing/…`) and for the CLI (`yingji route …`).
//!
//! The county graph ships inside the binary; it is prepared once and cached under the data
//! directory. Closures live in this crate's own table (the single source of truth): every
//! query reads the closures in force, so a closure counts at once, on every node, and
//! survives a restart. The graph algorithms are `yingji-routing`'s; its benchmark lives in
//! `crates/routing/benches`.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod analyses;
pub mod closures;
mod errors;
mod graph;
mod http;
mod input;
pub mod queries;
mod roads;
mod towns;

pub use graph::{load_county_router, COUNTY_GRAPH};
pub use yingji_routing;

use std::path::Path;
use std::sync::Arc;

use yingji_routing::Router;
use yingji_server::{AppState, Module};
use yingji_store::Store;

#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("county road graph: {0}")]
    Graph(#[from] yingji_routing::RoutingError),
    #[error("routing store: {0}")]
    Store(#[from] yingji_store::StoreError),
    #[error("routing: {0}")]
    Task(String),
}

/// Everything a routing request needs: the prepared graph, the store holding closures and
/// registry records, and the town areas that decide whose jurisdiction a closure is in.
#[derive(Clone)]
pub struct RoutingService {
    pub router: Arc<Router>,
    pub store: Arc<dyn Store>,
    towns: Arc<towns::TownAreas>,
    roads: Arc<serde_json::Value>,
}

impl RoutingService {
    /// Applies this crate's migrations, loads (or prepares and caches under `data_dir`) the
    /// county graph and reads the town areas.
    pub async fn open(store: Arc<dyn Store>, data_dir: &Path) -> Result<Self, MountError> {
        yingji_store::migrations::apply(store.db(), closures::MIGRATIONS).await?;
        let cache_dir = data_dir.to_path_buf();
        let (router, outcome) = tokio::task::spawn_blocking(move || load_county_router(&cache_dir))
            .await
            .map_err(|e| MountError::Task(e.to_string()))??;
        tracing::info!(
            ?outcome,
            nodes = router.graph().node_count(),
            "county road graph ready"
        );
        let towns = towns::TownAreas::load(store.as_ref()).await?;
        let roads = roads::layer(&router);
        Ok(RoutingService {
            router: Arc::new(router),
            store,
            towns: Arc::new(towns),
            roads: Arc::new(roads),
        })
    }
}

impl RoutingService {
    /// The server's one routing service, opened by whichever module asks first: dispatch
    /// ranks teams on the same prepared graph and the same closures as `/api/v1/routing`.
    pub async fn shared(app: &AppState) -> Result<Self, MountError> {
        app.services
            .get_or_try_init(|| RoutingService::open(app.store.clone(), &app.options.data_dir))
            .await
    }
}

/// Builds this capability's routes and OpenAPI description over the shared state.
pub async fn mount(app: &AppState) -> Result<Module, MountError> {
    let service = RoutingService::shared(app).await?;
    Ok(http::module(app.clone(), service))
}
