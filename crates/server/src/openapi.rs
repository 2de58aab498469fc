//! The OpenAPI description of the HTTP API, assembled from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "yingji 应急 API", description = "County emergency command and early-warning platform"),
    paths(
        crate::auth::login,
        crate::auth::logout,
        crate::auth::me,
        crate::records::collections,
        crate::records::list,
        crate::records::read,
        crate::records::create,
        crate::records::update,
        crate::records::remove,
        crate::ops::healthz,
        crate::ops::readyz,
        crate::ops::errors,
        crate::ops::audit,
        crate::ops::audit_verify,
        crate::events::stream,
    ),
    components(schemas(crate::auth::LoginRequest)),
    tags((name = "auth"), (name = "events", description = "Live events (SSE)"), (name = "registry", description = "Registry collections as GeoJSON"), (name = "ops"))
)]
pub struct ApiDoc;

/// The core API's description; capability modules merge theirs into it.
pub fn core() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn document(
    doc: std::sync::Arc<utoipa::openapi::OpenApi>,
) -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(doc.as_ref().clone())
}
