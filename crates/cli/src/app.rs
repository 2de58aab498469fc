//! Assembly: every capability's HTTP module mounted over the shared state.

use yingji_server::{AppState, Module};

pub async fn modules(state: &AppState) -> anyhow::Result<Vec<Module>> {
    Ok(vec![
        yingji_monitoring_api::mount(state).await?,
        yingji_cap_api::mount(state).await?,
        yingji_routing_api::mount(state).await?,
        yingji_incidents_api::mount(state).await?,
        yingji_web::mount(state).await?,
    ])
}
