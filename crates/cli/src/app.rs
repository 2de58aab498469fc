//! Assembly: every capability's HTTP module mounted over the shared state.

use yingji_server::{AppState, Module};

/// The modules, and the drills handle (`yingji demo` plays a drill through it).
pub async fn modules(state: &AppState) -> anyhow::Result<(Vec<Module>, yingji_drill_api::Drills)> {
    let (drill_module, drills) = yingji_drill_api::mount(state).await?;
    let modules = vec![
        yingji_monitoring_api::mount(state).await?,
        yingji_cap_api::mount(state).await?,
        yingji_routing_api::mount(state).await?,
        yingji_incidents_api::mount(state).await?,
        yingji_web::mount(state).await?,
        drill_module,
    ];
    Ok((modules, drills))
}
