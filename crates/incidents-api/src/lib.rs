//! Placeholder: the incident command module is being written in this session.

use yingji_server::{AppState, Module};

#[derive(Debug, thiserror::Error)]
pub enum MountError {}

/// Builds this capability's routes and OpenAPI description over the shared state.
pub async fn mount(_app: &AppState) -> Result<Module, MountError> {
    Ok(Module { routes: axum::Router::new(), openapi: utoipa::openapi::OpenApiBuilder::new().build() })
}
